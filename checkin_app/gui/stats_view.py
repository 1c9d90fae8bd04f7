"""Live stats: arrivals per 5 or 15 minutes as a bar chart (stacked per door) with exits below the
axis, arrivals and exits per minute, not arrived yet, doors, and who is inside now per check-in
list and per area (with each list's capacity).

The chart is a small QPainter widget rather than QtCharts, which lives in PySide6-Addons
(~175 MB) for what is here a few dozen rectangles.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from checkin_app.domain.changes import Changes
from checkin_app.domain.rules import clock_time
from checkin_app.gui.style import (CHART_EXITS, CHART_GRID, CHART_LEGEND_TEXT, CHART_TICK_TEXT, CHART_TIME_TEXT,
                                   DOOR_COLOURS, TONES)
from checkin_app.gui.tasks import Tasks
from checkin_app.services import lists, stats


def count_ticks(peak: int, most: int = 4) -> list[int]:
    """Whole-number grid values from 0 to at least `peak`, at most `most` steps of 1, 2 or 5 × 10ⁿ."""
    power = 1
    while True:
        for base in (1, 2, 5):
            step = base * power
            if step * most >= peak:
                return list(range(0, -(-peak // step) * step + 1, step))
        power *= 10


class BarChart(QWidget):
    """Stacked bars: one per time bucket, one colour per door, with a legend naming each door."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.buckets: list[dict] = []
        self.exits: list[int] = []  # exits per bucket, drawn downwards from the axis
        self.doors: list[str] = []
        self.ticks: list[int] = [0, 1]
        self.exit_ticks: list[int] = [0]
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_buckets(self, buckets: list[dict], exits: list[dict] | None = None) -> None:
        self.buckets = buckets
        self.exits = [b["total"] for b in exits or []]
        self.doors = sorted({d for b in buckets for d in b["doors"]})
        self.ticks = count_ticks(max([b["total"] for b in buckets] + [1]))
        self.exit_ticks = count_ticks(max(self.exits)) if any(self.exits) else [0]
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        font = QFont()
        font.setPointSize(9)
        p.setFont(font)
        left, right, top, bottom = 40, 10, 28, 26
        whole = QRectF(left, top, self.width() - left - right, self.height() - top - bottom)
        peak, exit_peak = self.ticks[-1], self.exit_ticks[-1]  # the axis ends on a whole tick: people come in ones
        # Arrivals above the axis, exits below it, on one scale (a bar's height is people either way).
        area = QRectF(whole.left(), whole.top(), whole.width(), whole.height() * peak / (peak + exit_peak))
        p.setPen(QColor(CHART_GRID))
        for value in self.ticks + [-v for v in self.exit_ticks[1:]]:  # grid lines with whole counts
            y = area.bottom() - area.height() * value / peak
            p.drawLine(area.left(), y, area.right(), y)
            p.setPen(QColor(CHART_TICK_TEXT))
            p.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignRight | Qt.AlignVCenter, f"{abs(value):,}")
            p.setPen(QColor(CHART_GRID))
        if not self.buckets:
            return
        slot = area.width() / len(self.buckets)
        step = max(1, len(self.buckets) // 6)
        for i, b in enumerate(self.buckets):
            x, y = area.left() + i * slot + slot * 0.12, area.bottom()
            for d, door in enumerate(self.doors):
                n = b["doors"].get(door, 0)
                h = area.height() * n / peak
                p.fillRect(QRectF(x, y - h, slot * 0.76, h), QColor(DOOR_COLOURS[d % len(DOOR_COLOURS)]))
                y -= h
            if i < len(self.exits) and self.exits[i]:
                p.fillRect(QRectF(x, area.bottom(), slot * 0.76, area.height() * self.exits[i] / peak),
                           QColor(CHART_EXITS))
            if i % step == 0 or i == len(self.buckets) - 1:
                p.setPen(QColor(CHART_TIME_TEXT))
                p.drawText(QRectF(x - 20, whole.bottom() + 4, slot + 40, 18), Qt.AlignHCenter,
                           clock_time(b["start"]))
        x = area.left()
        legend = [(door, DOOR_COLOURS[d % len(DOOR_COLOURS)]) for d, door in enumerate(self.doors)]
        if any(self.exits):
            legend.append(("Exits (below)", CHART_EXITS))
        for name, colour in legend:  # legend: colour square plus the door's name
            p.fillRect(QRectF(x, 8, 12, 12), QColor(colour))
            p.setPen(QColor(CHART_LEGEND_TEXT))
            p.drawText(QRectF(x + 16, 4, 160, 20), Qt.AlignLeft | Qt.AlignVCenter, name)
            x += 24 + p.fontMetrics().horizontalAdvance(name)


def _figure(title: str) -> tuple[QGroupBox, QLabel]:
    box = QGroupBox(title)
    value = QLabel("-")
    font = QFont()
    font.setPointSize(26)
    font.setBold(True)
    value.setFont(font)
    value.setAlignment(Qt.AlignCenter)
    QVBoxLayout(box).addWidget(value)
    return box, value


class StatsView(QWidget):
    """Signals:
        updated(dict): new figures are on screen (`services.stats.live`)."""

    updated = Signal(dict)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks = tasks
        self.bucket_minutes = 5
        self.chart = BarChart()
        self.five = QPushButton("Per 5 minutes", checkable=True, checked=True)
        self.fifteen = QPushButton("Per 15 minutes", checkable=True)
        group = QButtonGroup(self)
        group.addButton(self.five)
        group.addButton(self.fifteen)
        self.fifteen.toggled.connect(lambda on: self.set_bucket(15 if on else 5))
        # "Not arrived yet", not "no-shows": before and during the doors nobody has failed to show.
        boxes = [_figure(t) for t in ("Inside / expected", "Arrivals per minute (last 15 min)",
                                      "Exits per minute (last 15 min)", "Not arrived yet")]
        self.inside, self.rate, self.exit_rate, self.no_shows = (v for _b, v in boxes)
        # Inside now per check-in list and per area (services/lists.py), shown once lists exist.
        self.occupancy = QGridLayout()
        self.occupancy_box = QGroupBox("Inside now, per list and area")
        QVBoxLayout(self.occupancy_box).addLayout(self.occupancy)
        self.occupancy_box.hide()
        self.doors = QGridLayout()
        doors_box = QGroupBox("Per door")
        dl = QVBoxLayout(doors_box)
        dl.addLayout(self.doors)
        dl.addStretch(1)

        top = QHBoxLayout()
        for box, _v in boxes:
            top.addWidget(box)
        switch = QHBoxLayout()
        switch.addWidget(QLabel("Arrivals"))
        switch.addStretch(1)
        switch.addWidget(self.five)
        switch.addWidget(self.fifteen)
        lower = QHBoxLayout()
        lower.addWidget(self.chart, 3)
        lower.addWidget(doors_box, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addLayout(top)
        lay.addWidget(self.occupancy_box)
        lay.addLayout(switch)
        lay.addLayout(lower, 1)
        tasks.changed.connect(self._changed)  # a bound method: disconnected with this view
        # The rate per minute and the arrivals chart move with the clock, not only with the data.
        self._timer = QTimer(self, interval=30_000, timeout=self.refresh)
        self._timer.start()

    def set_bucket(self, minutes: int) -> None:
        self.bucket_minutes = minutes
        self.refresh()

    def _changed(self, changes: Changes, _source) -> None:
        if changes.any_of("journal", "tickets", "events") and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        minutes = self.bucket_minutes
        self.tasks.read(lambda app: {**stats.live(app.store, minutes),
                                     "occupancy": lists.occupancy_document(lists.occupancy(app.store))}, self._show)

    def _show(self, live: dict) -> None:
        c = live["counters"]
        share = f"  ({100 * c['inside'] / c['expected']:.0f} %)" if c["expected"] else ""
        self.inside.setText(f"{c['inside']:,} / {c['expected']:,}{share}")
        self.rate.setText(f"{live['rate_per_minute']:.1f}")
        self.exit_rate.setText(f"{live['exit_rate_per_minute']:.1f}")
        self.no_shows.setText(f"{live['no_shows']:,}")
        self.chart.set_buckets(live["arrivals"], live["exits"])
        self._show_occupancy(live["occupancy"])
        while self.doors.count():
            self.doors.takeAt(0).widget().deleteLater()
        for i, row in enumerate(live["per_door"]):
            self.doors.addWidget(QLabel(row["door"]), i, 0)
            self.doors.addWidget(QLabel(f"{row['admitted']:,}"), i, 1)
            self.doors.addWidget(QLabel(f"last {clock_time(row['last_at'])}"), i, 2)
        self.updated.emit(live)

    def _show_occupancy(self, doc: dict) -> None:
        """One line per list (inside on it, its area's count against its capacity), then per area."""
        while self.occupancy.count():
            self.occupancy.takeAt(0).widget().deleteLater()
        self.occupancy_box.setVisible(bool(doc["lists"]))
        for i, row in enumerate(doc["lists"]):
            cap = f"{row['area_inside']:,} / {row['capacity']:,} in {row['area']}" if row["capacity"] is not None \
                else f"{row['area_inside']:,} in {row['area']}"
            state = {"full": "FULL", "warning": "nearly full"}.get(row["state"], "")
            cells = (row["list"], f"{row['inside']:,} inside", cap, state)
            for col, text in enumerate(cells):
                label = QLabel(text)
                if state and col == 3:
                    tone = TONES["stop" if row["state"] == "full" else "warn"]
                    label.setStyleSheet(f"background: {tone['bg']}; color: {tone['fg']}; font-weight: 700; padding: 0 6px;")
                self.occupancy.addWidget(label, i, col)
        base = len(doc["lists"])
        for j, area in enumerate(doc["areas"]):
            self.occupancy.addWidget(QLabel(f"Area {area['area']}"), base + j, 0)
            self.occupancy.addWidget(QLabel(f"{area['inside']:,} inside (lists: {', '.join(area['lists'])})"),
                                     base + j, 1, 1, 3)
