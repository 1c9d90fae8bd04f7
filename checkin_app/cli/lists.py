"""Check-in lists: `lists`, `lists create`, and `occupancy` (people inside per list and area)."""
from __future__ import annotations

from checkin_app.cli.common import EXIT_OK, emit, open_app
from checkin_app.cli.registry import arg, command, exclusive, group

group("lists", help="check-in lists: which tickets a door admits, when and how often", default="show")


@command("lists show", help="the check-in lists of the venue (also `lists` alone)", options=("json",))
def _show(args) -> int:
    from checkin_app.services import lists

    with open_app(args) as app:
        rows = lists.describe(app.store)
        mine = lists.door_lists(app.store)
    lines = [f"{r['name']:<20} {lists.rules_in_words(r)}  inside {r['inside']}" + (" (this door)" if r["name"] in mine else "")
             for r in rows]
    emit(args, {"lists": rows, "door_lists": mine}, "\n".join(lines) if lines else "no check-in lists")
    return EXIT_OK


def _minutes(text: str) -> int:
    import argparse

    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of minutes") from None


@command("lists create", arg("name"),
         arg("--event", dest="events", action="append", required=True, metavar="ID",
             help="provider event id (repeat for several events)"),
         arg("--ticket-type", dest="ticket_types", action="append", default=[], metavar="TYPE",
             help="admit only these ticket types (default: every type)"),
         exclusive(arg("--from", dest="valid_from", metavar="ISO", help="valid from (without an offset: the event's)"),
                   arg("--from-start", type=_minutes, metavar="MINUTES",
                       help="valid from this many minutes after each event's start (negative: before)")),
         exclusive(arg("--until", dest="valid_until", metavar="ISO", help="valid until (exclusive)"),
                   arg("--until-start", type=_minutes, metavar="MINUTES",
                       help="valid until this many minutes after each event's start")),
         arg("--entries", choices=("once", "daily", "unlimited"), default="once"),
         arg("--per-day", type=int, metavar="N", help="entries per day with --entries daily (default 1)"),
         arg("--min-gap", type=_minutes, metavar="MINUTES", help="minimum time between entries"),
         arg("--reentry", action="store_true", help="re-entry after an exit does not count as an entry"),
         arg("--exit-all-at", metavar="HH:MM", help="everyone on the list counts as exited at this time, daily"),
         arg("--capacity", type=int, metavar="N", help="people inside the list's area at most"),
         arg("--warning", type=int, metavar="N", help="warn from this many people inside (default 90%% of capacity)"),
         arg("--area", help="where people inside are counted (default: the list's name)"),
         arg("--attention", action="append", default=[], metavar="RULE",
             help="flag tickets for attention (e.g. 'vip: ticket type contains VIP'; grammar in docs/architecture.md)"),
         arg("--show-answer", dest="show_answers", action="append", default=[], metavar="QUESTION",
             help="a custom question whose answer the verdict shows (repeat for more)"),
         arg("--auto-badge", action="store_true",
             help="print a badge when someone is first admitted on this list (to the door's badge printer)"),
         help="create or replace a check-in list (it reaches every door of the venue)", options=("json",))
def _create(args) -> int:
    from checkin_app.services import lists

    spec = lists.ListSpec(
        name=args.name, events=args.events, ticket_types=args.ticket_types, valid_from=args.valid_from,
        valid_until=args.valid_until, from_start=args.from_start, until_start=args.until_start, entries=args.entries,
        per_day=args.per_day, min_gap=args.min_gap, reentry=args.reentry, exit_all_at=args.exit_all_at,
        capacity=args.capacity, warning=args.warning, area=args.area, attention=args.attention,
        show_answers=args.show_answers, auto_badge=args.auto_badge)
    with open_app(args) as app:
        lst = lists.define(app.store, spec, door=app.checkin.door)
    doc = lst.to_json()
    emit(args, doc, f"List {lst.name}: {lists.rules_in_words(doc)}")
    return EXIT_OK


@command("occupancy", arg("--list", dest="list_name", metavar="NAME", help="one list (default: every list)"),
         help="people inside now, per list and per area, against capacity", options=("json",))
def _occupancy(args) -> int:
    from checkin_app.services import lists

    with open_app(args) as app:
        doc = lists.occupancy_document(lists.occupancy(app.store, args.list_name))
    lines = [f"{r['list']:<20} {r['inside']:>6} inside"
             + (f"   area {r['area']}: {r['area_inside']}" + (f" of {r['capacity']}" if r["capacity"] else "")
                + ("  FULL" if r["state"] == "full" else "  WARNING" if r["state"] == "warning" else ""))
             for r in doc["lists"]]
    emit(args, doc, "\n".join(lines) if lines else "no check-in lists")
    return EXIT_OK
