"""The window's tabs, each page reachable at 1024×600: every page but the Door scrolls when it must.

A view is added as itself (the Door, which is laid out to fit any door laptop) or inside a
QScrollArea that resizes it to the viewport and scrolls only when the viewport is smaller than
the view's minimum size. Callers keep talking about views: `setCurrentWidget(view)`,
`currentWidget()`, `widget(i)` and `indexOf(view)` see through the scroll areas.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class Pages(QTabWidget):
    def add_page(self, view: QWidget, title: str, *, scroll: bool = True) -> int:
        if not scroll:
            return self.addTab(view, title)
        area = QScrollArea()
        area.setObjectName("pageScroll")
        area.setFrameShape(QFrame.NoFrame)
        area.setWidgetResizable(True)
        # Tab goes through the page's controls, never stops on the area itself; the area still
        # scrolls each focused control into view.
        area.setFocusPolicy(Qt.NoFocus)
        area.setWidget(view)
        return self.addTab(area, title)

    def scroll_area(self, view: QWidget) -> QScrollArea | None:
        """The scroll area a view lives in (None for the Door, which never scrolls)."""
        page = super().widget(self.indexOf(view))
        return page if isinstance(page, QScrollArea) else None

    def view_of(self, page: QWidget | None) -> QWidget | None:
        return page.widget() if isinstance(page, QScrollArea) else page

    def widget(self, index: int) -> QWidget | None:
        return self.view_of(super().widget(index))

    def currentWidget(self) -> QWidget | None:
        return self.view_of(super().currentWidget())

    def indexOf(self, view: QWidget) -> int:
        for i in range(self.count()):
            if self.widget(i) is view:
                return i
        return -1

    def setCurrentWidget(self, view: QWidget) -> None:
        index = self.indexOf(view)
        if index >= 0:
            self.setCurrentIndex(index)
