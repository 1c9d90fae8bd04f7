"""Badges printed from the window: on admission (a door setting) and as a reprint (the attendee panel).

The badge is built on the read lane (services/badges.py) and painted and sent on the network lane:
QPainter may paint a QPrinter off the GUI thread, and a slow print system (CUPS spooling to a
sleeping printer) must never hold the door's next verdict.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from checkin_app.domain.rules import VerdictKind
from checkin_app.gui import badge_print
from checkin_app.gui.settings import Settings
from checkin_app.gui.tasks import Tasks
from checkin_app.services import badges

_FIRST_ENTRY = (VerdictKind.ADMITTED.value, VerdictKind.FORCED.value)


class BadgeSender(QObject):
    """Signals:
        printed(int, str): the ticket's badge went to this printer or PDF file.
        failed(int, str): the ticket got no badge, and why (a sentence for the door)."""

    printed = Signal(int, str)
    failed = Signal(int, str)

    def __init__(self, tasks: Tasks, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self.tasks, self.settings = tasks, settings

    def print_ticket(self, ticket_id: int) -> None:
        """Print this ticket's badge where the door's setting says (a reprint prints again)."""
        target = self.settings.badge_target
        self.tasks.read(lambda app: badges.badge_for_ticket(app.store, ticket_id, app.data_dir),
                        lambda badge: self.tasks.net(lambda: badge_print.send(badge, target),
                                                     lambda where: self.printed.emit(ticket_id, where),
                                                     lambda exc: self._failed(ticket_id, exc)),
                        lambda exc: self._failed(ticket_id, exc))

    def on_verdict(self, verdict: dict) -> None:
        """Print on a first admission when the door prints on admit, or the list it was admitted on
        does (`auto_badge`); a re-entry has its badge already."""
        ticket = verdict.get("ticket") or {}
        if verdict.get("verdict") not in _FIRST_ENTRY or verdict.get("reentry") or ticket.get("id") is None:
            return
        if self.settings.badge_on_admit:
            self.print_ticket(ticket["id"])
        elif verdict.get("list") is not None:
            name = verdict["list"]
            self.tasks.read(lambda app: badges.list_prints_badges(app.store, name),
                            lambda yes: yes and self.print_ticket(ticket["id"]))

    def _failed(self, ticket_id: int, exc: BaseException) -> None:
        self.tasks.explain(exc, lambda why: self.failed.emit(ticket_id, why))
