"""Provider connections: connect, list them, sync them, and the door's status."""
from __future__ import annotations

import argparse
import json

from checkin_app.cli.common import EXIT_ERROR, EXIT_OK, EXIT_REFUSED, emit, open_app
from checkin_app.cli.progress import Progress
from checkin_app.cli.registry import arg, command
from checkin_app.errors import CheckinError

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


@command("connect", help="add a provider connection (checks the credentials first)", options=("json",),
         configure=add_connect_options)
def _connect(args) -> int:
    from checkin_app.services.connections import connect, describe

    with open_app(args) as app:
        connection, info = connect(app.store, args.provider, args.name, args.base_url, _connect_fields(args))
    doc = {**describe(connection), "provider_says": info}
    emit(args, doc, f"connected {connection.name} ({connection.provider}); secrets: "
                    f"{', '.join(f'{k} in {v}' for k, v in doc['secrets'].items()) or 'none'}")
    return EXIT_OK


@command("connections", help="list connections and their sync state", options=("json",))
def _connections(args) -> int:
    from checkin_app.services.connections import overview

    with open_app(args) as app:
        # `id` is the database's; the command line names connections (and its JSON shape has no id).
        rows = [{k: v for k, v in row.items() if k != "id"} for row in overview(app.store)]
    emit(args, {"connections": rows}, "\n".join(
        f"{r['name']:<20} {r['provider']:<15} last sync {r['last_success_at'] or 'never'}"
        + (f"  error: {r['last_error']}" if r["last_error"] else "") for r in rows) or "no connections")
    return EXIT_OK


@command("sync", arg("--connection"),
         arg("--event", action="append", help="provider event id to pull (repeatable; default: chosen events)"),
         arg("--watch", action="store_true", help="keep syncing in the background loop until interrupted"),
         arg("--interval", type=float, default=5.0, help="seconds between rounds with --watch"),
         help="push local acts, then pull (exit 0 when both completed)", options=("json",))
def _sync(args) -> int:
    from checkin_app.services import syncing

    if args.watch:
        return _sync_watch(args)
    progress = Progress(args)
    reports = []
    with open_app(args) as app:
        targets = syncing.connections_to_sync(app.store, args.connection)
        if not targets:
            raise CheckinError("no connections: add one with `checkin-app connect`")
        for c in targets:
            with progress.counter(f"{c.name}: sync") as pulled:
                reports.append(syncing.sync_one(
                    app.store, c, event_remote_ids=args.event,
                    progress=lambda what, done, _total, name=c.name: pulled.update(done, f"{name}: {what}")))
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

    from checkin_app.services import syncing

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

    loop = syncing.watch(data_dir, args.interval, report)
    loop.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    loop.stop()
    return EXIT_OK


@command("status", help="online or not, unpushed acts, age of each cached list", options=("json",))
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
