"""The command line (DESIGN.md, "Command line"): thin over the services.

Exit codes: 0 success (for `scan`: admitted or exited), 1 refused scan, 2 error. `--json` prints
exactly one JSON document on stdout. Errors the user can act on are one line on stderr.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Callable

from checkin_app import __version__
from checkin_app.errors import CheckinError

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(fn):
        _COMMANDS[name] = fn
        return fn

    return register


def emit(args: argparse.Namespace, document, text: str | None = None) -> None:
    """Print the JSON document with --json, else the human text."""
    if getattr(args, "json", False):
        json.dump(document, sys.stdout, ensure_ascii=False, indent=None, default=str)
        sys.stdout.write("\n")
    elif text is not None:
        print(text)


def open_app(args: argparse.Namespace):
    from checkin_app.app import App

    return App(args.data_dir, door=getattr(args, "device", None))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="checkin-app", description="Door scanning and check-in for live events.")
    p.add_argument("--data-dir", help="data directory (default: the platform's user data dir)")
    p.add_argument("--version", action="version", version=f"checkin-app {__version__}")
    # The window opens, reaches door-ready, prints "door ready" and quits: smoke tests of a build.
    p.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("scan", help="decide and record one scan (exit 0 admitted, 1 refused, 2 error)")
    s.add_argument("code")
    s.add_argument("--event", help="provider event id (default: every event this door admits)")
    s.add_argument("--device", help="this door's name, shown to other doors (default: the device id)")
    s.add_argument("--exit", action="store_true", help="exit mode: record the holder leaving")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("search", help="find attendees by name, email, code or order")
    s.add_argument("query")
    s.add_argument("--event")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("events", help="list cached events; --admit / --admit-all choose what this door admits")
    choose = s.add_mutually_exclusive_group()
    choose.add_argument("--admit", nargs="+", metavar="ID",
                        help="provider event ids: the door admits exactly these from now on (new events wait to be chosen)")
    choose.add_argument("--admit-all", action="store_true",
                        help="the door admits every cached event, and every new one, as if it never chose")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("import", help="import payload files (JSON, NDJSON webhook payloads, API pages) or CSV")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--connection", help="the connection these payloads belong to")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("void", help="void a ticket (pushed upstream when the provider allows)")
    s.add_argument("code")
    s.add_argument("--reason", required=True)
    s.add_argument("--event")
    s.add_argument("--device")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("unvoid", help="take back a supervisor's void (the provider's own void stays)")
    s.add_argument("code")
    s.add_argument("--reason", required=True)
    s.add_argument("--event")
    s.add_argument("--device")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("undo", help="take back the latest check-in of a ticket")
    s.add_argument("code")
    s.add_argument("--event")
    s.add_argument("--device")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("issue", help="issue a walk-up ticket")
    s.add_argument("--event", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--email")
    s.add_argument("--device")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("export", help="export tickets and check-ins")
    s.add_argument("--event")
    s.add_argument("--format", choices=("csv", "json"), default="csv")
    s.add_argument("--output", help="file to write (default: stdout)")

    s = sub.add_parser("bench", help="measure the store: scan decisions, search, import (1,000,000 tickets)")
    s.add_argument("--tickets", type=int, default=1_000_000)
    s.add_argument("--events", type=int, default=5)
    s.add_argument("--scans", type=int, default=5000)
    s.add_argument("--workdir", help="where to build the benchmark database (default: a temp dir)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("connect", help="add a provider connection (checks the credentials first)")
    add_connect_options(s)

    s = sub.add_parser("connections", help="list connections and their sync state")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("sync", help="push local acts, then pull (exit 0 when both completed)")
    s.add_argument("--connection")
    s.add_argument("--event", action="append", help="provider event id to pull (repeatable; default: chosen events)")
    s.add_argument("--watch", action="store_true", help="keep syncing in the background loop until interrupted")
    s.add_argument("--interval", type=float, default=5.0, help="seconds between rounds with --watch")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("status", help="online or not, unpushed acts, age of each cached list")
    s.add_argument("--json", action="store_true")

    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parsers(sub)
    return p


# Command groups that live in their own modules under `checkin_app/commands/`, keeping this file
# small. Each has `add_parsers(sub)` and registers its handlers with `cli.command`.
COMMAND_MODULES: tuple[str, ...] = (
    "checkin_app.commands.webhooks", "checkin_app.commands.decode", "checkin_app.commands.doors",
    "checkin_app.commands.gui",
)


@command("scan")
def _scan(args) -> int:
    from checkin_app.domain.rules import Mode
    from checkin_app.services import events

    with open_app(args) as app:
        verdict = app.checkin.scan(args.code, event_ids=events.resolve(app.store, args.event),
                                   mode=Mode.EXIT if args.exit else Mode.ENTRY)
        # "all": the door never chose its events and admits every cached one (issue 12, item 15).
        scope = "event" if args.event else events.door_scope(app.store)["scope"]
    emit(args, {**verdict.to_dict(), "scope": scope}, f"{verdict.kind.value.upper()}: {verdict.message}")
    return EXIT_OK if verdict.passing else EXIT_REFUSED


@command("search")
def _search(args) -> int:
    from checkin_app.services import events
    from checkin_app.store.search import search

    with open_app(args) as app:
        rows = search(app.store.conn, args.query, events.resolve(app.store, args.event), limit=args.limit)
    lines = [
        f"{r['code']:<14} {r['holder_name'] or '(no name)':<28} {r['email'] or '':<30} {r['event_name']:<24} "
        f"{'void' if r['status'] == 'void' else 'in ' + r['checked_in_at'][11:16] if r['checked_in_at'] else '-'}"
        for r in rows
    ]
    emit(args, {"query": args.query, "results": rows}, "\n".join(lines) if lines else "no match")
    return EXIT_OK


@command("events")
def _events(args) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        if args.admit:
            events.admit_remote(app.store, args.admit)
        elif args.admit_all:
            events.admit_all(app.store)
        rows = events.list_events(app.store)
        scope = events.door_scope(app.store)
    lines = [
        f"{r['remote_id']:<16} {r['provider']:<15} {(r['starts_at'] or '')[:16]:<17} {r['checked_in']:>6}/{r['tickets']:<7} "
        f"{'' if r['admitted'] else '(not admitted) '}{'(cancelled) ' if r['cancelled'] else ''}{r['name']}"
        for r in rows
    ]
    head = ("Admitting every cached event (this door never chose)" if scope["scope"] == "all"
            else f"Admitting {len(scope['events'])} chosen event(s); new events wait to be chosen")
    emit(args, {"events": rows, "scope": scope["scope"]}, "\n".join([head, *lines]) if lines else "no events cached")
    return EXIT_OK


@command("import")
def _import(args) -> int:
    from checkin_app.services.importer import import_file

    reports, failures = [], []
    with open_app(args) as app:
        for name in args.files:
            try:
                reports.append(import_file(app.store, Path(name), args.connection).to_dict())
            except CheckinError as exc:
                failures.append({"file": name, "error": str(exc)})
                if not args.json:
                    print(f"error: {exc}", file=sys.stderr)
    lines = []
    for r in reports:
        line = f"{r['file']}: {r['provider']}: {r['tickets']} tickets ({r['new_tickets']} new), {r['events']} events"
        line += f", {r['conflicts']} conflicts" if r["conflicts"] else ""
        lines.append(line + (f", {r['set_aside']} records set aside (`status` shows why)" if r["set_aside"] else ""))
        if not args.json:
            for warning in r["warnings"]:
                print(f"warning: {warning}", file=sys.stderr)
    text = "\n".join(lines)
    emit(args, {"imported": reports, "failed": failures}, text or None)
    return EXIT_ERROR if failures else EXIT_OK


def _emit_act(args, result) -> int:
    """Report a supervisor act (void, undo, issue)."""
    emit(args, {"code": result.code, "ticket_id": result.ticket_id, "message": result.message}, result.message)
    return EXIT_OK


@command("void")
def _void(args) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        result = app.checkin.void(args.code, args.reason, event_ids=events.resolve(app.store, args.event))
    return _emit_act(args, result)


@command("unvoid")
def _unvoid(args) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        result = app.checkin.unvoid(args.code, args.reason, event_ids=events.resolve(app.store, args.event))
    return _emit_act(args, result)


@command("undo")
def _undo(args) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        result = app.checkin.undo(args.code, event_ids=events.resolve(app.store, args.event))
    return _emit_act(args, result)


@command("issue")
def _issue(args) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        ids = events.resolve(app.store, args.event)
        result = app.checkin.issue(ids[0], args.name, args.email)
    return _emit_act(args, result)


@command("export")
def _export(args) -> int:
    from checkin_app.services import events, export

    with open_app(args) as app:
        ids = events.resolve(app.store, args.event)
        if args.output:
            try:
                with open(args.output, "w", encoding="utf-8", newline="") as out:
                    n = export.write(app.store, ids, args.format, out)
            except OSError as exc:
                raise CheckinError(f"cannot write {args.output}: {exc.strerror}") from None
            print(f"exported {n} tickets to {args.output}", file=sys.stderr)
        else:
            export.write(app.store, ids, args.format, sys.stdout)
    return EXIT_OK


@command("bench")
def _bench(args) -> int:
    from checkin_app.services.bench import run_store_bench

    report = run_store_bench(tickets=args.tickets, events=args.events, scans=args.scans, workdir=args.workdir,
                             progress=None if args.json else lambda msg: print(msg, file=sys.stderr))
    emit(args, report, json.dumps(report, indent=2))
    return EXIT_OK


# Options of `connect` from before the registry that no provider ever used: refused with a reason.
_RETIRED_CONNECT_OPTIONS = ("--username", "--password-env")


def add_connect_options(s: argparse.ArgumentParser) -> None:
    """`connect`'s provider choice and options, from the provider registry (the GUI's form reads it too)."""
    from checkin_app.providers import registry

    s.add_argument("provider", choices=registry.CONNECTABLE)
    s.add_argument("name")
    s.add_argument("--base-url")
    for f in registry.cli_fields():
        users = ", ".join(p.name for p in registry.providers_taking(f.option))
        what = f"environment variable holding the {f.label}" if f.secret else f.hint or f.label
        if f.flag:
            s.add_argument(f.option, dest=f.dest, action="store_true", help=f"{users}: {f.label.lower()} ({f.hint})")
        else:
            s.add_argument(f.option, dest=f.dest, metavar="VAR" if f.secret else "VALUE", help=f"{users}: {what}")
    for option in _RETIRED_CONNECT_OPTIONS:
        s.add_argument(option, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true")


def _connect_fields(args) -> dict:
    """The registry fields given on `connect`: secrets by variable name, settings by value.

    An option the chosen provider does not take is refused: ignoring it would leave the user
    believing it was kept.
    """
    from checkin_app.providers import registry
    from checkin_app.services.connections import Given

    spec = registry.spec(args.provider)
    options = [*(f.option for f in registry.cli_fields()), *_RETIRED_CONNECT_OPTIONS]
    taken = {f.option: f for f in spec.fields}
    given = {}
    for option in options:
        value = getattr(args, option.lstrip("-").replace("-", "_"))
        if not value:
            continue
        f = taken.get(option)
        if f is None:
            raise CheckinError(f"{option} is not a {spec.name} setting (it takes: "
                               f"{', '.join(taken) or 'no options'})")
        given[f.key] = Given(env=value) if f.secret else Given(value=value)
    return given


@command("connect")
def _connect(args) -> int:
    from checkin_app.services.connections import connect, describe

    with open_app(args) as app:
        connection, info = connect(app.store, args.provider, args.name, args.base_url, _connect_fields(args))
    doc = {**describe(connection), "provider_says": info}
    emit(args, doc, f"connected {connection.name} ({connection.provider}); secrets: "
                    f"{', '.join(f'{k} in {v}' for k, v in doc['secrets'].items()) or 'none'}")
    return EXIT_OK


@command("connections")
def _connections(args) -> int:
    from checkin_app.services.connections import describe
    from checkin_app.store import connections as conns
    from checkin_app.store import sync_state

    with open_app(args) as app:
        rows = []
        for c in conns.all_connections(app.store.conn):
            state = sync_state.load(app.store.conn, c.id, "connection")
            rows.append({**describe(c), "last_success_at": state.last_success_at, "last_error": state.last_error})
    emit(args, {"connections": rows}, "\n".join(
        f"{r['name']:<20} {r['provider']:<15} last sync {r['last_success_at'] or 'never'}"
        + (f"  error: {r['last_error']}" if r["last_error"] else "") for r in rows) or "no connections")
    return EXIT_OK


def _throttled_progress(every: int = 5000):
    """Print sync progress to stderr about every `every` tickets, not once per page."""
    last = {"n": -every}

    def show(what: str, done: int, total: int | None) -> None:
        if done - last["n"] >= every:
            last["n"] = done
            print(f"  {what}: {done:,} tickets so far", file=sys.stderr)

    return show


@command("sync")
def _sync(args) -> int:
    from checkin_app.store import connections as conns
    from checkin_app.sync.engine import sync_connection

    if args.watch:
        return _sync_watch(args)
    with open_app(args) as app:
        targets = [conns.by_name(app.store.conn, args.connection)] if args.connection else conns.all_connections(app.store.conn)
        if not targets:
            raise CheckinError("no connections: add one with `checkin-app connect`")
        progress = None if args.json else _throttled_progress()
        reports = [sync_connection(app.store, c, event_remote_ids=args.event, progress=progress) for c in targets]
    docs = [r.to_dict() for r in reports]
    lines = []
    for r in reports:
        pull = r.pull
        lines.append(f"{r.connection}: pushed {r.push.sent}, failed {r.push.failed}, waiting {r.push.deferred}; "
                     + (f"pulled {pull.events} events, {pull.tickets} tickets, {pull.checkins} check-ins in {pull.pages} pages"
                        if pull else "not pulled") + (f"; error: {r.error}" if r.error else ""))
    emit(args, {"connections": docs, "complete": all(r.complete for r in reports)}, "\n".join(lines))
    if any(r.error for r in reports):
        return EXIT_ERROR
    return EXIT_OK if all(r.complete for r in reports) else EXIT_REFUSED


def _sync_watch(args) -> int:
    """`sync --watch`: the same background loop the GUI runs, reporting each round on stdout."""
    import signal
    import threading

    from checkin_app.sync.loop import SyncLoop

    with open_app(args) as app:
        data_dir = app.data_dir
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def report(r) -> None:
        doc = r.to_dict()
        print(json.dumps(doc) if args.json else
              f"{r.connection}: pushed {r.push.sent}, waiting {r.push.deferred}"
              + (f", pulled {r.pull.tickets} tickets" if r.pull else "") + (f"; error: {r.error}" if r.error else ""),
              flush=True)

    loop = SyncLoop(data_dir, interval_s=args.interval, on_report=report)
    loop.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    loop.stop()
    return EXIT_OK


@command("status")
def _status(args) -> int:
    from checkin_app.services.status import door_status

    with open_app(args) as app:
        st = door_status(app.store)
    online = {True: "online", False: "OFFLINE", None: "no connections"}[st.online]
    lines = [f"{online}; {st.unpushed} acts waiting to be pushed, {st.failed_pushes} failed; last sync "
             f"{st.last_success_at or 'never'}" + (f"; last error: {st.last_error}" if st.last_error else "")]
    for item in st.lists:
        age = "never refreshed" if item.age_s is None else f"refreshed {int(item.age_s // 60)} min ago"
        lines.append(f"  {item.name}: {age}{'  (STALE)' if item.stale else ''}")
    for key, what in (("unapplied_deliveries", "webhook deliveries stored but not applied"),
                      ("set_aside_records", "provider records set aside (could not be mapped)"),
                      ("unrecognised_tickets", "tickets refused: the provider said something we do not recognise")):
        part = getattr(st, key)
        if part.count:
            lines.append(f"{part.count} {what}; latest:")
            lines.extend(f"  {r['provider']} {r.get('ref') or ''}: {r['reason']}" for r in part.latest)
    emit(args, st.to_dict(), "\n".join(lines))
    return EXIT_OK


def run(argv: list[str]) -> int:
    parser = build_parser()
    for arg in argv:  # bytes that are not UTF-8 arrive as lone surrogates, which SQLite cannot store
        if any("\ud800" <= ch <= "\udfff" for ch in arg):
            print(f"error: an argument is not valid UTF-8 text: {arg.encode('utf-8', 'replace').decode()[:60]}",
                  file=sys.stderr)
            return EXIT_ERROR
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "gui"
    handler = _COMMANDS.get(args.command)
    if handler is None:
        parser.error(f"{args.command!r} is not available in this build")
    try:
        return handler(args)
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
