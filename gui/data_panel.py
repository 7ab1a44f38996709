"""The data panel: every loaded data set with its kind, frequency and span; a data set read from
a file can be read again another way ("Change how this file is read…", see :mod:`gui.open_preview`)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.workspace import WorkspaceModel

__all__ = ["DataPanel"]

#: Series listed under a data set before the rest is summarized in one row.
MAX_SERIES = 200


class DataPanel(QWidget):
    """Lists the workspace; Open… asks the window to open files, Remove forgets a data set, and
    "Change how this file is read…" asks the window to show how the selected one was read."""

    sigOpenRequested = Signal()
    sigReadAgainRequested = Signal(str)  # the data set's name

    def __init__(self, workspace: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Data set", "Kind", "Contents"])
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()  # columns the user can widen; the panel scrolls sideways if they do
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(50)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        open_button = QPushButton("Open…")
        remove_button = QPushButton("Remove")
        open_button.clicked.connect(self.sigOpenRequested)
        remove_button.clicked.connect(self.remove_selected)
        self.read_again_action = QAction("Change how this file is read…", self)
        self.read_again_action.setToolTip("Show the first rows and the choices the file was read with, to change them")
        self.read_again_action.triggered.connect(self.read_selected_again)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.tree.addAction(self.read_again_action)
        self.tree.itemSelectionChanged.connect(self._on_selection_change)
        read_button = QPushButton("Read as…")
        read_button.setToolTip(self.read_again_action.toolTip())
        read_button.clicked.connect(self.read_again_action.trigger)
        self.read_again_action.enabledChanged.connect(read_button.setEnabled)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(remove_button)
        buttons.addWidget(read_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        workspace.sigChanged.connect(self._on_workspace_change)
        self._on_workspace_change()

    @staticmethod
    def _add_series(parent: QTreeWidgetItem, series: pd.DataFrame) -> None:
        """One child row per series (the first MAX_SERIES): kind, frequency, span, observations."""
        for row in series.head(MAX_SERIES).itertuples(index=False):
            text = f"{row.freq}, {row.start.date()} to {row.end.date()}, {row.n_obs} obs"
            child = QTreeWidgetItem([str(row.series), row.kind, text])
            for column in range(3):
                child.setToolTip(column, child.text(column))
            parent.addChild(child)
        if len(series) > MAX_SERIES:
            parent.addChild(QTreeWidgetItem([f"… {len(series) - MAX_SERIES} more", "", ""]))

    def sizeHint(self) -> QSize:
        """Narrow at start (the window must fit 1024 pixels); the dock can be dragged wider."""
        return QSize(230, super().sizeHint().height())

    def rows(self) -> list[tuple[str, str, str]]:
        """(name, kind, contents) as listed."""
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [(i.text(0), i.text(1), i.text(2)) for i in items]

    def remove_selected(self) -> None:
        """Forget the selected data sets (files on disk are untouched)."""
        for item in self.tree.selectedItems():
            self._workspace.remove(item.data(0, Qt.ItemDataRole.UserRole) or item.text(0))

    def selected_file_dataset(self) -> str | None:
        """The name of the selected data set (or of the one whose series is selected) when it was
        read from a file, else None."""
        item = next(iter(self.tree.selectedItems()), None)
        while item is not None and item.parent() is not None:
            item = item.parent()
        dataset = self._workspace.get(item.text(0)) if item is not None else None
        return dataset.name if dataset is not None and dataset.path and not dataset.simulated else None

    def read_selected_again(self) -> None:
        """Ask to show how the selected data set's file is read (the open preview)."""
        name = self.selected_file_dataset()
        if name is not None:
            self.sigReadAgainRequested.emit(name)

    def _on_selection_change(self) -> None:
        self.read_again_action.setEnabled(self.selected_file_dataset() is not None)

    def _on_workspace_change(self) -> None:
        self.tree.clear()
        for dataset in self._workspace.datasets():
            kind = dataset.kind + (" (simulated)" if dataset.simulated else "")
            item = QTreeWidgetItem([dataset.name, kind, dataset.summary])
            item.setToolTip(0, "\n".join([dataset.path or "generated in memory", *dataset.notes]))
            item.setToolTip(2, dataset.summary)
            self.tree.addTopLevelItem(item)
            if dataset.kind == "returns":
                self._add_series(item, dataset.data.describe())
        for entry, reason in self._workspace.unavailable():  # saved files that could not be opened
            item = QTreeWidgetItem([entry.name, f"{entry.kind or 'file'} (unavailable)", reason])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.key)
            item.setToolTip(0, f"{entry.path}\n{reason}\nRemove forgets it; open the file again once it is back.")
            item.setToolTip(2, reason)
            self.tree.addTopLevelItem(item)
        self._fit_columns()
        self._on_selection_change()

    def _fit_columns(self) -> None:
        """Name and kind columns wide enough to read (capped, so Contents stays in view); the
        user can drag any column wider, and every cell has its full text as a tooltip."""
        for column, cap in ((0, 180), (1, 110)):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, min(self.tree.columnWidth(column), cap))
