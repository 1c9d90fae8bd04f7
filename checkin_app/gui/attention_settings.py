"""This door's own attention rules, typed as staff would (one per line), for tickets no check-in
list of the door names (a list's rules come with the list: `checkin-app lists create --attention`).

Part of the door settings group (`gui.door_settings`). The rules are checked where they are saved:
a line the grammar cannot read (docs/architecture.md, "Attention at the door") is refused with its
sentence and nothing is changed.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.tasks import Tasks
from checkin_app.services import attention

EXAMPLE = "vip: ticket type contains VIP\nid: answer to \"Date of birth\" is given -> Check photo ID"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class AttentionSettings(QWidget):
    """Signals:
        saved(dict): the rules and shown answers now in force ({"rules", "show_answers"}).
        refused(str): a rule could not be read (the sentence, shown under the fields too)."""

    saved = Signal(dict)
    refused = Signal(str)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.rules = QPlainTextEdit(placeholderText=EXAMPLE)
        self.rules.setMaximumHeight(90)
        self.answers = QPlainTextEdit(placeholderText="Questions whose answers every verdict shows, one per line")
        self.answers.setMaximumHeight(60)
        for field in (self.rules, self.answers):
            field.setTabChangesFocus(True)  # Tab moves on, as in every other field (a rule has no tabs)
        self.save_button = QPushButton("Save attention rules", clicked=self.save)
        self.outcome = OutcomeLine()
        hint = QLabel("Guests these rules flag are held at the door until staff let them in (Enter) or turn them away.")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (hint, self.rules, self.answers, self.save_button, self.outcome):
            lay.addWidget(w)

    def load(self) -> None:
        self.tasks.read(lambda app: attention.door_texts(app.store), self._show)

    def _show(self, texts: dict) -> None:
        self.rules.setPlainText("\n".join(texts["rules"]))
        self.answers.setPlainText("\n".join(texts["show_answers"]))

    def save(self) -> None:
        rules, shown = _lines(self.rules.toPlainText()), _lines(self.answers.toPlainText())

        def write(app) -> dict:
            attention.set_door_rules(app.store, rules, shown)
            return attention.door_texts(app.store)

        self.tasks.db(write, self._saved, lambda exc: self.tasks.explain(exc, self._refuse))

    def _saved(self, texts: dict) -> None:
        n = len(texts["rules"])
        self.outcome.say(f"{n} attention rule{'s' if n != 1 else ''} in force at this door", True)
        self.saved.emit(texts)

    def _refuse(self, reason: str) -> None:
        self.outcome.say(reason, False)
        self.refused.emit(reason)
