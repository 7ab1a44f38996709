"""Shared input and annotation widgets of the analysis tabs."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from analytics.factors import MODELS
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
    """The factor model: the largest one the data support, a named one, or a custom set of
    factor columns ticked in a small dialog ("Custom…"); remembered per key."""

    AUTO = "largest available"
    CUSTOM = "Custom…"

    def __init__(self, settings_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItems([self.AUTO, *MODELS, self.CUSTOM])
        self._key = settings_key
        self._previous = self.AUTO
        self._available: list[str] = []
        saved = str(QSettings().value(settings_key, self.AUTO))
        if saved not in (self.AUTO, *MODELS, self.CUSTOM):
            self.insertItem(self.count() - 1, saved)
        self.setCurrentText(saved)
        self.currentTextChanged.connect(self._on_text_change)

    @property
    def available(self) -> list[str]:
        """Factor columns of the chosen data (the tab sets them): the custom dialog offers them."""
        return self._available

    @available.setter
    def available(self, columns: list[str]) -> None:
        """Named models whose factors are not all among ``columns`` are greyed out, their tooltip
        naming what is missing (none is while no factor columns are known)."""
        self._available = list(columns)
        items = QComboBox.model(self)  # the list's items; self.model() is the chosen factor model
        for row, factors in enumerate(MODELS.values(), start=1):
            missing = [f for f in factors if f not in columns] if columns else []
            item = items.item(row)  # a QStandardItemModel by default
            item.setEnabled(not missing)
            item.setToolTip(f"needs {', '.join(missing)}: not in the chosen factors" if missing else ", ".join(factors))

    def model(self) -> str | None:
        """The chosen model (a name or ``COL,COL,...``), or None for the largest available."""
        text = self.currentText()
        return None if text in (self.AUTO, self.CUSTOM) else text

    def set_custom(self, columns: list[str]) -> None:
        """Choose the custom model of ``columns`` (added to the list once)."""
        spec = ",".join(columns)
        if self.findText(spec) < 0:
            self.insertItem(self.count() - 1, spec)
        self.setCurrentText(spec)

    def _on_text_change(self, text: str) -> None:
        if text == self.CUSTOM:
            self._ask_custom()
            return
        self._previous = text
        QSettings().setValue(self._key, text)

    def _ask_custom(self) -> None:
        """Tick factor columns in a dialog; cancelling returns to the previous choice."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Custom factor model")
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("Regress on these factor columns (a constant is always added):"))
        boxes = [QCheckBox(name) for name in self.available]
        for box in boxes:
            layout.addWidget(box)
        if not boxes:
            layout.addWidget(QLabel("No factor columns in the chosen data; load factors first."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)

        def done(result: int) -> None:
            chosen = [b.text() for b in boxes if b.isChecked()]
            if result == QDialog.DialogCode.Accepted and chosen:
                self.set_custom(chosen)
            else:
                self.setCurrentText(self._previous)

        dialog.finished.connect(done)
        dialog.open()
        self.custom_dialog = dialog
