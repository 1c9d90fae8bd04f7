"""Build the parser from the registry and run one command line: the CLI's only entry (`cli.run`)."""
from __future__ import annotations

import argparse
import importlib
import sys

from checkin_app import __version__
from checkin_app.cli.common import EXIT_ERROR, emit
from checkin_app.cli.registry import COMMANDS, COMMON, DEFAULT, GROUPS, ORDER, Command
from checkin_app.errors import CheckinError

# One module per command group; importing one registers its commands (help lists them in this order).
COMMAND_MODULES: tuple[str, ...] = (
    "checkin_app.cli.tickets", "checkin_app.cli.events", "checkin_app.cli.bench", "checkin_app.cli.connections",
    "checkin_app.cli.webhooks", "checkin_app.cli.decode", "checkin_app.cli.doors", "checkin_app.cli.lists",
    "checkin_app.cli.attention", "checkin_app.cli.gui", "checkin_app.cli.floor",
)


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def build_parser() -> argparse.ArgumentParser:
    _load_commands()
    p = argparse.ArgumentParser(prog="checkin-app", description="Door scanning and check-in for live events.")
    COMMON["data-dir"].add_to(p)
    p.add_argument("--version", action="version", version=f"checkin-app {__version__}")
    # The window opens, reaches door-ready, prints "door ready" and quits: smoke tests of a build.
    p.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in ORDER:
        if name in GROUPS:
            g = GROUPS[name]
            gp = sub.add_parser(name, help=g.help)
            if g.default is not None:  # `lists --json` runs `lists show --json`
                COMMANDS[f"{name} {g.default}"].add_arguments(gp)
            gsub = gp.add_subparsers(dest=g.dest, metavar="ACTION", required=g.default is None)
            for cmd in g.actions:
                cmd.add_arguments(gsub.add_parser(cmd.name.partition(" ")[2], help=cmd.help))
        else:
            cmd = COMMANDS[name]
            cmd.add_arguments(sub.add_parser(name, help=cmd.help))
    return p


def _chosen(args: argparse.Namespace) -> Command | None:
    name = args.command or DEFAULT
    if name in GROUPS:
        name = f"{name} {getattr(args, GROUPS[name].dest) or GROUPS[name].default}"
    return COMMANDS.get(name)


def run(argv: list[str]) -> int:
    parser = build_parser()
    for arg in argv:  # bytes that are not UTF-8 arrive as lone surrogates, which SQLite cannot store
        if any("\ud800" <= ch <= "\udfff" for ch in arg):
            print(f"error: an argument is not valid UTF-8 text: {arg.encode('utf-8', 'replace').decode()[:60]}",
                  file=sys.stderr)
            return EXIT_ERROR
    args = parser.parse_args(argv)
    cmd = _chosen(args)
    if cmd is None:
        parser.error(f"{args.command!r} is not available in this build")
    try:
        return cmd.handler(args)
    except CheckinError as exc:
        from checkin_app.log import scrub

        message = scrub(str(exc))
        if getattr(args, "json", False):
            emit(args, {"error": message})
        print(f"error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception:  # a bug: show the traceback, but never let it read as "refused" (exit 1)
        import traceback

        from checkin_app.log import scrub

        print(scrub(traceback.format_exc()), file=sys.stderr, end="")  # tracebacks can quote a secret
        print("error: internal error (a bug); the traceback above helps a maintainer", file=sys.stderr)
        return EXIT_ERROR
