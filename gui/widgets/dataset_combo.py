"""A combo box of loaded data sets of given kinds that follows the workspace."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from analytics.data.dataset import Dataset
from gui.workspace import WorkspaceModel

__all__ = ["DatasetCombo"]


class DatasetCombo(QComboBox):
    """Lists the workspace's data sets of ``kinds``; keeps the choice across reloads."""

    sigDatasetChanged = Signal(object)  # Dataset | None

    def __init__(
        self,
        workspace: WorkspaceModel,
        kinds: tuple[str, ...],
        *,
        none_label: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._kinds = kinds
        self._none_label = none_label
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(18)
        workspace.sigChanged.connect(self._on_workspace_change)
        self.currentIndexChanged.connect(self._on_index_change)
        self._on_workspace_change()

    def _on_index_change(self, _index: int) -> None:
        self.sigDatasetChanged.emit(self.current_dataset())

    def current_dataset(self) -> Dataset | None:
        """The chosen data set, or None for the 'none' entry."""
        name = self.currentData()
        return self._workspace.get(name) if name else None

    def select(self, name: str) -> None:
        """Choose the data set called ``name``."""
        index = self.findData(name)
        if index >= 0:
            self.setCurrentIndex(index)

    def _on_workspace_change(self) -> None:
        current = self.currentData()
        with QSignalBlocker(self):
            self.clear()
            if self._none_label is not None:
                self.addItem(self._none_label, None)
            for dataset in self._workspace.datasets(self._kinds):
                self.addItem(dataset.name, dataset.name)
                self.setItemData(self.count() - 1, dataset.summary, role=3)  # tooltip
            index = self.findData(current)
            self.setCurrentIndex(max(index, 0))
        if self.currentData() != current:
            self.sigDatasetChanged.emit(self.current_dataset())
