"""Door and supervisor acts on one ticket: scan, search, void, unvoid, undo, issue."""
from __future__ import annotations

from checkin_app.cli.common import EXIT_OK, EXIT_REFUSED, emit, open_app
from checkin_app.cli.registry import arg, command


@command("scan", arg("code"), arg("--exit", action="store_true", help="exit mode: record the holder leaving"),
         arg("--list", dest="lists", action="append", metavar="NAME",
             help="decide on this check-in list (repeat for several; default: the door's lists)"),
         arg("--at", metavar="ISO", help="simulate the scan at this time on the list: decided, not recorded"),
         help="decide and record one scan (exit 0 admitted, 1 refused, 2 error)", options=("event", "device", "json"))
def _scan(args) -> int:
    from checkin_app.domain.rules import Mode
    from checkin_app.errors import CheckinError
    from checkin_app.services import events, lists

    with open_app(args) as app:
        names = args.lists if args.lists is not None else list(app.checkin.lists)
        if args.at is not None and not names:
            raise CheckinError("--at simulates a scan on a check-in list: name one with --list")
        at = lists.simulate_time(app.store, args.at, names) if args.at is not None else None
        verdict = app.checkin.scan(args.code, event_ids=events.resolve(app.store, args.event),
                                   mode=Mode.EXIT if args.exit else Mode.ENTRY, lists=args.lists, at=at)
        # "all": the door never chose its events and admits every cached one (issue 12, item 15).
        scope = "list" if names else "event" if args.event else events.door_scope(app.store)["scope"]
    emit(args, {**verdict.to_dict(), "scope": scope}, _scan_text(verdict))
    return EXIT_OK if verdict.passing else EXIT_REFUSED


def _scan_text(verdict) -> str:
    """`ADMITTED: Welcome…`, then one line per attention note; a held admission says how to end the hold."""
    lines = [f"{verdict.kind.value.upper()}: {verdict.message}"]
    lines += [f"  {n.text}" if n.text.startswith(n.kind.label) else f"  {n.kind.label}: {n.text}"
              for n in verdict.attention]
    lines += [f"  {q}: {a}" for q, a in verdict.answers]
    if verdict.held:
        lines.append(f"  HELD: checkin-app confirm {verdict.code}  or  checkin-app deny {verdict.code}")
    return "\n".join(lines)


@command("search", arg("query"), arg("--limit", type=int, default=20),
         help="find attendees by name, email, code or order", options=("event", "json"))
def _search(args) -> int:
    from checkin_app.services import events, supervisor

    with open_app(args) as app:
        rows = supervisor.search(app.store, args.query, events.resolve(app.store, args.event), limit=args.limit)
    lines = [
        f"{r['code']:<14} {r['holder_name'] or '(no name)':<28} {r['email'] or '':<30} {r['event_name']:<24} "
        f"{'void' if r['status'] == 'void' else 'in ' + r['checked_in_at'][11:16] if r['checked_in_at'] else '-'}"
        for r in rows
    ]
    emit(args, {"query": args.query, "results": rows}, "\n".join(lines) if lines else "no match")
    return EXIT_OK


def _emit_act(args, result) -> int:
    """Report a supervisor act (void, unvoid, undo, issue)."""
    emit(args, {"code": result.code, "ticket_id": result.ticket_id, "message": result.message}, result.message)
    return EXIT_OK


def _ticket_act(args, act) -> int:
    """One act on the ticket `args.code` in the events `--event` names: `act(checkin, event_ids)`."""
    from checkin_app.services import events

    with open_app(args) as app:
        result = act(app.checkin, events.resolve(app.store, args.event))
    return _emit_act(args, result)


_REASON = arg("--reason", required=True)


@command("void", arg("code"), _REASON, help="void a ticket (pushed upstream when the provider allows)",
         options=("event", "device", "json"))
def _void(args) -> int:
    return _ticket_act(args, lambda checkin, ids: checkin.void(args.code, args.reason, event_ids=ids))


@command("unvoid", arg("code"), _REASON, help="take back a supervisor's void (the provider's own void stays)",
         options=("event", "device", "json"))
def _unvoid(args) -> int:
    return _ticket_act(args, lambda checkin, ids: checkin.unvoid(args.code, args.reason, event_ids=ids))


@command("undo", arg("code"), help="take back the latest check-in of a ticket", options=("event", "device", "json"))
def _undo(args) -> int:
    return _ticket_act(args, lambda checkin, ids: checkin.undo(args.code, event_ids=ids))


@command("issue", arg("--event", required=True, help="provider event id of the walk-up's event"),
         arg("--name", required=True), arg("--email"), help="issue a walk-up ticket", options=("device", "json"))
def _issue(args) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        ids = events.resolve(app.store, args.event)
        result = app.checkin.issue(ids[0], args.name, args.email)
    return _emit_act(args, result)
