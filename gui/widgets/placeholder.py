"""The text an empty table or plot shows: why it is empty and what would fill it.

Tables and plots paint it over their empty area themselves (no extra widget to keep in
place). Two sources, in order: the reason the tab gives while it has no result ("No results
yet…", or the input problem that stopped the run), else the view's own hint for an empty
result ("No benchmark: choose one and run again"), else a plain "Nothing to show."
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter

__all__ = ["NOTHING", "NO_RESULTS", "EmptyState", "EmptyText"]

NO_RESULTS = "No results yet: choose the inputs on the left and press Run."
NOTHING = "Nothing to show."


class EmptyText:
    """The state of one view's empty-state message, and how to paint it."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.hint = ""

    def set_reason(self, reason: str | None) -> None:
        """Why the view is empty before a result (None once a result is shown)."""
        self.reason = reason

    def text(self) -> str:
        """What an empty view says now."""
        return self.reason or self.hint or NOTHING

    def paint(self, painter: QPainter, rect: QRect | QRectF) -> None:
        """Draw the text centred and wrapped in ``rect`` on a white box (plots have axes and grid
        lines under it); ends ``painter``."""
        flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        area = QRectF(rect).adjusted(24, 24, -24, -24)
        box = painter.boundingRect(area, flags, self.text()).adjusted(-10, -6, 10, 6)
        painter.setPen(QColor("#ccc"))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("#666"))
        painter.drawText(area, flags, self.text())
        painter.end()


class EmptyState:
    """For a scroll-area view (table, plot) with an ``empty`` :class:`EmptyText` and an
    ``is_empty()``: the tab's verbs, and the painting its ``paintEvent`` calls last."""

    empty: EmptyText

    def show_empty_reason(self, reason: str | None) -> None:
        """Say why the view is empty (None: the view's own hint, or 'Nothing to show')."""
        self.empty.set_reason(reason)
        self.viewport().update()

    def set_empty_hint(self, hint: str) -> None:
        """What an empty view means after a run and what would fill it (set once by the tab)."""
        self.empty.hint = hint
        self.viewport().update()

    def paint_empty(self) -> None:
        """Paint the message over the viewport when the view is empty."""
        if self.is_empty():
            self.empty.paint(QPainter(self.viewport()), self.viewport().rect())
