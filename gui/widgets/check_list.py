"""A tick list for many names: funds, stocks, characteristics.

Thousands of CRSP permnos must stay usable: a search box (id, ticker or name), All / None /
Invert on the rows shown, "at least N observations" when the caller gives counts, and ids
shown with their ticker and name where a mapping is known. The model keeps names, labels,
counts and ticks in numpy arrays and filters with vectorised string search, so filtering
4,000 names takes milliseconds. Space ticks or unticks every selected row at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["CheckList", "NameListModel"]

#: Lists shorter than this need no search box.
SEARCH_FROM = 8
_ROOT = QModelIndex()  # the invisible root: what Qt passes as "no parent"


class NameListModel(QAbstractListModel):
    """Names with a tick each; only the rows passing the search and the minimum count are shown."""

    sigTicksChanged = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.names = np.empty(0, dtype=object)
        self.texts = np.empty(0, dtype=object)
        self.counts: np.ndarray | None = None
        self.ticked = np.empty(0, dtype=bool)
        self._search = np.empty(0, dtype=str)
        self._shown = np.empty(0, dtype=np.intp)
        self._query = ""
        self.min_count = 0

    def set_names(self, names: Iterable[object], counts: Iterable[int] | None, labels: Mapping[str, str]) -> None:
        """Replace the names (all ticked)."""
        self.names = np.array([str(n) for n in names], dtype=object)
        self.counts = None if counts is None else np.asarray(list(counts), dtype=np.int64)
        self.ticked = np.ones(len(self.names), dtype=bool)
        self.set_labels(labels)

    def set_labels(self, labels: Mapping[str, str]) -> None:
        """Show ``id  label`` where ``labels`` knows the id (e.g. ``14593  AAPL · Apple Inc``)."""
        texts = [f"{n}  {labels[n]}" if n in labels else n for n in self.names]
        self.texts = np.array(texts, dtype=object)
        self._search = np.char.lower(np.array(texts, dtype=str)) if texts else np.empty(0, dtype=str)
        self.refilter()

    def set_query(self, text: str) -> None:
        """Show the names whose id, ticker or name contains ``text`` (any case)."""
        self._query = text.strip().lower()
        self.refilter()

    def set_min_count(self, n: int) -> None:
        """Keep only names with at least ``n`` observations (when counts are known)."""
        self.min_count = n
        self.refilter()
        self.sigTicksChanged.emit()

    def eligible(self) -> np.ndarray:
        """Names that meet the minimum count (what a run may use)."""
        if self.counts is None or self.min_count <= 0:
            return np.ones(len(self.names), dtype=bool)
        return self.counts >= self.min_count

    def refilter(self) -> None:
        keep = self.eligible()
        if self._query:
            keep &= np.char.find(self._search, self._query) >= 0
        self.beginResetModel()
        self._shown = np.flatnonzero(keep)
        self.endResetModel()

    def shown(self) -> np.ndarray:
        """Positions (into ``names``) of the rows shown, in order."""
        return self._shown

    def tick(self, positions: np.ndarray, state: bool | None) -> None:
        """Tick (True), untick (False) or invert (None) the names at ``positions``."""
        self.ticked[positions] = ~self.ticked[positions] if state is None else state
        if len(self._shown):
            self.dataChanged.emit(self.index(0), self.index(len(self._shown) - 1), [Qt.ItemDataRole.CheckStateRole])
        self.sigTicksChanged.emit()

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        i = self._shown[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts[i]
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if self.ticked[i] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and self.counts is not None:
            return f"{self.texts[i]}: {self.counts[i]:,} observations"
        return None

    def setData(self, index: QModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        self.ticked[self._shown[index.row()]] = checked
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.sigTicksChanged.emit()
        return True

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable


class _ListView(QListView):
    """Space ticks or unticks every selected row (the current row's new state decides)."""

    def keyPressEvent(self, event) -> None:
        rows = sorted(i.row() for i in self.selectedIndexes())
        if event.key() == Qt.Key.Key_Space and len(rows) > 1:
            model: NameListModel = self.model()
            positions = model.shown()[rows]
            model.tick(positions, not bool(model.ticked[positions].all()))
            return
        super().keyPressEvent(event)


class CheckList(QWidget):
    """Names with tick boxes, a search box, All / None / Invert and a minimum-observations filter."""

    sigChanged = Signal()  # the ticked set changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = NameListModel()
        self.view = _ListView()
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformItemSizes(True)
        self.view.setMinimumHeight(90)
        self.view.setMaximumHeight(220)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search id, ticker or name…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Show only the names containing this text; ticks of hidden names are kept.")
        self.min_obs = QSpinBox()
        self.min_obs.setRange(0, 1_000_000)
        self.min_obs.setSpecialValueText("any number of obs")
        self.min_obs.setPrefix("at least ")
        self.min_obs.setSuffix(" obs")
        self.min_obs.setToolTip("Only those with at least this many observations take part in the run.")
        self.summary = QLabel()
        self.summary.setStyleSheet("color: #555;")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for text, state, tip in (
            ("All", True, "Tick every name shown"),
            ("None", False, "Untick every name shown"),
            ("Invert", None, "Swap ticks of the names shown"),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, s=state: self.tick_shown(s))
            buttons.addWidget(button)
        buttons.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.search)
        layout.addLayout(buttons)
        layout.addWidget(self.min_obs)
        layout.addWidget(self.view)
        self.search.textChanged.connect(self.model.set_query)
        self.min_obs.valueChanged.connect(self.model.set_min_count)
        self.model.sigTicksChanged.connect(self._on_ticks_change)
        self.model.modelReset.connect(self._on_ticks_change)
        self._labels: dict[str, str] = {}
        self.set_names([])

    def set_names(
        self, names: Iterable[object], counts: Iterable[int] | None = None, labels: Mapping[str, str] | None = None
    ) -> None:
        """Replace the list with ``names``, all ticked; ``counts`` (observations per name) enable
        the minimum filter; ``labels`` (id → 'TICKER · Name') are shown beside the ids."""
        if labels is not None:
            self._labels = dict(labels)
        self.model.set_names(names, counts, self._labels)
        self.search.setVisible(len(self.model.names) >= SEARCH_FROM)
        self.min_obs.setVisible(self.model.counts is not None)
        if self.model.counts is not None and len(self.model.counts):
            self.min_obs.setMaximum(int(self.model.counts.max()))

    def set_labels(self, labels: Mapping[str, str]) -> None:
        """Show tickers and names beside the ids they map (a names table from WRDS or a file)."""
        self._labels = dict(labels)
        self.model.set_labels(self._labels)

    def set_filter(self, text: str) -> None:
        """Type ``text`` in the search box."""
        self.search.setText(text)

    def tick_shown(self, state: bool | None) -> None:
        """Tick (True), untick (False) or invert (None) the names shown."""
        self.model.tick(self.model.shown(), state)

    def set_all_checked(self, checked: bool) -> None:
        """Tick or untick every name, shown or not."""
        self.model.tick(np.arange(len(self.model.names)), checked)

    def set_checked(self, names: Iterable[str]) -> None:
        """Tick exactly ``names`` (the others are unticked)."""
        wanted = {str(n) for n in names}
        self.model.ticked[:] = [n in wanted for n in self.model.names]
        self.model.tick(np.empty(0, dtype=np.intp), True)  # announce the change once

    def checked(self) -> list[str]:
        """The ticked names that meet the minimum count, in list order."""
        return list(self.model.names[self.model.ticked & self.model.eligible()])

    def shown(self) -> list[str]:
        """The names shown (after search and the minimum count)."""
        return list(self.model.names[self.model.shown()])

    def count(self) -> int:
        """How many names the list holds."""
        return len(self.model.names)

    def _on_ticks_change(self) -> None:
        total = len(self.model.names)
        ticked = len(self.checked())
        shown = len(self.model.shown())
        text = f"{ticked:,} of {total:,} ticked"
        if shown != total:
            text += f", {shown:,} shown"
        self.summary.setText(text)
        self.sigChanged.emit()
