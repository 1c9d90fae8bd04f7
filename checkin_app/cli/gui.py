"""The GUI commands: no command opens the window for the data dir; `demo` runs it on the sandbox."""
from __future__ import annotations

import argparse

from checkin_app.cli.registry import COMMON, arg, command


@command("gui", parser=False)  # what runs with no command at all
def _gui(args) -> int:
    from checkin_app.gui.app import run

    return run(args.data_dir, quit_when_ready=args.quit_when_ready)


@command("demo", arg("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS),
         help="the GUI on a built-in simulated box office: no account, no camera needed "
              "(with --data-dir DIR its data stays in DIR; default: a temporary dir)",
         # Also after the command (`demo --data-dir DIR`); SUPPRESS keeps a --data-dir given before it.
         configure=lambda s: COMMON["data-dir"].add_to(s, default=argparse.SUPPRESS,
                                                       help="keep the demo's data in this directory"))
def _demo(args) -> int:
    from checkin_app.gui.app import has_display, run_demo

    if not has_display():
        from checkin_app import demo_terminal

        print("No display to open the window on: here is the demo in this terminal.", flush=True)
        demo_terminal.run(lambda line: print(line, flush=True), data_dir=args.data_dir)
        return 0
    return run_demo(args.data_dir, quit_after_s=args.quit_after)
