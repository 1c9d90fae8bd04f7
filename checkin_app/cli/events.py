"""The cached lists: which events the door admits, importing payload files, exporting."""
from __future__ import annotations

import sys
from pathlib import Path

from checkin_app.cli.common import EXIT_ERROR, EXIT_OK, emit, open_app
from checkin_app.cli.progress import Progress
from checkin_app.cli.registry import arg, command, exclusive
from checkin_app.errors import CheckinError


@command("events",
         exclusive(arg("--admit", nargs="+", metavar="ID", help="provider event ids: the door admits exactly these "
                       "from now on (new events wait to be chosen)"),
                   arg("--admit-all", action="store_true",
                       help="the door admits every cached event, and every new one, as if it never chose")),
         help="list cached events; --admit / --admit-all choose what this door admits", options=("json",))
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


@command("import", arg("files", nargs="+", metavar="FILE"),
         arg("--connection", help="the connection these payloads belong to"),
         help="import payload files (JSON, NDJSON webhook payloads, API pages) or CSV", options=("json",))
def _import(args) -> int:
    from checkin_app.services.importer import import_file

    reports, failures = [], []
    progress = Progress(args)
    # Each file is one transaction: progress is counted in files, so a single file shows none.
    files = progress.counter("import", total=len(args.files), unit="files") if len(args.files) > 1 else None
    with open_app(args) as app:
        for name in args.files:
            try:
                reports.append(import_file(app.store, Path(name), args.connection).to_dict())
            except CheckinError as exc:
                failures.append({"file": name, "error": str(exc)})
                progress.error(str(exc))
            if files:
                files.advance(what=f"import {Path(name).name}")
    if files:
        files.close()
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


@command("export", arg("--event"), arg("--format", choices=("csv", "json"), default="csv"),
         arg("--output", help="file to write (default: stdout)"), help="export tickets and check-ins")
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
