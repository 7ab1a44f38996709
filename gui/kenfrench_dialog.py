"""Ask which Ken French factors to fetch: model, region, frequency, and whether to stay offline.

The choices come from the library's registry (:func:`analytics.data.famafrench.famafrench_sets`):
a combination the library does not publish (emerging markets daily, or their 3-factor
models) cannot be accepted, and the dialog says why.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from analytics.data.famafrench import KENFRENCH_MODELS, REGIONS, famafrench_sets
from analytics.factors import LABELS

__all__ = ["KenFrenchDialog"]


class KenFrenchDialog(QDialog):
    """Model, region, frequency and offline choice; the window runs the download on the worker pool."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ken French data library")
        self.model_combo = QComboBox()
        for name in KENFRENCH_MODELS:
            self.model_combo.addItem(f"{name} — {LABELS[name]}", name)
        self.model_combo.setCurrentIndex(self.model_combo.findData("ff6"))
        self.region_combo = QComboBox()
        for key, label in REGIONS.items():
            self.region_combo.addItem(label, key)
        self.freq_combo = QComboBox()
        self.freq_combo.addItems(["monthly", "daily"])
        self.offline_check = QCheckBox("offline: use the cached copy only")
        self.available_label = QLabel()
        self.available_label.setWordWrap(True)
        note = QLabel(
            "Factors are downloaded once and cached; SMB and HML of the 5-factor models come from "
            "the 5-factor file (never mixed with the 3-factor file's)."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Model", self.model_combo)
        form.addRow("Region", self.region_combo)
        form.addRow("Frequency", self.freq_combo)
        form.addRow("", self.offline_check)
        form.addRow(self.available_label)
        form.addRow(note)
        form.addRow(self.buttons)
        for combo in (self.model_combo, self.region_combo, self.freq_combo):
            combo.currentIndexChanged.connect(self._on_choice_change)
        self._on_choice_change()

    def set_key(self) -> str:
        """The chosen set: ``ff6`` (U.S.) or ``ff5:developed``."""
        model, region = self.model_combo.currentData(), self.region_combo.currentData()
        return model if region == "us" else f"{model}:{region}"

    def choice(self) -> tuple[str, str, bool]:
        """(set, frequency, offline)."""
        return self.set_key(), self.freq_combo.currentText(), self.offline_check.isChecked()

    def _on_choice_change(self) -> None:
        freq = self.freq_combo.currentText()
        sets = famafrench_sets(freq)
        available = self.set_key() in sets
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(available)
        region = self.region_combo.currentData()
        offered = [k.partition(":")[0] for k in sets if (k.partition(":")[2] or "us") == region]
        self.available_label.setText(
            ""
            if available
            else f"The library has no {self.model_combo.currentData()} {freq} factors for {REGIONS[region]}; "
            f"it has {', '.join(offered) or 'none'} {freq}."
        )
