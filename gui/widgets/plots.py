"""pyqtgraph plots that never show a stale or unreadable number.

Plot items are created once and updated with ``setData`` (pyqtgraph's fast path); long
daily series are clipped to the view and peak-downsampled. Every plot shows a read-out of
the values under the mouse (``sigHovered`` carries the same text), cleared whenever the
data change and when the mouse leaves, so a number on screen always belongs to the data
drawn. The legend sits below the axes, outside the data; the value axis says its units and
rounds its ticks (a flat line at 1 reads "1", not "1.0000000000000002"); returns follow the
View › percent toggle. Right-click offers what a user wants (copy or save the image, export
the data as CSV, reset the zoom) instead of pyqtgraph's technical menu. Public getters
return the plotted data, so tests check what is drawn without reading pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFontMetrics, QGuiApplication, QPainter
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QSizePolicy, QWidget

from analytics.data.export import export_tables
from analytics.data.paths import atomic_write
from analytics.errors import InputError
from gui.units import PERCENT_KINDS, display_units, format_value
from gui.widgets.placeholder import EmptyState, EmptyText

__all__ = ["PALETTE", "BarPlot", "Plot", "TimeSeriesPlot", "ValueAxis", "to_epoch"]

pg.setConfigOptions(antialias=True, background="w", foreground="#333")

#: Distinguishable colours (Tableau 10), used in order for series and factors.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")

#: The kind of value behind the value-axis labels the tabs use (for units and percent).
_LABEL_KINDS = {"sum of returns": "return", "return": "return", "share": "share", "beta": "beta"}
#: Decimal places a tick label never exceeds (float noise lives beyond them).
MAX_TICK_PLACES = 8


def to_epoch(index: pd.Index) -> np.ndarray:
    """Dates as seconds since 1970 (what pyqtgraph's DateAxisItem reads)."""
    return pd.DatetimeIndex(index).asi8 / 1e9


class ValueAxis(pg.AxisItem):
    """A value axis with ticks rounded to their spacing, in percent when asked."""

    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)
        self.percent = False

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        factor = 100.0 if self.percent else 1.0
        step = abs(spacing * scale * factor)
        places = min(MAX_TICK_PLACES, max(0, math.ceil(-math.log10(step)))) if step > 0 else 0
        suffix = "%" if self.percent else ""
        return [f"{round(v * scale * factor, places) + 0.0:.{places}f}{suffix}" for v in values]


class Plot(EmptyState, pg.PlotWidget):
    """A plot with a title, a grid, units on its value axis and a read-out under the mouse."""

    sigHovered = Signal(str)

    def __init__(
        self,
        title: str,
        y_label: str = "",
        *,
        axis_items: dict | None = None,
        kind: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        self.value_axis = ValueAxis("left")
        super().__init__(parent=parent, axisItems={"left": self.value_axis, **(axis_items or {})})
        item = self.getPlotItem()
        self._title = title
        item.setTitle(title, size="11pt")
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setMenuEnabled(False)  # our own menu (contextMenuEvent) replaces pyqtgraph's
        self.kind = kind or _LABEL_KINDS.get(y_label, "plain")
        self._y_label = y_label
        self.setMinimumHeight(150)
        self._readout = pg.TextItem(anchor=(0, 0), color="#222", fill=pg.mkBrush(255, 255, 255, 220))
        self._readout.setZValue(100)
        self._readout.hide()
        item.addItem(self._readout, ignoreBounds=True)
        self.empty = EmptyText()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        display_units().sigChanged.connect(self._on_percent_change)
        self._on_percent_change(display_units().percent)

    @property
    def percent(self) -> bool:
        """Whether this plot shows its values in percent (returns and shares, toggle on)."""
        return self.kind in PERCENT_KINDS and display_units().percent

    def _open(self) -> bool:
        """False while pyqtgraph builds the plot and once it is closed (events still arrive then)."""
        return not getattr(self, "closed", True) and getattr(self, "plotItem", None) is not None

    def _on_percent_change(self, _percent: bool) -> None:
        if not self._open():
            return
        self.value_axis.percent = self.percent
        if self._y_label:
            units = {"return": "%" if self.percent else "decimal", "share": "%" if self.percent else "decimal"}
            unit = units.get(self.kind)
            self.getPlotItem().setLabel("left", f"{self._y_label} ({unit})" if unit else self._y_label)
        self.value_axis.picture = None  # re-draw the tick labels
        self.value_axis.update()
        self.clear_readout()

    def setTitle(self, title: str, **_args) -> None:
        """Change the title (it wraps onto two lines when the plot is narrow)."""
        self._title = title
        self._fit_title()

    def _fit_title(self) -> None:
        """The title on one line, or broken at the space nearest its middle when it does not fit."""
        title = getattr(self, "_title", "")  # pyqtgraph resizes before our __init__ has run
        if not title or not self._open():
            return
        item = self.getPlotItem()
        font = item.titleLabel.item.font()
        font.setPointSize(11)
        if QFontMetrics(font).horizontalAdvance(title) > self.width() - 60 and " " in title:
            middle = len(title) // 2
            cut = min((i for i, c in enumerate(title) if c == " "), key=lambda i: abs(i - middle))
            title = f"{title[:cut]}<br>{title[cut + 1 :]}"
        item.setTitle(title, size="11pt")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_title()

    def axis_label(self) -> str:
        """The value axis's label as shown (with its units)."""
        return self.value_axis.labelText

    def fmt(self, value: float) -> str:
        """A value as the read-out shows it (units of this plot, percent toggle)."""
        return format_value(value, self.kind, percent=self.percent)

    # --- read-out -----------------------------------------------------------------------
    def readout_text(self) -> str:
        """The read-out currently shown ('' when hidden)."""
        return self._readout.toPlainText() if self._readout.isVisible() else ""

    def clear_readout(self) -> None:
        """Hide the read-out (and any cursor line): the data changed or the mouse left."""
        self._readout.hide()

    def hover_at(self, x: float, y: float) -> str:
        """Show the read-out for data coordinates (x, y); returns its text (tests call this too)."""
        text = self._describe(x, y)
        if not text:
            self.clear_readout()
            return ""
        (left, right), (_bottom, top) = self.getPlotItem().vb.viewRange()
        self._readout.setText(text)
        on_left = x < (left + right) / 2  # the read-out sits in the top corner away from the mouse
        self._readout.setAnchor((1, 0) if on_left else (0, 0))
        self._readout.setPos(right if on_left else left, top)
        self._readout.show()
        self.sigHovered.emit(text)
        return text

    def _describe(self, x: float, y: float) -> str:
        """Subclasses: the read-out text at data coordinates, or '' for none."""
        raise NotImplementedError

    def _on_mouse_moved(self, pos: QPointF) -> None:
        if not self.getPlotItem().vb.sceneBoundingRect().contains(pos):
            self.clear_readout()
            return
        point = self.getPlotItem().vb.mapSceneToView(pos)
        self.hover_at(point.x(), point.y())

    def leaveEvent(self, event) -> None:
        self.clear_readout()
        super().leaveEvent(event)

    def _data_changed(self, values: np.ndarray) -> None:
        """After new data: no read-out of the old data, the view fits, flat lines stay readable."""
        self.clear_readout()
        finite = np.abs(values[np.isfinite(values)])
        peak = float(finite.max()) if finite.size else 0.0
        self.getPlotItem().vb.setLimits(minYRange=max(1e-6, 0.02 * peak))
        self.getPlotItem().enableAutoRange()
        self.viewport().update()

    # --- empty state ----------------------------------------------------------------------
    def is_empty(self) -> bool:
        """Whether nothing is plotted."""
        return self.data_frame().empty

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._open():
            self.paint_empty()

    # --- data and the right-click menu ------------------------------------------------------
    def data_frame(self) -> pd.DataFrame:
        """What is drawn, as a table (what 'Export data as CSV' writes)."""
        raise NotImplementedError

    def export_csv(self, path: str | Path) -> Path:
        """Write the plotted data to ``path`` (full precision, atomically)."""
        frame = self.data_frame()
        if isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.rename_axis("date").reset_index()
        return export_tables({"data": frame}, path, main="data")

    def save_image(self, path: str | Path) -> Path:
        """Save the plot as PNG, or SVG when ``path`` ends in .svg (atomically)."""
        path = Path(path)
        if path.suffix.lower() == ".svg":
            return atomic_write(path, self._write_svg)

        def write_png(tmp: Path) -> None:
            if not self.grab().save(str(tmp), "PNG"):
                raise InputError(f"{path.name}: the image could not be written; choose another folder.")

        return atomic_write(path, write_png)

    def _write_svg(self, tmp: Path) -> None:
        """Draw the plot as vectors (Qt's SVG generator; pyqtgraph's exporter breaks on Qt 6 paths)."""
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(str(tmp))
        generator.setSize(self.size())
        generator.setViewBox(self.rect())
        generator.setTitle(self._title)
        painter = QPainter(generator)
        self.render(painter)
        painter.end()

    def copy_image(self) -> None:
        """Put the plot on the clipboard as an image."""
        QGuiApplication.clipboard().setPixmap(self.grab())

    def reset_zoom(self) -> None:
        """Fit the view to the data again."""
        self.getPlotItem().enableAutoRange()

    def context_menu(self) -> QMenu:
        """The right-click menu in the user's terms."""
        menu = QMenu(self)
        menu.addAction("Copy image", self.copy_image)
        menu.addAction("Save image as PNG…", lambda: self._ask_path("Save image", "PNG image (*.png)", self.save_image))
        menu.addAction("Save image as SVG…", lambda: self._ask_path("Save image", "SVG image (*.svg)", self.save_image))
        export = menu.addAction(
            "Export data as CSV…", lambda: self._ask_path("Export data", "CSV (*.csv)", self.export_csv)
        )
        export.setEnabled(not self.is_empty())
        menu.addSeparator()
        menu.addAction("Reset zoom", self.reset_zoom)
        return menu

    def _ask_path(self, title: str, filter_: str, save: Callable[[str], Path]) -> None:
        path, _ = QFileDialog.getSaveFileName(self, title, "", filter_)
        if not path:
            return
        try:
            save(path)
        except InputError as exc:
            QMessageBox(QMessageBox.Icon.Warning, "Cannot save", str(exc), parent=self).open()

    def contextMenuEvent(self, event) -> None:
        self.context_menu().exec(event.globalPos())


class _BelowLegend(pg.LegendItem):
    """A legend laid out under the axes (a cell of the plot's grid), so it never covers data."""

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__(labelTextSize="9pt")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # its own size, left-aligned
        plot.layout.addItem(self, 5, 1)
        plot.layout.setAlignment(self, Qt.AlignmentFlag.AlignLeft)
        plot.legend = self  # named items added with plot(name=...) appear here, as with addLegend

    def fit_columns(self, width: float) -> None:
        """As many columns as fit ``width`` pixels."""
        widest = max(
            (sample.boundingRect().width() + label.item.boundingRect().width() + 30 for sample, label in self.items),
            default=1.0,
        )
        self.setColumnCount(max(1, min(len(self.items), int(width // widest))))


class TimeSeriesPlot(Plot):
    """Lines over a date axis, one per DataFrame column, with a crosshair read-out."""

    def __init__(
        self, title: str, y_label: str = "", *, kind: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            title, y_label, axis_items={"bottom": pg.DateAxisItem(orientation="bottom")}, kind=kind, parent=parent
        )
        item = self.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self._legend = _BelowLegend(item)
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._frame = pd.DataFrame()
        self._x = np.empty(0)
        self._cursor = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#888", style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self._cursor.hide()
        item.addItem(self._cursor, ignoreBounds=True)
        # No dates on an empty plot: its default range, 0 to 1 s after 1970, reads "00.250".
        item.getAxis("bottom").setStyle(showValues=False)

    def set_frame(self, frame: pd.DataFrame, *, pens: dict[str, object] | None = None) -> None:
        """Plot each column of ``frame`` (a DatetimeIndex) as a line; curves are reused by name."""
        self._frame = frame
        self._x = to_epoch(frame.index)
        self.getPlotItem().getAxis("bottom").setStyle(showValues=len(frame) > 0)
        for name in list(self._curves):
            if name not in frame.columns:
                self._legend.removeItem(self._curves[name])
                self.getPlotItem().removeItem(self._curves.pop(name))
        for i, name in enumerate(frame.columns):
            y = frame[name].to_numpy(dtype=float)
            pen = (pens or {}).get(name) or pg.mkPen(PALETTE[i % len(PALETTE)], width=1.6)
            if name in self._curves:
                self._curves[name].setData(self._x, y, connect="finite")
                self._curves[name].setPen(pen)
            else:
                self._curves[name] = self.getPlotItem().plot(self._x, y, pen=pen, name=str(name), connect="finite")
        self._legend.fit_columns(self.width())
        self._data_changed(frame.to_numpy(dtype=float).ravel())

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The x (epoch seconds) and y arrays of the curve ``name``."""
        x, y = self._curves[name].getOriginalDataset()
        return np.asarray(x), np.asarray(y)

    @property
    def names(self) -> list[str]:
        """The plotted series, in legend order."""
        return list(self._curves)

    def legend_names(self) -> list[str]:
        """The legend's entries (tests check it holds every named curve)."""
        return [label.text for _sample, label in self._legend.items]

    def legend_outside_data(self) -> bool:
        """Whether the legend lies entirely outside the data area (it is laid out under the axes)."""
        legend = self._legend.sceneBoundingRect()
        return not legend.intersects(self.getPlotItem().vb.sceneBoundingRect())

    def data_frame(self) -> pd.DataFrame:
        return self._frame

    def clear_readout(self) -> None:
        super().clear_readout()
        cursor = getattr(self, "_cursor", None)  # the base class clears before our __init__ has run
        if cursor is not None:
            cursor.hide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        legend = getattr(self, "_legend", None)  # pyqtgraph resizes before our __init__ has run
        if legend is not None and self._open():
            legend.fit_columns(self.width())

    def _describe(self, x: float, y: float) -> str:
        if not len(self._x):
            return ""
        i = int(np.clip(np.searchsorted(self._x, x), 0, len(self._x) - 1))
        self._cursor.setPos(self._x[i])
        self._cursor.show()
        row = self._frame.iloc[i]
        values = "\n".join(f"{name}: {self.fmt(value)}" for name, value in row.items() if np.isfinite(value))
        return f"{self._frame.index[i].date()}\n{values}"


class BarPlot(Plot):
    """Labelled bars with optional confidence-interval error bars."""

    def __init__(
        self, title: str, y_label: str = "", *, kind: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, y_label, kind=kind, parent=parent)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=PALETTE[0])
        self._errors = pg.ErrorBarItem(x=np.empty(0), y=np.empty(0), beam=0.2, pen=pg.mkPen("#222", width=1.4))
        self.addItem(self._bars)
        self.addItem(self._errors)
        self.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#999")))
        self._labels: list[str] = []
        self._values = self._lower = self._upper = np.empty(0)

    def set_bars(
        self, labels: list[str], values: np.ndarray, lower: np.ndarray | None = None, upper: np.ndarray | None = None
    ) -> None:
        """Bars at 0..n-1 labelled ``labels``; ``lower``/``upper`` draw interval whiskers."""
        x = np.arange(len(labels), dtype=float)
        self._labels, self._values = list(labels), np.asarray(values, dtype=float)
        self._lower = np.asarray(lower if lower is not None else values, dtype=float)
        self._upper = np.asarray(upper if upper is not None else values, dtype=float)
        brushes = [PALETTE[0] if v >= 0 else PALETTE[2] for v in self._values]
        self._bars.setOpts(x=x, height=self._values, width=0.6, brushes=brushes)
        self._errors.setData(x=x, y=self._values, top=self._upper - self._values, bottom=self._values - self._lower)
        self.getAxis("bottom").setTicks([list(zip(x, self._labels))])
        self._data_changed(np.concatenate([self._values, self._lower, self._upper]))

    def bars(self) -> pd.DataFrame:
        """What is drawn: label, value, lower, upper."""
        return pd.DataFrame({"label": self._labels, "value": self._values, "lower": self._lower, "upper": self._upper})

    def data_frame(self) -> pd.DataFrame:
        return self.bars()

    def _describe(self, x: float, y: float) -> str:
        i = round(x)
        if not 0 <= i < len(self._labels) or abs(x - i) > 0.4:
            return ""
        text = f"{self._labels[i]}: {self.fmt(self._values[i])}"
        if self._lower[i] != self._upper[i]:
            text += f"\n95% CI [{self.fmt(self._lower[i])}, {self.fmt(self._upper[i])}]"
        return text
