"""Shared input and annotation widgets of the analysis tabs."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from analytics.regression.models import MODELS
from gui.widgets.check_list import CheckList

__all__ = ["CheckList", "ModelCombo", "NotesLabel"]


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


class ModelCombo(QComboBox):
    """The factor model: the largest one the data support, or a named one; remembered per key."""

    AUTO = "largest available"

    def __init__(self, settings_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItems([self.AUTO, *MODELS])
        self._key = settings_key
        self.setCurrentText(str(QSettings().value(settings_key, self.AUTO)))
        self.currentTextChanged.connect(self._on_text_change)

    def model(self) -> str | None:
        """The chosen model's name, or None for the largest available."""
        text = self.currentText()
        return None if text == self.AUTO else text

    def _on_text_change(self, text: str) -> None:
        QSettings().setValue(self._key, text)
