"""`checkin-app webhooks serve`: the standalone webhook receiver and relay (docs/architecture.md, "CLI").

Prints every route's full URL (path tokens included) first, as one JSON document with `--json`,
then serves until SIGINT/SIGTERM. Deliveries are stored in this data dir's inbox and applied to
its tickets; laptops pull them through a `relay` connection.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from checkin_app.cli.common import EXIT_OK, emit, open_app
from checkin_app.cli.progress import Progress
from checkin_app.cli.registry import arg, command, group

group("webhooks", help="webhook receiver and relay")


@command("webhooks serve",
         arg("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)"),
         arg("--port", type=int, default=8787, help="0 picks a free port"),
         arg("--public-url", help="base URL providers reach this server at (behind a proxy); printed URLs use it"),
         arg("--tickettailor-secret-env", metavar="VAR",
             help="variable holding Ticket Tailor's webhook signing secret (without it the route is off)"),
         arg("--ticketor-token-env", metavar="VAR", help="variable holding Ticketor's path token "
             "(default CHECKIN_TICKETOR_TOKEN, else the OS keyring)"),
         arg("--ticketsolve-token-env", metavar="VAR", help="variable holding Ticketsolve's path token "
             "(default CHECKIN_TICKETSOLVE_TOKEN, else the OS keyring)"),
         arg("--relay-token-env", metavar="VAR", help="variable holding the relay's bearer token "
             "(default CHECKIN_RELAY_TOKEN, else the OS keyring)"),
         arg("--max-body", type=int, default=1024 * 1024, metavar="BYTES", help="largest delivery accepted"),
         help="receive provider webhooks and relay them to laptops", options=("json",))
def _serve(args: argparse.Namespace) -> int:
    from checkin_app.services.receiver import standalone

    # Start-up reads the keyring (seconds on a locked one) and binds the port: show each step.
    with Progress(args).counter("webhooks serve: starting", total=3, unit="steps",
                                    periodic=False) as steps:
        with open_app(args) as app:  # creates and migrates the data dir, sets up the (scrubbed) log
            data_dir = app.data_dir
        steps.advance(what="webhooks serve: data dir ready")
        receiver, config = standalone(
            data_dir, host=args.host, port=args.port, public_url=args.public_url,
            tickettailor_secret_env=args.tickettailor_secret_env, max_body_bytes=args.max_body,
            token_envs={"ticketor": args.ticketor_token_env, "ticketsolve": args.ticketsolve_token_env,
                        "relay": args.relay_token_env})
        steps.advance(what="webhooks serve: secrets loaded")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        receiver.start()
        steps.advance(what="webhooks serve: listening")
    try:
        routes = receiver.routes()
        doc = {"listening": f"{args.host}:{receiver.port}", "base_url": receiver.base_url, "data_dir": str(data_dir),
               "routes": routes, "relay_token": config.relay_token}
        lines = [f"webhook receiver on {args.host}:{receiver.port}, data dir {data_dir}"]
        lines += [f"  {name:<13} {url}" for name, url in routes.items() if name != "relay"]
        lines.append(f"  relay         {routes['relay']}  (bearer token: {config.relay_token})")
        if "tickettailor" not in routes:
            lines.append("  (Ticket Tailor route off: pass --tickettailor-secret-env VAR)")
        emit(args, doc, "\n".join(lines))
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        receiver.stop()
    return EXIT_OK
