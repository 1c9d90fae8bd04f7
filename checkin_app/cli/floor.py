"""At the door, beyond scanning: `badge` (print one attendee's badge) and `kiosk` (self check-in).

Both draw with Qt, so each calls one function of `checkin_app.gui` (named exceptions in
tests/unit/test_layering.py); the ticket and its badge come from the services like any command.
"""
from __future__ import annotations

from checkin_app.cli.common import EXIT_OK, emit, open_app
from checkin_app.cli.registry import arg, command, exclusive


@command("badge", arg("code"),
         exclusive(arg("--output", metavar="FILE.pdf", help="write the badge as a PDF file"),
                   arg("--printer", metavar="NAME", help="print on this system printer ('default': the system's default)")),
         help="print one attendee's badge (layout: badge.json in the data dir, else the shipped one)",
         options=("event", "json"))
def _badge(args) -> int:
    from checkin_app.errors import CheckinError
    from checkin_app.gui import badge_print
    from checkin_app.services import badges, events

    if not args.output and not args.printer:
        raise CheckinError("say where the badge goes: --output FILE.pdf or --printer NAME")
    with open_app(args) as app:
        badge = badges.badge_for_code(app.store, args.code, app.data_dir, events.resolve(app.store, args.event))
    if args.output:
        where = str(badge_print.print_to_pdf(badge, args.output))
    else:
        where = badge_print.print_to_printer(badge, None if args.printer == "default" else args.printer)
    emit(args, {"code": badge.qr_payloads()[0] if badge.qr_payloads() else args.code, "printed_to": where,
                "texts": badge.texts()}, f"badge printed to {where}")
    return EXIT_OK


@command("kiosk", arg("--list", metavar="NAME", dest="checkin_list",
                      help="the check-in list the kiosk admits by (default: the door's own)"),
         help="self check-in: full screen, scan or type your code; leaving needs the supervisor PIN")
def _kiosk(args) -> int:
    from checkin_app.gui.kiosk import run_kiosk
    from checkin_app.services import lists

    if args.checkin_list is not None:
        with open_app(args) as app:
            lists.get(app.store, args.checkin_list)  # a list this data dir does not have: refused before the window
    return run_kiosk(args.data_dir, checkin_list=args.checkin_list)
