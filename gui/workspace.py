"""The workspace model: the data sets the user has loaded, shared by every tab.

A thin Qt wrapper around :class:`analytics.workspace.Dataset` objects so that views can
react to changes (``sigChanged``); it holds data, never computes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from analytics.workspace import Dataset

__all__ = ["WorkspaceModel"]


class WorkspaceModel(QObject):
    """Loaded data sets by name, in load order."""

    sigChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._datasets: dict[str, Dataset] = {}

    def datasets(self, kinds: tuple[str, ...] | None = None) -> list[Dataset]:
        """All data sets, or those of the given kinds."""
        return [d for d in self._datasets.values() if kinds is None or d.kind in kinds]

    def get(self, name: str) -> Dataset | None:
        """The data set called ``name``, if loaded."""
        return self._datasets.get(name)

    def add(self, dataset: Dataset) -> None:
        """Add a data set (a reload of the same name replaces it)."""
        self._datasets[dataset.name] = dataset
        self.sigChanged.emit()

    def add_many(self, datasets: list[Dataset]) -> None:
        """Add several data sets with one change notification."""
        for dataset in datasets:
            self._datasets[dataset.name] = dataset
        self.sigChanged.emit()

    def remove(self, name: str) -> None:
        """Forget a data set (the file on disk is untouched)."""
        if self._datasets.pop(name, None) is not None:
            self.sigChanged.emit()

    @property
    def paths(self) -> list[str]:
        """Files behind the loaded data sets, to reopen them next time."""
        return [d.path for d in self._datasets.values() if d.path]
