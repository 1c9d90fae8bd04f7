"""Capacity warnings at the door: a band over the verdict when a list's area reaches its warning
level ("NEARLY FULL") or its capacity ("FULL"), in words and colour, on every door.

Counts come from the list model's occupancy query (services/lists.py: people inside each list's
area, entries minus exits from every door, each person once), so every door shows the same.
A door that scans on lists watches its own lists; a door on no list watches every list with a
capacity (it still lets people into the venue).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from checkin_app.gui.style import TONES
from checkin_app.services import lists

_LOOK = {"warning": ("warn", "NEARLY FULL"), "full": ("stop", "FULL")}


def door_occupancy(app) -> list[dict]:
    """The occupancy rows (`lists.occupancy_document`) this door watches (read lane)."""
    rows = lists.occupancy_document(lists.occupancy(app.store))["lists"]
    mine = set(lists.door_lists(app.store))
    return [r for r in rows if (r["list"] in mine if mine else r["capacity"] is not None)]


def warning_text(row: dict) -> str:
    """"FULL · Main hall: 500 of 500 inside" / "NEARLY FULL · Main hall: 452 of 500 inside (warning at 450)"."""
    _tone, words = _LOOK[row["state"]]
    area = row["area"] if row["area"] == row["list"] else f"{row['area']} ({row['list']})"
    tail = f" (warning at {row['warning']:,})" if row["state"] == "warning" and row["warning"] is not None else ""
    return f"{words} · {area}: {row['area_inside']:,} of {row['capacity']:,} inside{tail}"


class CapacityBanner(QLabel):
    """Hidden while every watched area is below its warning level.

    Signals:
        shown(list): the rows it was given (`door_occupancy`), after the band was updated.
    """

    shown = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("capacity")
        self.setAlignment(Qt.AlignCenter)
        self.setWordWrap(True)
        self.state = "ok"
        self.hide()

    def show_rows(self, rows: list[dict]) -> None:
        alerts = sorted((r for r in rows if r["state"] in _LOOK and r["capacity"] is not None),
                        key=lambda r: (r["state"] != "full", r["list"]))
        self.state = alerts[0]["state"] if alerts else "ok"
        if alerts:
            tone = TONES[_LOOK[self.state][0]]
            self.setText("\n".join(warning_text(r) for r in alerts))
            self.setStyleSheet(f"background: {tone['bg']}; color: {tone['fg']}; font-size: 20px; font-weight: 700;"
                               " padding: 4px; border-radius: 6px;")
        else:
            self.setText("")
        self.setVisible(bool(alerts))
        self.shown.emit(rows)
