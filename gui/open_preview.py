"""The open preview: a file's first rows and the choices its reader would make, for the user to check.

File › Open shows it when the preview (:mod:`analytics.data.readers.preview`) is not sure
how to read a file, and the data panel's "Change how this file is read…" shows it with a data
set's saved choices. The dialog holds the :class:`~analytics.data.readers.preview.Preview`
as its model: each control's change asks the preview for the new choices (``choose``), and
the view follows (``_on_preview_change``), so the columns offered, the highlighted header row
and the remarks are always the preview's. It computes nothing and reads no file: OK hands
the chosen reader and options to the window, which loads the file on the worker pool; it
waits while a question has no proposal (``Preview.unanswered``: reading would only fail).
The dialog is opened with ``open()`` (window-modal, non-blocking) like every dialog here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analytics.data.readers import reader_named
from analytics.data.readers.preview import Choice, Preview

__all__ = ["OpenPreviewDialog"]

#: Choices shown in this order (others, from new readers, after them).
ORDER = (
    "reader",
    "header_row",
    "date_col",
    "id_col",
    "ret_col",
    "weight_col",
    "date",
    "price_col",
    "region",
    "units",
    "factor_units",
    "freq",
)
#: How special values read in the combos.
SHOWN = {None: "(none)", "auto": "automatic"}
#: Characters of a cell shown in the table (the whole text is its tooltip).
CELL_CHARS = 40
HEADER_BRUSH = QBrush(QColor("#cfe3ff"))
ROLE_BRUSH = QBrush(QColor("#eef5e9"))
SKIPPED_BRUSH = QBrush(QColor("#999999"))
#: Columns whose chosen column is tinted in the table, with the word shown in its heading.
ROLES = {"date_col": "dates", "id_col": "ids", "ret_col": "returns", "weight_col": "weights"}


class OpenPreviewDialog(QDialog):
    """The first rows and the reader's choices; ``preview`` is what OK reads the file with."""

    def __init__(self, preview: Preview, parent: QWidget | None = None, *, again: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{'How to read' if again else 'Open'} {preview.source}")
        self._preview = preview
        self._again = again
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.cellDoubleClicked.connect(lambda row, _column: self.set_header_row(row + 1))
        self.table.setToolTip("Double-click a row to read the column names from it.")
        self._rows: dict[str, tuple[QLabel, QWidget, QLabel]] = {}
        box = QGroupBox("How the file is read")
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        self.grid.setColumnMinimumWidth(1, 280)
        self.grid.setVerticalSpacing(4)
        inside = QVBoxLayout(box)
        inside.addLayout(self.grid)
        inside.addStretch(1)
        for name in ORDER:
            self._row(name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Read" if again else "Open")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Cancel" if again else "Skip this file")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 3)
        layout.addWidget(box)
        layout.addWidget(self.buttons)
        self.resize(900, 620)
        self._on_preview_change()

    # --- model ----------------------------------------------------------------------
    @property
    def preview(self) -> Preview:
        """The preview with the user's choices: what OK reads the file with."""
        return self._preview

    def choose(self, **values: Any) -> None:
        """Set choices (``reader=``, ``header_row=``, ``units=``...) as the user would."""
        self._preview = self._preview.choose(**values)
        self._on_preview_change()

    def set_header_row(self, row: int) -> None:
        """Read the column names from file row ``row`` (1-based), when the layout lets the user."""
        choice = next((c for c in self._preview.choices if c.name == "header_row"), None)
        if choice is not None and row in choice.alternatives:
            self.choose(header_row=row)

    def control(self, name: str) -> QWidget:
        """The control of the choice called ``name`` (tests drive it like a user)."""
        return self._rows[name][1]

    def remark(self, name: str) -> str:
        """What the dialog says beside the choice called ``name``."""
        return self._rows[name][2].text()

    # --- view -----------------------------------------------------------------------
    def _row(self, name: str) -> tuple[QLabel, QWidget, QLabel]:
        if name not in self._rows:
            widget: QWidget
            if name == "header_row":
                widget = QSpinBox()
                widget.valueChanged.connect(lambda value: self.set_header_row(value))
            elif name == "date":
                widget = QLineEdit()
                widget.setPlaceholderText("YYYY-MM-DD")
                widget.editingFinished.connect(lambda w=widget: self._on_date_edited(w.text()))
            else:
                widget = QComboBox()
                widget.setMinimumContentsLength(16)
                widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                widget.activated.connect(lambda index, n=name, w=widget: self.choose(**{n: w.itemData(index)}))
            label, remark = QLabel(), QLabel()
            remark.setWordWrap(True)
            at = self.grid.rowCount()
            self.grid.addWidget(label, at, 0)
            self.grid.addWidget(widget, at, 1)
            self.grid.addWidget(remark, at, 2)
            self._rows[name] = (label, widget, remark)
        return self._rows[name]

    def _on_date_edited(self, text: str) -> None:
        if text.strip() != (self._preview.choice("date").value or ""):
            self.choose(date=text.strip() or None)

    def _on_preview_change(self) -> None:
        preview = self._preview
        self._show_intro(preview)
        shown = {c.name: c for c in preview.choices}
        for name in dict.fromkeys([*ORDER, *shown]):
            label, widget, remark = self._row(name)
            choice = shown.get(name)
            for part in (label, widget, remark):
                part.setVisible(choice is not None)
            if choice is not None:
                self._show_choice(choice, label, widget, remark)
        self._show_rows(preview)
        unanswered = preview.unanswered()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not unanswered)
        ok.setToolTip(f"Choose first: {', '.join(unanswered)}" if unanswered else "")

    def _show_intro(self, preview: Preview) -> None:
        questions = preview.questions()
        if self._again:
            text = f"How <b>{preview.source}</b> is read. Change the choices; <b>Read</b> reads it again that way."
        elif questions:
            text = (
                f"FactorDesk is not sure how to read <b>{preview.source}</b>. Check the choices marked "
                "<b>?</b> below (double-click a row to take the column names from it), then <b>Open</b>."
            )
        else:
            text = f"<b>{preview.source}</b> will be read with these choices."
        self.intro.setText(text)

    def _show_choice(self, choice: Choice, label: QLabel, widget: QWidget, remark: QLabel) -> None:
        label.setText(f"{choice.label}{'' if choice.certain else ' ?'}")
        font = label.font()
        font.setBold(not choice.certain)
        label.setFont(font)
        remark.setText(choice.reason)
        remark.setStyleSheet("color: #555;" if choice.certain else "color: #8a4b00; font-weight: bold;")
        widget.setToolTip(choice.reason)
        widget.blockSignals(True)
        try:
            if isinstance(widget, QSpinBox):
                widget.setRange(1, max(1, len(self._preview.rows)))
                widget.setValue(int(choice.value or 1))
                widget.setEnabled(bool(choice.alternatives))
            elif isinstance(widget, QLineEdit):  # the as-of date: for files that give none
                widget.setText(choice.value or "")
                widget.setEnabled(choice.chosen or not choice.certain)
            elif isinstance(widget, QComboBox):
                self._fill(widget, choice)
        finally:
            widget.blockSignals(False)

    def _fill(self, combo: QComboBox, choice: Choice) -> None:
        combo.clear()
        values = choice.alternatives if choice.value in choice.alternatives else (choice.value, *choice.alternatives)
        for value in values:
            combo.addItem(self._text(choice.name, value), value)
        combo.setCurrentIndex(max(0, values.index(choice.value) if choice.value in values else 0))
        combo.setEnabled(len(values) > 1)

    @staticmethod
    def _text(name: str, value: Any) -> str:
        if name == "reader":
            reader = reader_named(value)
            return f"{reader.label} ({reader.kind})"
        text = SHOWN.get(value, str(value)) if value is None or isinstance(value, str) else str(value)
        return text if len(text) <= 60 else text[:59] + "…"

    def _show_rows(self, preview: Preview) -> None:
        """The first rows: the header row highlighted, rows above it grey, chosen columns tinted."""
        rows, header = preview.rows, preview.header
        width = max((len(r) for r in rows), default=0)
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(width)
        self.table.setVerticalHeaderLabels([str(i + 1) for i in range(len(rows))])
        roles = self._role_columns(preview, header)
        self.table.setHorizontalHeaderLabels(
            [_letters(j) + (f" · {roles[j]}" if j in roles else "") for j in range(width)]
        )
        bold = QFont(self.table.font())
        bold.setBold(True)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                item = QTableWidgetItem(cell if len(cell) <= CELL_CHARS else cell[: CELL_CHARS - 1] + "…")
                item.setToolTip(cell)
                if header is not None and i == header:
                    item.setBackground(HEADER_BRUSH)
                    item.setFont(bold)
                elif header is not None and i < header:
                    item.setForeground(SKIPPED_BRUSH)
                elif j in roles:
                    item.setBackground(ROLE_BRUSH)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        for j in range(width):
            self.table.setColumnWidth(j, min(self.table.columnWidth(j), 220))
        self.table.setCurrentCell(-1, -1)
        first = self.table.item(header, 0) if header is not None else None
        if first is not None:
            self.table.scrollToItem(first)

    @staticmethod
    def _role_columns(preview: Preview, header: int | None) -> dict[int, str]:
        """Table columns holding a chosen column (dates, ids, returns, weights), by position."""
        if header is None or header >= len(preview.rows):
            return {}
        cells = [c.strip() for c in preview.rows[header]]
        found = {}
        for choice in preview.choices:
            if choice.name in ROLES and choice.value in cells:
                found[cells.index(choice.value)] = ROLES[choice.name]
        return found


def _letters(j: int) -> str:
    """Spreadsheet column letters: A, B, ..., Z, AA, ..."""
    text = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        text = chr(65 + rest) + text
    return text
