"""`checkin-app webhooks serve`: the standalone webhook receiver and relay (docs/architecture.md, "CLI").

Prints every route first (one JSON document with `--json`), then serves until SIGINT/SIGTERM.
Deliveries are stored in this data dir's inbox and applied to its tickets; laptops pull them
through a `relay` connection. A service manager keeps stdout in its journal, so the path tokens and
the relay token are printed only with `--show-secrets`; `--secrets-file PATH` writes the full URLs
and the token to a file only its owner can read (0600); otherwise the output says where each
secret lives and how to reveal it.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

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
         arg("--show-secrets", action="store_true",
             help="print the full URLs (path tokens) and the relay token (not for a service's journal)"),
         arg("--secrets-file", metavar="PATH", type=Path,
             help="write the full URLs and the relay token to PATH, readable only by its owner (0600)"),
         help="receive provider webhooks and relay them to laptops", options=("json",))
def _serve(args: argparse.Namespace) -> int:
    from checkin_app.services.receiver import standalone

    # Start-up reads the keyring (seconds on a locked one) and binds the port: show each step.
    with Progress(args).counter("webhooks serve: starting", total=3, unit="steps", periodic=False) as steps:
        with open_app(args) as app:  # creates and migrates the data dir, sets up the (scrubbed) log
            data_dir = app.data_dir
        steps.advance(what="webhooks serve: data dir ready")
        receiver, config = standalone(
            data_dir, host=args.host, port=args.port, public_url=args.public_url,
            tickettailor_secret_env=args.tickettailor_secret_env, max_body_bytes=args.max_body,
            token_envs=_token_envs(args))
        steps.advance(what="webhooks serve: secrets loaded")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        receiver.start()
        steps.advance(what="webhooks serve: listening")
    try:
        if args.secrets_file:
            secret_doc = {"routes": receiver.routes(), "relay_token": config.relay_token}
            write_private(args.secrets_file, json.dumps(secret_doc, indent=1) + "\n")
        doc, text = announcement(args, receiver, config, data_dir)
        emit(args, doc, text)
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        receiver.stop()
    return EXIT_OK


def _token_envs(args: argparse.Namespace) -> dict[str, str | None]:
    return {"ticketor": args.ticketor_token_env, "ticketsolve": args.ticketsolve_token_env,
            "relay": args.relay_token_env}


def announcement(args: argparse.Namespace, receiver, config, data_dir: Path) -> tuple[dict, str]:
    """What `serve` prints: (the --json document, the text). Tokens only with --show-secrets; otherwise
    each token's place is named instead (its variable or keyring entry), never its value."""
    from checkin_app.services.receiver import secret_places

    show = args.show_secrets
    where = secret_places(config, _token_envs(args))
    routes = receiver.routes()
    if not show:
        routes = {name: url.replace(config.path_tokens[name], f"<path token: {where[name]}>")
                  if name in config.path_tokens else url for name, url in routes.items()}
    doc = {"listening": f"{args.host}:{receiver.port}", "base_url": receiver.base_url, "data_dir": str(data_dir),
           "routes": routes, "secrets_shown": show, "secrets_from": where,
           "secrets_file": str(args.secrets_file) if args.secrets_file else None}
    lines = [f"webhook receiver on {args.host}:{receiver.port}, data dir {data_dir}"]
    lines += [f"  {name:<13} {url}" for name, url in routes.items() if name != "relay"]
    if config.relay_token:
        doc["relay_token"] = config.relay_token if show else None
        lines.append(f"  relay         {routes['relay']}  (bearer token: "
                     f"{config.relay_token if show else '<' + where['relay'] + '>'})")
    if "tickettailor" not in routes:
        lines.append("  (Ticket Tailor route off: pass --tickettailor-secret-env VAR)")
    if args.secrets_file:
        lines.append(f"  full URLs and the relay token written to {args.secrets_file} (readable by its owner only)")
    if not show:
        lines.append("  Tokens are not printed (a service manager keeps this output in its journal): run with "
                     "--show-secrets in a terminal, or pass --secrets-file PATH.")
    return doc, "\n".join(lines)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by its owner only (created 0600, never through a symlink).

    Raises:
        ConfigError: the file cannot be written.
    """
    from checkin_app.errors import ConfigError

    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write the secrets file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
        fh.write(text)
