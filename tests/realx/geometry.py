"""Is a widget really on screen? Judged by the widgets' own geometry on the real X server."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget


def global_rect(widget: QWidget) -> QRect:
    """The widget's rectangle in screen coordinates."""
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def why_not_on_screen(widget: QWidget) -> str | None:
    """None when `widget` is shown whole; else why not (hidden, zero size, off the screen's available
    area, or clipped by an ancestor: a scroll area's viewport, a splitter pane, the window)."""
    name = widget.objectName() or type(widget).__name__
    if not widget.isVisible():
        return f"{name} is not visible"
    rect = global_rect(widget)
    if rect.isEmpty():
        return f"{name} has no area ({rect.width()}x{rect.height()})"
    screen = widget.window().screen()
    available = screen.availableGeometry()
    if not available.contains(rect):
        return f"{name} at {_fmt(rect)} is not inside the screen's available area {_fmt(available)}"
    parent = widget.parentWidget()
    while parent is not None:
        if not global_rect(parent).contains(rect):
            return (f"{name} at {_fmt(rect)} is clipped by {parent.objectName() or type(parent).__name__} "
                    f"at {_fmt(global_rect(parent))}")
        parent = parent.parentWidget()
    return None


def fills_screen(window: QWidget) -> bool:
    """The window is maximised (or full screen) and its client area spans the available screen.

    Judged on the client area: the frame Qt reports comes from the window manager's frame extents,
    which may lag behind a maximise by a moment (seen: 1368x774 at -1,-1 on a 1366x768 screen).
    """
    available = window.screen().availableGeometry()
    client = window.geometry()
    frame_slack = 40  # a title bar and borders at most
    return ((window.isMaximized() or window.isFullScreen()) and available.contains(client)
            and client.width() >= available.width() - frame_slack and client.height() >= available.height() - frame_slack)


def assert_on_screen(*widgets: QWidget) -> None:
    """Fail with every widget that is not shown whole, and why."""
    problems = [p for p in map(why_not_on_screen, widgets) if p]
    assert not problems, "\n".join(problems)


def _fmt(r: QRect) -> str:
    return f"({r.x()},{r.y()} {r.width()}x{r.height()})"
