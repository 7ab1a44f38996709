"""A sortable, copyable table view of a pandas DataFrame.

Sorting uses the cell's value, not its text (so -0.5 sorts below 0.1), and Ctrl+C copies
the selected cells with their column headers as tab-separated text, ready to paste into a
spreadsheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

__all__ = ["DataFrameModel", "DataFrameView", "format_cell"]

SORT_ROLE = Qt.ItemDataRole.UserRole


def format_cell(value: object) -> str:
    """Numbers with four decimals (large ones with separators), dates as ISO, NaN blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.0f}" if abs(value) >= 1e5 else f"{value:.4f}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


class DataFrameModel(QAbstractTableModel):
    """Read-only model over a DataFrame (its index is not shown; reset_index first)."""

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        super().__init__()
        self._frame = frame if frame is not None else pd.DataFrame()

    @property
    def frame(self) -> pd.DataFrame:
        """The DataFrame shown."""
        return self._frame

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Show another DataFrame."""
        self.beginResetModel()
        self._frame = frame
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else self._frame.shape[1]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = self._frame.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(value)
        if role == SORT_ROLE:
            if isinstance(value, (int, float, np.integer, np.floating)):
                return float(value) if not np.isnan(value) else float("-inf")
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float, np.number)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return repr(value)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self._frame.columns[section])
        return str(section + 1)


class DataFrameView(QTableView):
    """Sortable table with copy to clipboard; ``set_frame`` to show data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = DataFrameModel()
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setSortRole(SORT_ROLE)
        self.setModel(self._proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the frame's own order until a click
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.horizontalHeader().setStretchLastSection(False)
        self.verticalHeader().setDefaultSectionSize(22)

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Show ``frame`` (its index is not shown)."""
        self._model.set_frame(frame)
        self.resizeColumnsToContents()

    def frame(self) -> pd.DataFrame:
        """The DataFrame shown (unsorted)."""
        return self._model.frame

    def copy_selection(self) -> str:
        """Copy the selected cells (with headers) to the clipboard as TSV; returns the text."""
        indexes = sorted(self.selectedIndexes(), key=lambda i: (i.row(), i.column()))
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        cells = {(i.row(), i.column()): self._proxy.data(i) for i in indexes}
        header = "\t".join(str(self._proxy.headerData(c, Qt.Orientation.Horizontal)) for c in cols)
        lines = [header] + ["\t".join(cells.get((r, c), "") for c in cols) for r in rows]
        text = "\n".join(lines)
        QGuiApplication.clipboard().setText(text)
        return text

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)
