"""Ask which Ken French factors to fetch: model, frequency, and whether to stay offline."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from analytics.regression import MODELS
from analytics.regression.models import LABELS

__all__ = ["KenFrenchDialog"]


class KenFrenchDialog(QDialog):
    """Model, frequency and offline choice; the window runs the download on the worker pool."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ken French data library")
        self.model_combo = QComboBox()
        for name in MODELS:
            self.model_combo.addItem(f"{name} — {LABELS[name]}", name)
        self.model_combo.setCurrentIndex(len(MODELS) - 1)
        self.freq_combo = QComboBox()
        self.freq_combo.addItems(["monthly", "daily"])
        self.offline_check = QCheckBox("offline: use the cached copy only")
        note = QLabel("Factors are downloaded once and cached; SMB and HML of the 5-factor models come from "
                      "the 5-factor file (never mixed with the 3-factor file's).")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Model", self.model_combo)
        form.addRow("Frequency", self.freq_combo)
        form.addRow("", self.offline_check)
        form.addRow(note)
        form.addRow(buttons)

    def choice(self) -> tuple[str, str, bool]:
        """(model, frequency, offline)."""
        return self.model_combo.currentData(), self.freq_combo.currentText(), self.offline_check.isChecked()
