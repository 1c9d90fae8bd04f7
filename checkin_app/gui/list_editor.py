"""The supervisor's check-in list editor: the venue's lists, and a form that creates or replaces one.

The form is `checkin-app lists create` in the window: it fills a `services.lists.ListSpec` and
saves it with `services.lists.define` on the db lane, so the list is a journal act that reaches
every door and the latest definition of a name wins. Picking a list loads it into the form; saving
under the same name replaces it. Attention rules are read by `domain.attention.parse_rule` as they
are typed (the sentence shows beside the field) and again by `define`, so a rule the doors cannot
read is never saved. A refused save keeps everything typed.

The form scrolls inside the panel and the Save button sits below the scroll area, so on a
1024×600 screen it is never scrolled or clipped away.
"""
from __future__ import annotations

from PySide6.QtCore import QDateTime, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea, QSpinBox,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from checkin_app.domain.attention import parse_rule
from checkin_app.domain.changes import LIST_DEFINED, Changes
from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.tasks import Tasks
from checkin_app.services import events, lists

LIST_COLUMNS = [Column("name", "List"), Column("rules", "Rules", lambda r: lists.rules_in_words(r))]
MINUTES = 7 * 24 * 60  # a relative window reaches a week either side of the event's start


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class TimeBound(QWidget):
    """Valid from / until: none, an absolute date-time (the events' local time), or minutes from each event's start."""

    NONE, AT, FROM_START = range(3)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(["no limit", "at a date and time", "minutes from each event's start"])
        self.at = QDateTimeEdit(QDateTime.currentDateTime(), calendarPopup=True, displayFormat="yyyy-MM-dd HH:mm")
        self.minutes = QSpinBox(minimum=-MINUTES, maximum=MINUTES, suffix=" min")
        self.minutes.setToolTip("Negative: before the event starts (e.g. -90: doors open 90 minutes before)")
        self.value = QStackedWidget()
        self.value.addWidget(QWidget())
        self.value.addWidget(self.at)
        self.value.addWidget(self.minutes)
        self.mode.currentIndexChanged.connect(self.value.setCurrentIndex)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.mode)
        lay.addWidget(self.value, 1)

    def absolute(self) -> str | None:
        """Naive: `define` reads it in the list's events' offset, as `--from` is read."""
        return self.at.dateTime().toString("yyyy-MM-ddTHH:mm") if self.mode.currentIndex() == self.AT else None

    def relative(self) -> int | None:
        return self.minutes.value() if self.mode.currentIndex() == self.FROM_START else None

    def load(self, absolute: str | None, relative: int | None) -> None:
        if absolute:  # shown in its own offset's wall-clock time (the venue's clock)
            self.at.setDateTime(QDateTime.fromString(absolute[:16], "yyyy-MM-ddTHH:mm"))
            self.mode.setCurrentIndex(self.AT)
        elif relative is not None:
            self.minutes.setValue(relative)
            self.mode.setCurrentIndex(self.FROM_START)
        else:
            self.mode.setCurrentIndex(self.NONE)


class ListEditor(QWidget):
    """Signals:
        listsShown(list): the venue's lists are on screen (their `to_json` documents).
        saved(dict): a list was defined (its `to_json`); the list and the door's chooser re-read.
        refused(str): the list was not saved (the sentence, shown under the form too)."""

    listsShown = Signal(list)
    saved = Signal(dict)
    refused = Signal(str)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.table = RowsModel(LIST_COLUMNS, self)
        self.view = table_view(self.table)
        self.view.selectionModel().currentRowChanged.connect(self._picked)
        self.new_button = QPushButton("New list", clicked=self.new_list)

        self.name = QLineEdit(placeholderText="e.g. Main gate, VIP balcony")
        self.events = QListWidget()
        self.events.setMaximumHeight(90)
        self.ticket_types = QLineEdit(placeholderText="every type (or e.g. GA, VIP)")
        self.valid_from, self.valid_until = TimeBound(), TimeBound()
        self.entries = QComboBox()
        for value, words in (("once", "once"), ("daily", "per day"), ("unlimited", "unlimited")):
            self.entries.addItem(words, value)
        self.per_day = QSpinBox(minimum=1, maximum=1000, prefix="", suffix=" a day")
        self.entries.currentIndexChanged.connect(lambda _i: self.per_day.setEnabled(self.entries.currentData() == "daily"))
        self.per_day.setEnabled(False)
        self.min_gap = QSpinBox(minimum=0, maximum=MINUTES, suffix=" min", specialValueText="none")
        self.reentry = QCheckBox("Re-entry after an exit does not count as an entry")
        self.exit_all_at = QLineEdit(placeholderText="HH:MM (e.g. 03:00), or empty")
        self.capacity = QSpinBox(minimum=0, maximum=1_000_000, specialValueText="no limit")
        self.warning = QSpinBox(minimum=0, maximum=1_000_000, specialValueText="90% of capacity")
        self.area = QLineEdit(placeholderText="the list's name")
        self.attention = QPlainTextEdit(placeholderText="one rule a line, e.g. vip: ticket type contains VIP")
        self.attention.setMaximumHeight(70)
        self.attention_words = QLabel()  # each rule's reading, or the sentence saying what is wrong
        self.attention_words.setWordWrap(True)
        self.attention.textChanged.connect(self._read_attention)
        self.show_answers = QPlainTextEdit(placeholderText="one question a line, e.g. Dietary needs")
        self.show_answers.setMaximumHeight(60)
        self.auto_badge = QCheckBox("Print a badge on first admission")

        entries_row = QHBoxLayout()
        entries_row.addWidget(self.entries)
        entries_row.addWidget(self.per_day)
        entries_row.addStretch(1)
        form_page = QWidget()
        form = QFormLayout(form_page)
        form.addRow("Name", self.name)
        form.addRow("Events", self.events)
        form.addRow("Ticket types", self.ticket_types)
        form.addRow("Valid from", self.valid_from)
        form.addRow("Valid until", self.valid_until)
        form.addRow("Entries", entries_row)
        form.addRow("Minimum gap", self.min_gap)
        form.addRow("", self.reentry)
        form.addRow("Exit everyone at", self.exit_all_at)
        form.addRow("Capacity", self.capacity)
        form.addRow("Warn from", self.warning)
        form.addRow("Area", self.area)
        form.addRow("Attention rules", self.attention)
        form.addRow("", self.attention_words)
        form.addRow("Answers to show", self.show_answers)
        form.addRow("", self.auto_badge)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(form_page)

        self.save_button = QPushButton("Save list", clicked=self.save)
        self.save_button.setProperty("role", "primary")
        self.name.returnPressed.connect(self.save)
        self.outcome = OutcomeLine()
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.outcome, 1)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.view, 1)
        ll.addWidget(self.new_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.scroll, 1)
        rl.addLayout(save_row)  # outside the scroll area: always on screen
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        tasks.changed.connect(self._changed)

    # -- the venue's lists --------------------------------------------------------------------

    def _changed(self, changes: Changes, _source) -> None:
        if changes.any_of("lists", "journal", "events") and self.isVisible():  # lists from other doors come as journal
            self.refresh()

    def refresh(self) -> None:
        def read(app) -> tuple[list[dict], list[dict]]:
            return [lst.to_json() for lst in lists.all_lists(app.store).values()], events.list_events(app.store)

        self.tasks.read(read, self._show)

    def _show(self, found: tuple[list[dict], list[dict]]) -> None:
        docs, rows = found
        ticked = set(self._ticked_events())
        self.events.clear()
        for r in rows:
            item = QListWidgetItem(f"{r['name']} ({r['remote_id']})")
            item.setData(Qt.UserRole, (r["provider"], r["remote_id"]))
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if (r["provider"], r["remote_id"]) in ticked else Qt.Unchecked)
            self.events.addItem(item)
        self.table.set_rows(sorted(docs, key=lambda d: d["name"]))
        self.listsShown.emit(docs)

    def _ticked_events(self) -> list[tuple[str, str]]:
        return [tuple(self.events.item(i).data(Qt.UserRole)) for i in range(self.events.count())
                if self.events.item(i).checkState() == Qt.Checked]

    def new_list(self) -> None:
        self.view.setCurrentIndex(QModelIndex())  # picking the same list again then loads it again
        self.edit(None)

    def _picked(self, current) -> None:
        if current.isValid():  # a re-read clears the selection: that is not a pick, keep the form
            self.edit(self.table.row_at(current.row()))

    # -- the form ---------------------------------------------------------------------------

    def edit(self, doc: dict | None) -> None:
        """Load a list into the form (None: an empty form for a new list)."""
        doc = doc or {}
        self.name.setText(doc.get("name", ""))
        chosen = {(e["provider"], e["remote_id"]) for e in doc.get("events", [])}
        for i in range(self.events.count()):
            item = self.events.item(i)
            item.setCheckState(Qt.Checked if tuple(item.data(Qt.UserRole)) in chosen else Qt.Unchecked)
        self.ticket_types.setText(", ".join(doc.get("ticket_types", [])))
        self.valid_from.load(doc.get("valid_from"), doc.get("from_start"))
        self.valid_until.load(doc.get("valid_until"), doc.get("until_start"))
        self.entries.setCurrentIndex(max(0, self.entries.findData(doc.get("entries", "once"))))
        self.per_day.setValue(doc.get("per_day") or 1)
        self.min_gap.setValue(doc.get("min_gap") or 0)
        self.reentry.setChecked(bool(doc.get("reentry")))
        self.exit_all_at.setText(doc.get("exit_all_at") or "")
        self.capacity.setValue(doc.get("capacity") or 0)
        self.warning.setValue(doc.get("warning") or 0)
        self.area.setText("" if doc.get("area") in (None, doc.get("name")) else doc["area"])
        self.attention.setPlainText("\n".join(doc.get("attention", [])))
        self.show_answers.setPlainText("\n".join(doc.get("show_answers", [])))
        self.auto_badge.setChecked(bool(doc.get("auto_badge")))
        self.outcome.clear()

    def _read_attention(self) -> str | None:
        """Show how each rule reads; return the first rule's sentence saying what is wrong (None: all read)."""
        for text in _lines(self.attention.toPlainText()):
            try:
                parse_rule(text)
            except ValueError as exc:
                self.attention_words.setText(f"“{text}”: {exc}")
                return str(exc)
        n = len(_lines(self.attention.toPlainText()))
        self.attention_words.setText(f"{n} rule{'s' if n != 1 else ''} read" if n else "")
        return None

    def spec(self) -> lists.ListSpec:
        entries = self.entries.currentData()
        return lists.ListSpec(
            name=self.name.text().strip(),
            events=[remote_id for _provider, remote_id in self._ticked_events()],
            ticket_types=[t.strip() for t in self.ticket_types.text().split(",") if t.strip()],
            valid_from=self.valid_from.absolute(), valid_until=self.valid_until.absolute(),
            from_start=self.valid_from.relative(), until_start=self.valid_until.relative(),
            entries=entries, per_day=self.per_day.value() if entries == "daily" else None,
            min_gap=self.min_gap.value() or None, reentry=self.reentry.isChecked(),
            exit_all_at=self.exit_all_at.text().strip() or None,
            capacity=self.capacity.value() or None, warning=self.warning.value() or None,
            area=self.area.text().strip() or None, attention=_lines(self.attention.toPlainText()),
            show_answers=_lines(self.show_answers.toPlainText()), auto_badge=self.auto_badge.isChecked())

    def save(self) -> None:
        spec = self.spec()
        why = ("Name the list" if not spec.name else "Tick at least one event" if not spec.events
               else self._read_attention())
        if why:
            self._refuse(why)
            return
        self.tasks.db(lambda app: lists.define(app.store, spec, door=app.checkin.door).to_json(), self._saved,
                      lambda exc: self.tasks.explain(exc, self._refuse), changes=LIST_DEFINED)

    def _saved(self, doc: dict) -> None:
        self.outcome.say(f"List {doc['name']} saved: {lists.rules_in_words(doc)}", True)
        self.refresh()
        self.saved.emit(doc)

    def _refuse(self, why: str) -> None:
        self.outcome.say(why, False)
        self.refused.emit(why)
