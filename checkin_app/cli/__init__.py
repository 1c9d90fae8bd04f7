"""The command line: one package, one registry, handlers over the services (docs/architecture.md, "CLI").

- `registry.py`: `@command(name, *args, options=(...))` registers a handler with its arguments;
  `COMMON` declares the shared options (`--json`, `--device`, `--event`, `--data-dir`) once.
- `main.py`: builds the argparse parser from the registry and runs one command line (`run`).
- `common.py`: exit codes, `emit` (JSON with `--json`, else text), `open_app` (the data dir's App).
- `progress.py`: progress on stderr (a bar on a terminal, plain lines when piped, nothing with `--json`).
- one module per command group: tickets, events, bench, connections, webhooks, decode, doors, gui.

Handlers call `checkin_app.services` only (tests/unit/test_layering.py holds them to it).
"""
from checkin_app.cli.common import EXIT_ERROR, EXIT_OK, EXIT_REFUSED, emit, open_app
from checkin_app.cli.main import build_parser, run
from checkin_app.cli.registry import arg, command

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_REFUSED", "arg", "build_parser", "command", "emit", "open_app", "run"]
