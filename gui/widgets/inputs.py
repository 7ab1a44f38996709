"""Shared input and annotation widgets of the analysis tabs."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

__all__ = ["NotesLabel", "CheckList"]


class NotesLabel(QLabel):
    """What a result assumed (units, model, skipped dates...), with simulated data flagged first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet("color: #555;")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_notes(self, notes: Iterable[str], *, simulated: bool) -> None:
        """Show ``notes`` once each, in order; 'SIMULATED demo data.' first when it applies."""
        lines = (["SIMULATED demo data."] if simulated else []) + list(notes)
        self.setText(" ".join(dict.fromkeys(lines)))


class CheckList(QListWidget):
    """A list of names with a tick box each (funds, characteristics)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(110)
        self.setMaximumHeight(220)

    def set_names(self, names: Iterable[str]) -> None:
        """Replace the list with ``names``, all ticked."""
        self.clear()
        for name in names:
            item = QListWidgetItem(str(name))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.addItem(item)

    def set_all_checked(self, checked: bool) -> None:
        """Tick or untick every name."""
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for i in range(self.count()):
            self.item(i).setCheckState(state)

    def checked(self) -> list[str]:
        """The ticked names, in list order."""
        items = (self.item(i) for i in range(self.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
