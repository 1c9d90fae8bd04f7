"""Turning a control off always says why: a greyed-out button with no reason reads as broken."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget


def enable(widget: QWidget, why_not: str | None) -> None:
    """On when `why_not` is None; otherwise off, its tooltip the reason ("Not available: …")."""
    widget.setEnabled(why_not is None)
    widget.setToolTip(f"Not available: {why_not}" if why_not else "")
