"""pyqtgraph plots with hover read-outs: time series, and bars with error bars.

Plot items are created once and updated with ``setData`` (pyqtgraph's fast path); long
daily series are clipped to the view and peak-downsampled. Every plot shows a read-out of
the values under the mouse (``sigHovered`` carries the same text). Public getters return
the plotted data, so tests check what is drawn without reading pixels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import QWidget

__all__ = ["Plot", "TimeSeriesPlot", "BarPlot", "PALETTE", "to_epoch"]

pg.setConfigOptions(antialias=True, background="w", foreground="#333")

#: Distinguishable colours (Tableau 10), used in order for series and factors.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def to_epoch(index: pd.Index) -> np.ndarray:
    """Dates as seconds since 1970 (what pyqtgraph's DateAxisItem reads)."""
    return pd.DatetimeIndex(index).asi8 / 1e9


class Plot(pg.PlotWidget):
    """A plot with a title, a grid and a read-out of what is under the mouse."""

    sigHovered = Signal(str)

    def __init__(self, title: str, y_label: str = "", *, axis_items: dict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, axisItems=axis_items)
        item = self.getPlotItem()
        item.setTitle(title, size="11pt")
        item.showGrid(x=True, y=True, alpha=0.25)
        if y_label:
            item.setLabel("left", y_label)
        item.getAxis("left").enableAutoSIPrefix(False)
        self.setMinimumHeight(180)
        self._readout = pg.TextItem(anchor=(0, 0), color="#222", fill=pg.mkBrush(255, 255, 255, 220))
        self._readout.setZValue(100)
        self._readout.hide()
        item.addItem(self._readout, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def readout_text(self) -> str:
        """The read-out currently shown ('' when hidden)."""
        return self._readout.toPlainText() if self._readout.isVisible() else ""

    def hover_at(self, x: float, y: float) -> str:
        """Show the read-out for data coordinates (x, y); returns its text (tests call this too)."""
        text = self._describe(x, y)
        if not text:
            self._readout.hide()
            return ""
        view = self.getPlotItem().vb.viewRange()
        self._readout.setText(text)
        self._readout.setPos(view[0][0], view[1][1])
        self._readout.show()
        self.sigHovered.emit(text)
        return text

    def _describe(self, x: float, y: float) -> str:
        """Subclasses: the read-out text at data coordinates, or '' for none."""
        raise NotImplementedError

    def _on_mouse_moved(self, pos: QPointF) -> None:
        vb = self.getPlotItem().vb
        if not self.getPlotItem().sceneBoundingRect().contains(pos):
            self._readout.hide()
            return
        point = vb.mapSceneToView(pos)
        self.hover_at(point.x(), point.y())


class TimeSeriesPlot(Plot):
    """Lines over a date axis, one per DataFrame column, with a crosshair read-out."""

    def __init__(self, title: str, y_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, y_label, axis_items={"bottom": pg.DateAxisItem(orientation="bottom")}, parent=parent)
        item = self.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self._legend = item.addLegend(offset=(10, 10), labelTextSize="9pt")
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._frame = pd.DataFrame()
        self._x = np.empty(0)
        self._cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", style=pg.QtCore.Qt.PenStyle.DashLine))
        self._cursor.hide()
        item.addItem(self._cursor, ignoreBounds=True)

    def set_frame(self, frame: pd.DataFrame, *, pens: dict[str, object] | None = None) -> None:
        """Plot each column of ``frame`` (a DatetimeIndex) as a line; curves are reused by name."""
        self._frame = frame
        self._x = to_epoch(frame.index)
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
        self.getPlotItem().enableAutoRange()

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The x (epoch seconds) and y arrays of the curve ``name``."""
        x, y = self._curves[name].getOriginalDataset()
        return np.asarray(x), np.asarray(y)

    @property
    def names(self) -> list[str]:
        """The plotted series, in legend order."""
        return list(self._curves)

    def _describe(self, x: float, y: float) -> str:
        if not len(self._x):
            return ""
        i = int(np.clip(np.searchsorted(self._x, x), 0, len(self._x) - 1))
        self._cursor.setPos(self._x[i])
        self._cursor.show()
        row = self._frame.iloc[i]
        values = "\n".join(f"{name}: {value:.4f}" for name, value in row.items() if np.isfinite(value))
        return f"{self._frame.index[i].date()}\n{values}"


class BarPlot(Plot):
    """Labelled bars with optional confidence-interval error bars."""

    def __init__(self, title: str, y_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, y_label, parent=parent)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=PALETTE[0])
        self._errors = pg.ErrorBarItem(x=np.empty(0), y=np.empty(0), beam=0.2, pen=pg.mkPen("#222", width=1.4))
        self.addItem(self._bars)
        self.addItem(self._errors)
        self.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#999")))
        self._labels: list[str] = []
        self._values = self._lower = self._upper = np.empty(0)

    def set_bars(self, labels: list[str], values: np.ndarray, lower: np.ndarray | None = None,
                 upper: np.ndarray | None = None) -> None:
        """Bars at 0..n-1 labelled ``labels``; ``lower``/``upper`` draw interval whiskers."""
        x = np.arange(len(labels), dtype=float)
        self._labels, self._values = list(labels), np.asarray(values, dtype=float)
        self._lower = np.asarray(lower if lower is not None else values, dtype=float)
        self._upper = np.asarray(upper if upper is not None else values, dtype=float)
        brushes = [PALETTE[0] if v >= 0 else PALETTE[2] for v in self._values]
        self._bars.setOpts(x=x, height=self._values, width=0.6, brushes=brushes)
        self._errors.setData(x=x, y=self._values, top=self._upper - self._values, bottom=self._values - self._lower)
        self.getAxis("bottom").setTicks([list(zip(x, self._labels))])
        self.getPlotItem().enableAutoRange()

    def bars(self) -> pd.DataFrame:
        """What is drawn: label, value, lower, upper."""
        return pd.DataFrame({"label": self._labels, "value": self._values, "lower": self._lower, "upper": self._upper})

    def _describe(self, x: float, y: float) -> str:
        i = int(round(x))
        if not 0 <= i < len(self._labels) or abs(x - i) > 0.4:
            return ""
        text = f"{self._labels[i]}: {self._values[i]:.4f}"
        if self._lower[i] != self._upper[i]:
            text += f"\n95% CI [{self._lower[i]:.4f}, {self._upper[i]:.4f}]"
        return text
