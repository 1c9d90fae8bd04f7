"""The GUI commands: no command opens the window for the data dir; `demo` runs it on the sandbox."""
from __future__ import annotations

import argparse

from checkin_app.cli import command


def add_parsers(sub) -> None:
    s = sub.add_parser("demo", help="the GUI on a built-in simulated box office: no account, no camera needed")
    s.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)


@command("gui")
def _gui(args) -> int:
    from checkin_app.gui.app import run

    return run(args.data_dir)


@command("demo")
def _demo(args) -> int:
    from checkin_app.gui.app import run_demo

    return run_demo(quit_after_s=args.quit_after)
