"""Colours, fonts, the application style sheet and icon: readable from two metres, never colour alone.

The sheet and the icon are files under checkin_app/resources/ (style.qss, icons/), read through
importlib.resources, so a designer can change them without reading Python."""
from __future__ import annotations

import logging
from string import Template

from PySide6.QtGui import QIcon, QPixmap

from checkin_app import paths

log = logging.getLogger(__name__)

# Verdict tones. Each tone always comes with an icon shape and words (see verdict.py).
TONES = {
    "idle": {"bg": "#1f2933", "fg": "#e4e7eb"},
    "ok": {"bg": "#1b7f3b", "fg": "#ffffff"},
    "info": {"bg": "#1d5fa8", "fg": "#ffffff"},
    "exit": {"bg": "#5b2a86", "fg": "#ffffff"},  # exit mode: purple, never the entry colours
    "warn": {"bg": "#c77d00", "fg": "#111111"},
    "stop": {"bg": "#b3261e", "fg": "#ffffff"},
    # A held guest (issue 17): staff look before letting them in. Teal: none of the others.
    "attention": {"bg": "#006d77", "fg": "#ffffff"},
}

ACCENT = "#3e7bfa"
FOCUS_RING = "#f59e0b"  # amber: visible on white, grey and on the blue of primary buttons alike

# Outcome lines: what an act did (green) or why it did not (red).
OUTCOME_OK = "#0f5132"
OUTCOME_FAIL = "#b3261e"
NOTE_WARN = "#b45309"  # an amber note beside a setting (a fallback was chosen)
TEXT_MUTED = "#52606d"  # secondary text: explanations, chart time labels
RECENT_WARN = "#8a5700"  # the warn tone darkened for text on the white list of recent scans

# Status pills (text, background) in the status strip.
STATUS_NEUTRAL_FG, STATUS_NEUTRAL_BG = "#3e4c59", "#e4e7eb"  # local lists only
STATUS_OK_FG, STATUS_OK_BG = "#0f5132", "#c7f0d8"  # online; other doors fine
STATUS_WARN_FG, STATUS_WARN_BG = "#5f3700", "#ffe7b3"  # stale list; other doors lagging
STATUS_BAD_FG, STATUS_BAD_BG = "#842029", "#f8d7da"  # offline

# The camera pane.
CAMERA_BG = "#101418"
CAMERA_MESSAGE = "#9aa5b1"  # "no camera" and similar, drawn in place of the picture
CAMERA_AIM = "#4ade80"  # corner marks of the aiming box
CAMERA_NOTICE_BG = (40, 44, 52, 220)  # RGBA: the notice band along the top
CAMERA_WARNING_BG = (185, 28, 28, 235)  # RGBA: the warning band across the middle
CAMERA_BAND_TEXT = "#ffffff"

# The stats chart.
CHART_GRID = "#e4e7eb"
CHART_TICK_TEXT = "#7b8794"  # counts along the vertical axis
CHART_TIME_TEXT = TEXT_MUTED
CHART_LEGEND_TEXT = "#1f2933"
CHART_EXITS = TONES["exit"]["bg"]  # exits hang below the axis in the exit-mode colour
DOOR_COLOURS = ["#3e7bfa", "#1b7f3b", "#c77d00", "#8e44ad", "#b3261e", "#16a085"]  # one per door, in turn

# The colours resources/style.qss takes from here ($accent, $focus_ring), so that the sheet and the
# code that draws with them never disagree.
SHEET_COLOURS = {"accent": ACCENT, "focus_ring": FOCUS_RING}


def style_sheet() -> str:
    """The application style sheet: resources/style.qss with the shared colours filled in.

    A placeholder the sheet names but this module does not define raises KeyError (a typo in the
    sheet must not pass silently as an unstyled window).
    """
    text = paths.resource("style.qss").read_text(encoding="utf-8")
    return Template(text).substitute(SHEET_COLOURS)


STYLE_SHEET = style_sheet()


def app_icon() -> QIcon:
    """The window icon, resources/icons/icon.png (an empty icon, logged, if the file is not an image)."""
    pixmap = QPixmap()
    if not pixmap.loadFromData(paths.resource("icons", "icon.png").read_bytes()):
        log.warning("resources/icons/icon.png is not an image Qt can read; the window has no icon")
        return QIcon()
    return QIcon(pixmap)


def pill(text_colour: str, background: str) -> str:
    """Style for a rounded status label."""
    return f"color: {text_colour}; background: {background};"


def show_outcome(label, text: str, ok: bool) -> None:
    """Put the outcome of an act in a label: green when it worked, red with the reason when not."""
    label.setStyleSheet(f"color: {OUTCOME_OK if ok else OUTCOME_FAIL}; font-weight: 600;")
    label.setText(text)
