"""Colours, fonts and the application style sheet: readable from two metres, never colour alone."""
from __future__ import annotations

# Verdict tones. Each tone always comes with an icon shape and words (see verdict.py).
TONES = {
    "idle": {"bg": "#1f2933", "fg": "#e4e7eb"},
    "ok": {"bg": "#1b7f3b", "fg": "#ffffff"},
    "info": {"bg": "#1d5fa8", "fg": "#ffffff"},
    "exit": {"bg": "#5b2a86", "fg": "#ffffff"},  # exit mode: purple, never the entry colours
    "warn": {"bg": "#c77d00", "fg": "#111111"},
    "stop": {"bg": "#b3261e", "fg": "#ffffff"},
}

ACCENT = "#3e7bfa"
FOCUS_RING = "#f59e0b"  # amber: visible on white, grey and on the blue of primary buttons alike

STYLE_SHEET = f"""
QMainWindow, QWidget#page {{ background: #f4f5f7; }}
QScrollArea#pageScroll, QScrollArea#pageScroll > QWidget#qt_scrollarea_viewport {{ background: #f4f5f7; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ padding: 10px 22px; font-size: 15px; font-weight: 600; color: #52606d; background: #e4e7eb;
                margin-right: 2px; border-top-left-radius: 6px; border-top-right-radius: 6px; }}
QTabBar::tab:selected {{ background: #ffffff; color: #1f2933; }}
QLineEdit {{ padding: 8px 10px; font-size: 16px; border: 1px solid #cbd2d9; border-radius: 6px; background: white; }}
QLineEdit:focus {{ border: 3px solid {FOCUS_RING}; padding: 6px 8px; }}
QPushButton {{ padding: 8px 16px; font-size: 14px; border-radius: 6px; border: 1px solid #cbd2d9; background: white; }}
QPushButton:hover {{ background: #f0f4ff; }}
QPushButton:checked {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #9aa5b1; background: #f5f7fa; }}
QPushButton[role="danger"] {{ color: #b3261e; border-color: #e0a09b; }}
QPushButton[role="primary"] {{ background: {ACCENT}; color: white; border-color: {ACCENT}; font-weight: 600; }}
QGroupBox {{ font-weight: 600; font-size: 13px; color: #3e4c59; border: 1px solid #e4e7eb; border-radius: 8px;
             margin-top: 14px; padding: 10px 8px 8px 8px; background: white; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
QTableView, QListWidget {{ background: white; border: 1px solid #e4e7eb; border-radius: 6px; font-size: 14px;
                           alternate-background-color: #f8f9fb; }}
QHeaderView::section {{ background: #f4f5f7; padding: 6px; border: none; border-bottom: 1px solid #e4e7eb;
                        font-weight: 600; color: #52606d; }}
QLabel#statusPill {{ padding: 4px 12px; border-radius: 11px; font-weight: 600; font-size: 13px; }}
QLabel#banner {{ padding: 8px 14px; font-size: 15px; font-weight: 600; border-radius: 6px; }}
QProgressBar {{ border: 1px solid #cbd2d9; border-radius: 6px; text-align: center; height: 22px; background: white; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
QPushButton:disabled, QPushButton[role="primary"]:disabled, QPushButton[role="danger"]:disabled {{
    color: #7b8794; background: #e4e7eb; border: 1px dashed #9aa5b1; font-weight: normal; }}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QSpinBox:focus, QCheckBox:focus, QTableView:focus,
QListWidget:focus, QTabBar::tab:selected:focus {{ border: 3px solid {FOCUS_RING}; }}
QPushButton:focus {{ padding: 6px 14px; }}
QCheckBox:focus {{ border-radius: 4px; }}
"""


def pill(text_colour: str, background: str) -> str:
    """Style for a rounded status label."""
    return f"color: {text_colour}; background: {background};"


def show_outcome(label, text: str, ok: bool) -> None:
    """Put the outcome of an act in a label: green when it worked, red with the reason when not."""
    label.setStyleSheet(f"color: {'#0f5132' if ok else '#b3261e'}; font-weight: 600;")
    label.setText(text)
