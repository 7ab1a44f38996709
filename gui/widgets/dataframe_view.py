"""A sortable, copyable table view of a pandas DataFrame that says what its numbers are.

Sorting uses the cell's value, not its text (so -0.5 sorts below 0.1). Headers carry units
and tooltips from :mod:`gui.units` ("alpha (ann.)", "premium (per month)") and follow the
View › percent toggle; cells are rounded for reading while copies (Ctrl+C, right-click)
and CSV saves keep the full-precision decimals under the table's own column names, like
the exports. The first column (the fund, stock or date a row is about) stays in view while
scrolling sideways. An empty table says why it is empty (see :meth:`show_empty_reason`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSignalBlocker, QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QHeaderView, QMenu, QMessageBox, QTableView, QWidget

from analytics.data.export import export_tables
from analytics.errors import InputError
from gui.units import column_label, column_tooltip, describe, display_units, format_value
from gui.widgets.placeholder import EmptyState, EmptyText

__all__ = ["DataFrameModel", "DataFrameView", "full_precision"]

SORT_ROLE = Qt.ItemDataRole.UserRole
_ROOT = QModelIndex()  # the invisible root: what Qt passes as "no parent"


def full_precision(value: object) -> str:
    """A value as copied or exported: every digit of a float, ISO dates, NaN blank."""
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


class DataFrameModel(QAbstractTableModel):
    """Read-only model over a DataFrame (its index is not shown; reset_index first).

    ``kinds`` override a column's kind of value (see :class:`gui.units.Column`), and
    ``periods_per_year`` says what "per period" means, for labels and tooltips.
    """

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        super().__init__()
        self._frame = frame if frame is not None else pd.DataFrame()
        self._kinds: dict[str, str] = {}
        self._periods_per_year: float | None = None
        self._percent = display_units().percent
        display_units().sigChanged.connect(self._on_percent_change)

    @property
    def frame(self) -> pd.DataFrame:
        """The DataFrame shown."""
        return self._frame

    def set_frame(self, frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> None:
        """Show another DataFrame; ``kinds`` name the kind of value of columns the names do not tell."""
        self.beginResetModel()
        self._frame = frame
        self._kinds = dict(kinds or {})
        self.endResetModel()

    def set_periods_per_year(self, periods: float | None) -> None:
        """What per-period columns are per (12: month, 252: day)."""
        self._periods_per_year = periods
        self._refresh_headers()

    def _on_percent_change(self, percent: bool) -> None:
        self._percent = percent
        self._refresh_headers()
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def _refresh_headers(self) -> None:
        if self.columnCount():
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    def kind(self, column: int) -> str | None:
        """The override kind of ``column``, if any."""
        return self._kinds.get(str(self._frame.columns[column]))

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._frame.shape[1]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = self._frame.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = str(self._frame.columns[index.column()])
            return format_value(value, describe(name, self.kind(index.column())).kind, percent=self._percent)
        if role == SORT_ROLE:
            if isinstance(value, (int, float, np.integer, np.floating)):
                return float(value) if not np.isnan(value) else float("-inf")
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float, np.number)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return full_precision(value)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        name = str(self._frame.columns[section])
        if role == Qt.ItemDataRole.DisplayRole:
            return column_label(
                name, self.kind(section), periods_per_year=self._periods_per_year, percent=self._percent
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return column_tooltip(name, self.kind(section), periods_per_year=self._periods_per_year)
        return None


class DataFrameView(EmptyState, QTableView):
    """Sortable table with units in its headers, a frozen first column and full-precision copy."""

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
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setStretchLastSection(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.empty = EmptyText()
        self._frozen = self._make_frozen_column()

    # --- the frozen first column (Qt's "frozen column" recipe) -----------------------
    def _make_frozen_column(self) -> QTableView:
        frozen = QTableView(self)
        frozen.setModel(self._proxy)
        frozen.setSelectionModel(self.selectionModel())
        frozen.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        frozen.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # the table's own menu applies
        frozen.verticalHeader().hide()
        frozen.verticalHeader().setDefaultSectionSize(22)
        frozen.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        frozen.horizontalHeader().setSortIndicatorShown(True)
        frozen.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # unsorted, like the table
        frozen.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frozen.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frozen.setAlternatingRowColors(True)
        frozen.setStyleSheet("QTableView { border: none; border-right: 1px solid #999; }")
        self.viewport().stackUnder(frozen)
        self.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self.verticalHeader().sectionResized.connect(lambda row, _old, size: frozen.setRowHeight(row, size))
        frozen.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(frozen.verticalScrollBar().setValue)
        frozen.horizontalHeader().sortIndicatorChanged.connect(self.sortByColumn)
        self.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_changed)
        return frozen

    def _on_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        with QSignalBlocker(self._frozen.horizontalHeader()):
            self._frozen.horizontalHeader().setSortIndicator(column, order)

    def _on_section_resized(self, column: int, _old: int, size: int) -> None:
        if column == 0:
            self._frozen.setColumnWidth(0, size)
            self._place_frozen()

    def _refresh_frozen(self) -> None:
        """Show only the first column in the frozen view; hide it when there is nothing to freeze."""
        columns = self._proxy.columnCount()
        for column in range(columns):
            self._frozen.setColumnHidden(column, column != 0)
        self._frozen.setColumnWidth(0, self.columnWidth(0))
        self._frozen.setVisible(columns > 1 and self._proxy.rowCount() > 0)
        self._place_frozen()

    def _place_frozen(self) -> None:
        frame = self.frameWidth()
        self._frozen.setGeometry(
            self.verticalHeader().width() + frame,
            frame,
            self.columnWidth(0),
            self.viewport().height() + self.horizontalHeader().height(),
        )

    def frozen_column(self) -> QTableView:
        """The view that keeps the first column in place (tests check what it shows)."""
        return self._frozen

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_frozen()

    def moveCursor(self, action, modifiers):
        """Keyboard moves never leave the current cell hidden under the frozen column."""
        current = super().moveCursor(action, modifiers)
        if action == QAbstractItemView.CursorAction.MoveLeft and current.column() > 0:
            visual = self.visualRect(current).topLeft().x()
            if visual < self._frozen.columnWidth(0):
                bar = self.horizontalScrollBar()
                bar.setValue(bar.value() + visual - self._frozen.columnWidth(0))
        return current

    # --- content ----------------------------------------------------------------------
    def set_frame(self, frame: pd.DataFrame, *, kinds: dict[str, str] | None = None) -> None:
        """Show ``frame`` (its index is not shown); ``kinds`` say what columns hold when their
        names do not tell (e.g. characteristic returns per period)."""
        self._model.set_frame(frame, kinds)
        self.resizeColumnsToContents()
        self._refresh_frozen()
        self.viewport().update()

    def set_periods_per_year(self, periods: float | None) -> None:
        """What the per-period columns' labels say (12: 'per month', 252: 'per day')."""
        self._model.set_periods_per_year(periods)

    def frame(self) -> pd.DataFrame:
        """The DataFrame shown (unsorted)."""
        return self._model.frame

    def header_labels(self) -> list[str]:
        """The column headers as shown (with units)."""
        return [str(self._proxy.headerData(c, Qt.Orientation.Horizontal)) for c in range(self._proxy.columnCount())]

    def is_empty(self) -> bool:
        """Whether the table has no rows."""
        return self._proxy.rowCount() == 0

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        self.paint_empty()

    # --- copy and save ------------------------------------------------------------------
    def _text(self, rows: list[int], cols: list[int], cells: set[tuple[int, int]] | None = None) -> str:
        """Rows × columns (view order) as TSV under the table's column names, full precision."""
        frame = self._model.frame

        def cell(r: int, c: int) -> str:
            if cells is not None and (r, c) not in cells:
                return ""
            source = self._proxy.mapToSource(self._proxy.index(r, c))
            return full_precision(frame.iat[source.row(), source.column()])

        header = "\t".join(str(frame.columns[c]) for c in cols)
        return "\n".join([header, *("\t".join(cell(r, c) for c in cols) for r in rows)])

    def copy_selection(self) -> str:
        """Copy the selected cells (with column names) to the clipboard as TSV, every digit kept;
        returns the text."""
        indexes = self.selectedIndexes()
        if not indexes:
            return ""
        cells = {(i.row(), i.column()) for i in indexes}
        text = self._text(sorted({r for r, _ in cells}), sorted({c for _, c in cells}), cells)
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_all(self) -> str:
        """Copy the whole table (as sorted on screen) to the clipboard; returns the text."""
        text = self._text(list(range(self._proxy.rowCount())), list(range(self._proxy.columnCount())))
        QGuiApplication.clipboard().setText(text)
        return text

    def save_csv(self, path: str) -> None:
        """Write the table (full precision, as sorted on screen) to ``path`` atomically."""
        rows = [self._proxy.mapToSource(self._proxy.index(r, 0)).row() for r in range(self._proxy.rowCount())]
        export_tables({"table": self._model.frame.iloc[rows]}, path, main="table")

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save table as CSV", "", "CSV (*.csv)")
        if path:
            self._guarded(lambda: self.save_csv(path))

    def _guarded(self, action) -> None:
        """Run a save; a bad folder becomes a message, as everywhere in the app."""
        try:
            action()
        except InputError as exc:
            QMessageBox(QMessageBox.Icon.Warning, "Cannot save", str(exc), parent=self).open()

    def context_menu(self) -> QMenu:
        """The right-click menu: copy (selection or all, full precision) and save as CSV."""
        menu = QMenu(self)
        copy = menu.addAction("Copy (full precision)", self.copy_selection)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setEnabled(bool(self.selectedIndexes()))
        menu.addAction("Copy whole table", self.copy_all).setEnabled(not self.is_empty())
        menu.addSeparator()
        menu.addAction("Save table as CSV…", self._save_dialog).setEnabled(not self.is_empty())
        return menu

    def contextMenuEvent(self, event) -> None:
        self.context_menu().exec(event.globalPos())

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)
