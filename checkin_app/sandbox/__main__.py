"""Serve a simulated Ticket Tailor box office from the command line, to try the app by hand.

    python -m checkin_app.sandbox [--port 8765] [--tickets N] [--fail-fraction 0.1] ...

Prints the base URL and the API key, then serves until interrupted. Then, in another shell:

    export TT_KEY=sk_sandbox_demo
    checkin-app connect tickettailor box --api-key-env TT_KEY --base-url http://127.0.0.1:8765/v1
"""
from __future__ import annotations

import argparse
import threading

from checkin_app.sandbox.tickettailor import DEMO_API_KEY, TicketTailorSandbox, demo_box_office


def main(argv: list[str] | None = None) -> int:
    """Run the simulator in the foreground. Returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m checkin_app.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--api-key", default=DEMO_API_KEY)
    parser.add_argument("--tickets", type=int, default=None,
                        help="one event with this many tickets instead of the demo box office")
    parser.add_argument("--mask", action="store_true", help="answer personal data as ****")
    parser.add_argument("--fail-fraction", type=float, default=0.0, help="share of requests answered 503")
    parser.add_argument("--rate-limit", type=int, default=10_000, help="requests per window")
    parser.add_argument("--rate-window", type=float, default=1800.0, help="window length in seconds")
    args = parser.parse_args(argv)
    if args.tickets is None and not args.mask:
        sandbox = demo_box_office(args.api_key, port=args.port)
    else:
        sandbox = TicketTailorSandbox(args.api_key, port=args.port, mask_personal=args.mask)
        sandbox.seed_event("Sandbox event", args.tickets or 2500)
    sandbox.faults.fail_fraction = args.fail_fraction
    sandbox.set_rate_limit(args.rate_limit, args.rate_window)
    with sandbox:
        print(f"Ticket Tailor sandbox at {sandbox.base_url}  (API key: {args.api_key})", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
