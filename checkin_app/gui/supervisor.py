"""The supervisor view: attendee search for everyone, the tools behind a PIN.

Door staff (locked) may look people up by name and see their history, never emails; the
supervisor (PIN) sees contact details and can check in, undo, admit anyway, void, issue walk-ups,
admit parties, read conflicts, export, simulate a ticket and edit the check-in lists. Search runs on the read lane as you type; a result
that arrives after a newer query was asked is dropped, so the table never flickers back.
"""
from __future__ import annotations

import math
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSplitter, QStackedWidget,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from checkin_app.errors import ConfigError
from checkin_app.gui.attendee_panel import AttendeePanel
from checkin_app.gui.badge_sender import BadgeSender
from checkin_app.gui.models import SEARCH_COLUMNS, RowsModel, table_view
from checkin_app.gui.pin_setup import refuse_pin
from checkin_app.gui.settings import Settings
from checkin_app.gui.list_editor import ListEditor
from checkin_app.gui.simulate_panel import SimulatePanel
from checkin_app.gui.style import OUTCOME_FAIL, OUTCOME_OK
from checkin_app.gui.supervisor_tools import ConflictsPanel, ExportPanel, WalkUpPanel
from checkin_app.gui.tasks import Tasks
from checkin_app.services import supervisor

SEARCH_PAGE = 100  # rows asked for at a time; scrolling to the end asks for the next page
AUTO_LOCK_MS = 5 * 60_000  # an unlocked laptop left at the door locks itself
SEARCH_DELAY_MS = 120  # wait for a pause in typing; FTS itself answers in about a millisecond


def _wait_words(seconds: float) -> str:
    """"try again in 40 s" / "try again in 4 min 10 s"."""
    s = math.ceil(seconds)
    return f"try again in {s // 60} min {s % 60} s" if s >= 60 else f"try again in {s} s"


class LockBar(QStackedWidget):
    """PIN entry (choosing one on first use) or, once unlocked, a Lock button.

    Wrong PINs back off (`services.pin.wait_after`): while the wait runs the field and button are
    off and the bar counts it down. `clock` gives wall-clock seconds (tests pass their own).

    Signals:
        unlocked(bool): True after a good PIN, False when locked again.
    """

    unlocked = Signal(bool)

    def __init__(self, settings: Settings, parent: QWidget | None = None, clock=time.time):
        super().__init__(parent)
        self.settings = settings
        self.clock = clock  # wall-clock seconds: the back-off is kept across restarts
        self._countdown = QTimer(self, interval=1000, timeout=self._tick)
        self.pin = QLineEdit(placeholderText="PIN", echoMode=QLineEdit.Password, maxLength=12)
        self.repeat = QLineEdit(placeholderText="repeat the PIN", echoMode=QLineEdit.Password, maxLength=12)
        self.prompt = QLabel()
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {OUTCOME_FAIL}; font-weight: 600;")
        self.unlock_button = QPushButton("Unlock supervisor tools", clicked=self.try_unlock)
        self.unlock_button.setProperty("role", "primary")
        self.pin.returnPressed.connect(self.try_unlock)
        self.repeat.returnPressed.connect(self.try_unlock)
        locked = QWidget()
        row = QHBoxLayout(locked)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.prompt, self.pin, self.repeat, self.unlock_button, self.message):
            row.addWidget(w)
        row.addStretch(1)
        opened = QWidget()
        row = QHBoxLayout(opened)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Supervisor tools unlocked")
        label.setStyleSheet(f"font-weight: 600; color: {OUTCOME_OK};")
        row.addWidget(label)
        row.addStretch(1)
        row.addWidget(QPushButton("Lock", clicked=self.lock))
        self.addWidget(locked)
        self.addWidget(opened)
        self.is_unlocked = False
        self._prepare()

    def showEvent(self, event) -> None:
        """A PIN chosen elsewhere (the first-run wizard) since this bar last looked: ask for it, not for a new one."""
        if not self.is_unlocked and self.repeat.isVisibleTo(self) == self.settings.has_pin:
            self._prepare()
        super().showEvent(event)

    def _prepare(self) -> None:
        first = not self.settings.has_pin
        self.prompt.setText("Choose a supervisor PIN (4-12 digits):" if first else
                            "Door staff mode: names only. Supervisor PIN:")
        self.repeat.setVisible(first)
        self.unlock_button.setText("Set PIN and unlock" if first else "Unlock")
        self.pin.clear()
        self.repeat.clear()
        self._tick()

    def try_unlock(self) -> bool:
        pin = self.pin.text()
        if not self.settings.has_pin:
            try:
                self.settings.choose_pin(pin, self.repeat.text())
            except ConfigError as exc:
                return self._refuse(str(exc))
        else:
            if self.settings.pin_wait(self.clock()) > 0:
                return self._tick()
            right, wait = self.settings.try_pin(pin, self.clock())
            if not right:
                self._tick()  # the countdown says "Too many wrong PINs" from its next second on
                return self._refuse("wrong PIN" + (f": {_wait_words(wait)}" if wait else ""))
        self.message.clear()
        self.is_unlocked = True
        self.setCurrentIndex(1)
        self.unlocked.emit(True)
        return True

    def _tick(self) -> bool:
        """Disable PIN entry while wrong PINs back off, counting the wait down once a second."""
        wait = self.settings.pin_wait(self.clock()) if self.settings.has_pin else 0.0
        for w in (self.pin, self.unlock_button):
            w.setEnabled(wait <= 0)
            w.setToolTip(f"Too many wrong PINs: {_wait_words(wait)}" if wait > 0 else "")
        if wait > 0:
            self.message.setText(f"Too many wrong PINs: {_wait_words(wait)}")
            self._countdown.start()
        elif self._countdown.isActive():
            self._countdown.stop()
            self.message.setText("You may try the PIN again")
            self.pin.setFocus()
        return False

    def _refuse(self, why: str) -> bool:
        return refuse_pin(self.message, self.pin, self.repeat, why)

    def lock(self) -> None:
        self.is_unlocked = False
        self._prepare()
        self.setCurrentIndex(0)
        self.unlocked.emit(False)


class SupervisorView(QWidget):
    """Search, attendee detail and the supervisor tools.

    Signals:
        resultsShown(int): search results were put on screen (how many).
        changed(): an act here changed tickets (the other views hear it from `Tasks.changed`).
        conflictsCounted(int): open conflicts (one per problem), for a badge on the window's tab.
    """

    resultsShown = Signal(int)
    changed = Signal()
    conflictsCounted = Signal(int)

    def __init__(self, tasks: Tasks, settings: Settings, parent: QWidget | None = None, *,
                 badges: BadgeSender | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks = tasks
        self.generation = 0
        self.dropped = 0  # stale search results thrown away (a newer query was asked)
        self._enter_generation = -1  # the search Enter asked for: its first result gets picked
        self.lock_bar = LockBar(settings)
        self.query = QLineEdit(placeholderText="Search name, email, code or order…")
        self.query.setClearButtonEnabled(True)
        self.model = RowsModel(SEARCH_COLUMNS, self, fetch_more=self._next_page)
        self.results = table_view(self.model)
        self.results.setSelectionMode(QTableView.SingleSelection)
        self.results.setAlternatingRowColors(True)
        self.count = QLabel()
        self.detail = AttendeePanel(tasks, badges)
        self._delay = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self.search_now)
        self.query.textChanged.connect(lambda _t: self._delay.start())
        self.query.returnPressed.connect(self._enter)
        self.query.installEventFilter(self)
        self.results.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._pick(cur.row()))
        self.results.activated.connect(lambda index: self._pick(index.row()))

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.query)
        ll.addWidget(self.results, 1)
        ll.addWidget(self.count)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        # The detail (fields, history, every act) is the tallest thing in the supervisor's tabs: it
        # scrolls in its own pane, so the tabs beside it (the list editor's form and Save button)
        # fit a 1024x600 screen instead of the whole page scrolling for it.
        detail_pane = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        detail_pane.setWidget(self.detail)
        detail_pane.setMinimumWidth(self.detail.minimumSizeHint().width())
        split.addWidget(detail_pane)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.walk_up = WalkUpPanel(tasks)
        self.conflicts = ConflictsPanel(tasks)
        self.export = ExportPanel(tasks)
        self.simulate = SimulatePanel(tasks)
        self.list_editor = ListEditor(tasks)
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Attendees")
        self.tabs.addTab(self.walk_up, "Walk-up")
        self.tabs.addTab(self.conflicts, "Conflicts")
        self.tabs.addTab(self.export, "Export")
        self.tabs.addTab(self.simulate, "Simulate")
        self.tabs.addTab(self.list_editor, "Lists")
        self.tabs.currentChanged.connect(self._tab_shown)
        self.conflicts.loaded.connect(self._count_conflicts)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addWidget(self.lock_bar)
        lay.addWidget(self.tabs, 1)
        self.setFocusProxy(self.query)

        self.lock_bar.unlocked.connect(self._set_unlocked)
        self.auto_lock = QTimer(self, singleShot=True, interval=AUTO_LOCK_MS, timeout=self._idle_lock)
        for signal in (self.query.textChanged, self.detail.acted, self.detail.loaded, self.walk_up.issued,
                       self.export.exported, self.list_editor.saved, self.tabs.currentChanged):
            signal.connect(self._still_here)
        for signal in (self.detail.acted, self.walk_up.issued):
            signal.connect(lambda *_: (self.changed.emit(), self.search_now()))
        self._set_unlocked(False)

    @property
    def unlocked(self) -> bool:
        return self.lock_bar.is_unlocked

    def _still_here(self, *_args) -> None:
        if self.unlocked:
            self.auto_lock.start()

    def _idle_lock(self) -> None:
        if self.unlocked:
            self.lock_bar.lock()

    def _set_unlocked(self, on: bool) -> None:
        if on:
            self.auto_lock.start()
        else:
            self.auto_lock.stop()
        self.model.show_private(on)
        self.detail.set_private(on)
        for i in range(1, self.tabs.count()):  # every tab but the attendee search
            self.tabs.setTabEnabled(i, on)
            self.tabs.setTabToolTip(i, "" if on else "Supervisor only: unlock with the PIN above")
        if not on:
            self.tabs.setCurrentIndex(0)
        self.search_now()

    def _count_conflicts(self, n: int) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.conflicts), f"Conflicts ({n})" if n else "Conflicts")
        self.conflictsCounted.emit(n)

    def focus_search(self) -> None:
        """Ctrl+F: the search box of the Attendees tab, whichever supervisor tab was open, text selected."""
        self.tabs.setCurrentIndex(0)
        self.query.setFocus(Qt.ShortcutFocusReason)
        self.query.selectAll()
        parent = self.parentWidget()
        while parent is not None:  # on a small screen the page scrolls: bring the box into view
            if isinstance(parent, QScrollArea):
                parent.ensureWidgetVisible(self.query)
            parent = parent.parentWidget()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the search box goes to the results, on the first one."""
        if watched is self.query and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Down \
                and self.model.rowCount() > 0:
            self._pick_first()
            return True
        return super().eventFilter(watched, event)

    def _pick_first(self) -> None:
        self.results.setFocus(Qt.OtherFocusReason)
        self.results.selectRow(0)
        self._pick(0)

    def _enter(self) -> None:
        """Enter searches now and picks the first result when it arrives (unless typing went on)."""
        self.search_now()
        self._enter_generation = self.generation

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.conflicts:
            self.conflicts.refresh()
        elif self.tabs.widget(index) is self.walk_up:
            self.walk_up.refresh()
        elif self.tabs.widget(index) is self.simulate:
            self.simulate.refresh()
        elif self.tabs.widget(index) is self.list_editor:
            self.list_editor.refresh()

    # -- search ---------------------------------------------------------------------------------

    def search_now(self) -> None:
        self._delay.stop()
        text = self.query.text()
        self.generation += 1
        generation, private = self.generation, self.unlocked
        if not text.strip():
            self._show_results(generation, [])
            return
        self.tasks.read(lambda app: supervisor.search(app.store, text, limit=SEARCH_PAGE + 1, show_private=private),
                        lambda rows: self._show_results(generation, rows))

    def _next_page(self, offset: int) -> None:
        """The model wants the rows after `offset` (the user scrolled to the end)."""
        text, generation, private = self.query.text(), self.generation, self.unlocked
        # FTS answers the longer list in about a millisecond; the page is cut from its end.
        self.tasks.read(lambda app: supervisor.search(app.store, text, limit=offset + SEARCH_PAGE + 1,
                                                      show_private=private)[offset:],
                        lambda rows: self._append_results(generation, rows))

    def _show_results(self, generation: int, rows: list[dict]) -> None:
        if generation != self.generation:
            self.dropped += 1
            return
        self.model.set_rows(rows[:SEARCH_PAGE], more=len(rows) > SEARCH_PAGE)
        self._count()
        if rows and generation == self._enter_generation and not self._delay.isActive():
            self._pick_first()
        elif len(rows) == 1:
            self.results.selectRow(0)
        self.resultsShown.emit(len(rows[:SEARCH_PAGE]))

    def _append_results(self, generation: int, rows: list[dict]) -> None:
        if generation != self.generation:
            self.dropped += 1
            return
        self.model.append_rows(rows[:SEARCH_PAGE], more=len(rows) > SEARCH_PAGE)
        self._count()
        self.resultsShown.emit(self.model.rowCount())

    def _count(self) -> None:
        n = self.model.rowCount()
        more = "+ (scroll for more)" if self.model.more else ""
        self.count.setText(f"{n}{more} found" if self.query.text().strip() else "")

    def _pick(self, row: int) -> None:
        picked = self.model.row_at(row)
        if picked is not None:
            self.detail.load(picked["id"])
