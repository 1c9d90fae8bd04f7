"""`checkin-app webhooks serve`: the standalone webhook receiver and relay (DESIGN.md, "Command line").

Prints every route's full URL (path tokens included) first, as one JSON document with `--json`,
then serves until SIGINT/SIGTERM. Deliveries are stored in this data dir's inbox and applied to
its tickets; laptops pull them through a `relay` connection.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from checkin_app import cli


def add_parsers(sub) -> None:
    p = sub.add_parser("webhooks", help="webhook receiver and relay")
    wsub = p.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    s = wsub.add_parser("serve", help="receive provider webhooks and relay them to laptops")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    s.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    s.add_argument("--public-url", help="base URL providers reach this server at (behind a proxy); printed URLs use it")
    s.add_argument("--tickettailor-secret-env", metavar="VAR",
                   help="variable holding Ticket Tailor's webhook signing secret (without it the route is off)")
    s.add_argument("--ticketor-token-env", metavar="VAR", help="variable holding Ticketor's path token "
                   "(default CHECKIN_TICKETOR_TOKEN, else the OS keyring)")
    s.add_argument("--ticketsolve-token-env", metavar="VAR", help="variable holding Ticketsolve's path token "
                   "(default CHECKIN_TICKETSOLVE_TOKEN, else the OS keyring)")
    s.add_argument("--relay-token-env", metavar="VAR", help="variable holding the relay's bearer token "
                   "(default CHECKIN_RELAY_TOKEN, else the OS keyring)")
    s.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES", help="largest delivery accepted")
    s.add_argument("--json", action="store_true")


@cli.command("webhooks")
def _webhooks(args: argparse.Namespace) -> int:
    from checkin_app.webhooks.receiver import Receiver
    from checkin_app.webhooks.settings import load_config

    with cli.open_app(args) as app:  # creates and migrates the data dir, sets up the (scrubbed) log
        data_dir = app.data_dir
    config = load_config(tickettailor_secret_env=args.tickettailor_secret_env,
                         token_envs={"ticketor": args.ticketor_token_env, "ticketsolve": args.ticketsolve_token_env,
                                     "relay": args.relay_token_env},
                         max_body_bytes=args.max_body)
    receiver = Receiver(data_dir, config, host=args.host, port=args.port, public_url=args.public_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    receiver.start()
    try:
        routes = receiver.routes()
        doc = {"listening": f"{args.host}:{receiver.port}", "base_url": receiver.base_url, "data_dir": str(data_dir),
               "routes": routes, "relay_token": config.relay_token}
        lines = [f"webhook receiver on {args.host}:{receiver.port}, data dir {data_dir}"]
        lines += [f"  {name:<13} {url}" for name, url in routes.items() if name != "relay"]
        lines.append(f"  relay         {routes['relay']}  (bearer token: {config.relay_token})")
        if "tickettailor" not in routes:
            lines.append("  (Ticket Tailor route off: pass --tickettailor-secret-env VAR)")
        cli.emit(args, doc, "\n".join(lines))
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        receiver.stop()
    return cli.EXIT_OK
