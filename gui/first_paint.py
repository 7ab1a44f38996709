"""Run something once a window has painted for the first time.

Start-up work that is not needed to draw the window (reading last session's files, making
the demo workspace, importing the worker machinery) waits until the user sees the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

__all__ = ["on_first_paint"]


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            self._callback()
        return False


def on_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` when ``widget`` receives its first paint event (before it paints)."""
    widget.installEventFilter(_FirstPaint(widget, callback))
