"""What every command handler shares: exit codes, the one output rule, and the data dir's App."""
from __future__ import annotations

import argparse
import json
import sys

# The command-line contract (docs/architecture.md, "CLI contract"): 0 success (for `scan`: admitted or
# exited), 1 refused scan (or an incomplete sync), 2 error.
EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


def emit(args: argparse.Namespace, document, text: str | None = None) -> None:
    """Print the JSON document with --json, else the human text."""
    if getattr(args, "json", False):
        json.dump(document, sys.stdout, ensure_ascii=False, indent=None, default=str)
        sys.stdout.write("\n")
    elif text is not None:
        print(text)


def open_app(args: argparse.Namespace):
    """The composition root for `--data-dir` (store, log, check-in service); use it as a context manager."""
    from checkin_app.app import App

    return App(args.data_dir, door=getattr(args, "device", None))
