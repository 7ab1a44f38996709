"""A list of loaded data sets of given kinds, each with a tick box, that follows the workspace.

Where one choice is not enough: several factor sources joined on date (the Ken French
three-factor file and AQR's BAB workbook, say). Ticks survive reloads of the workspace.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from analytics.data.dataset import Dataset
from gui.workspace import WorkspaceModel

__all__ = ["DatasetList"]


class DatasetList(QListWidget):
    """The workspace's data sets of ``kinds``; the ticked ones are :meth:`checked_datasets`."""

    sigChanged = Signal()

    def __init__(self, workspace: WorkspaceModel, kinds: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._kinds = kinds
        self.setMinimumHeight(56)
        self.setMaximumHeight(110)
        self.itemChanged.connect(lambda _item: self.sigChanged.emit())
        workspace.sigChanged.connect(self._on_workspace_change)
        self._on_workspace_change()

    def checked_datasets(self) -> list[Dataset]:
        """The ticked data sets, in list order."""
        names = [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]
        ticked = [n for i, n in enumerate(names) if self.item(i).checkState() == Qt.CheckState.Checked]
        return [d for d in (self._workspace.get(n) for n in ticked) if d is not None]

    def set_checked(self, names: list[str]) -> None:
        """Tick exactly the data sets called ``names``."""
        for i in range(self.count()):
            item = self.item(i)
            ticked = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def _on_workspace_change(self) -> None:
        ticked = {d.name for d in self.checked_datasets()}
        with QSignalBlocker(self):
            self.clear()
            for dataset in self._workspace.datasets(self._kinds):
                item = QListWidgetItem(dataset.name)
                item.setData(Qt.ItemDataRole.UserRole, dataset.name)
                item.setToolTip(dataset.summary)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if dataset.name in ticked else Qt.CheckState.Unchecked)
                self.addItem(item)
        self.sigChanged.emit()
