"""Attention at the door: the supervisor's note, confirming or denying a held guest, and the
door's own rules (docs/architecture.md, "Attention at the door")."""
from __future__ import annotations

from checkin_app.cli.common import EXIT_OK, emit, open_app
from checkin_app.cli.registry import arg, command, exclusive


def _act(args, act) -> int:
    from checkin_app.services import events

    with open_app(args) as app:
        result = act(app.checkin, events.resolve(app.store, args.event))
    emit(args, {"code": result.code, "ticket_id": result.ticket_id, "message": result.message}, result.message)
    return EXIT_OK


@command("note", arg("code"), exclusive(arg("text", nargs="?", help="the note every door shows and holds for"),
                                       arg("--clear", action="store_true", help="remove the note")),
         help="set or clear the supervisor's note on an attendee (replicated to every door)",
         options=("event", "device", "json"))
def _note(args) -> int:
    from checkin_app.errors import CheckinError

    if not args.clear and not (args.text and args.text.strip()):
        raise CheckinError("give the note's text, or --clear to remove it")
    return _act(args, lambda checkin, ids: checkin.set_note(args.code, None if args.clear else args.text, event_ids=ids))


@command("confirm", arg("code"), help="staff checked a held guest: the admission stands",
         options=("event", "device", "json"))
def _confirm(args) -> int:
    return _act(args, lambda checkin, ids: checkin.confirm(args.code, event_ids=ids))


@command("deny", arg("code"), arg("--reason", help="why (kept in the journal)"),
         help="staff refused a held guest: the admission is taken back, the ticket stays valid",
         options=("event", "device", "json"))
def _deny(args) -> int:
    return _act(args, lambda checkin, ids: checkin.deny(args.code, args.reason, event_ids=ids))


@command("attention", arg("--rule", action="append", default=None, metavar="RULE",
                          help="an attention rule, e.g. 'vip: ticket type contains VIP' (repeat for more)"),
         arg("--show-answer", action="append", default=None, metavar="QUESTION",
             help="a custom question whose answer every verdict shows (repeat for more)"),
         arg("--clear", action="store_true", help="remove this door's rules and shown answers"),
         help="this door's attention rules when it scans without a check-in list (no option: show them)",
         options=("json",))
def _attention(args) -> int:
    from checkin_app.services import attention

    with open_app(args) as app:
        if args.clear:
            attention.set_door_rules(app.store, [], [])
        elif args.rule is not None or args.show_answer is not None:
            current = attention.door_texts(app.store)
            attention.set_door_rules(app.store, args.rule if args.rule is not None else current["rules"],
                                     args.show_answer if args.show_answer is not None else current["show_answers"])
        texts = attention.door_texts(app.store)
    lines = [f"rule: {r}" for r in texts["rules"]] + [f"shows the answer to: {q}" for q in texts["show_answers"]]
    emit(args, texts, "\n".join(lines) if lines else "no attention rules on this door")
    return EXIT_OK
