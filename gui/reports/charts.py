"""Figure specs drawn with pyqtgraph and exported as images (pyqtgraph's ImageExporter).

Each :class:`~analytics.reports.tearsheet.Figure` becomes a plot item in a throwaway
``PlotWidget`` (never shown), sized in logical pixels and exported at twice that size, so the
picture stays sharp in print and on high-density screens. Titles and legends are not drawn in the
picture: the report writes them as text beside it (searchable, and as crisp as the page's text),
with the colours :func:`series_colors` gives.

Must run on the GUI thread (pyqtgraph items are widgets' children); a QApplication must exist.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QImage

from analytics.reports.tearsheet import Figure
from gui.widgets.plots import PALETTE

__all__ = [
    "CHART_SIZE",
    "EXPORT_SCALE",
    "ChartRenderer",
    "YearAxis",
    "decimal_years",
    "png_bytes",
    "render_figure",
    "series_colors",
]

#: Logical size of a chart by its width class (pixels at 96 dpi, before the export scale).
#: Why these: printed at about 0.73 of this size on an A4 page, the axis labels come out near 8 pt.
CHART_SIZE = {"full": (900, 290), "half": (450, 300)}
#: Exported pixels per logical pixel.
EXPORT_SCALE = 2
#: Points per curve above which a line is drawn peak-downsampled (keeps each bin's min and max):
#: a daily decade drawn at 700 bins looks the same on paper and draws in a third of the time.
MAX_POINTS = 700
#: Line width in logical pixels. Why not thicker: antialiased drawing time grows with the width
#: (1.6 takes three times as long as 1.0), and 1.2 prints as a fine rule of about 0.25 mm.
LINE_WIDTH = 1.0
#: Qt's PNG "quality" is the inverse of zlib's effort: 80 compresses fast, a few % larger than the default.
PNG_QUALITY = 80
#: Width of the value axis (label and tick numbers), fixed: an axis sizes itself to its labels
#: only after a first paint, which an exported picture never had.
AXIS_WIDTH = 62
_MARK_PEN = pg.mkPen("#b22222", width=1.2, style=Qt.PenStyle.DashLine)
_ZERO_PEN = pg.mkPen("#999999", width=1)


def series_colors(figure: Figure) -> list[tuple[str, str]]:
    """(series name, colour) of each line, in legend order; [] for bars."""
    if figure.kind != "lines":
        return []
    return [(str(name), PALETTE[i % len(PALETTE)]) for i, name in enumerate(figure.data.columns)]


def decimal_years(dates: pd.Index | list) -> np.ndarray:
    """Dates as years with a fraction (2015-07-02 -> 2015.5): the x axis of the line charts."""
    index = pd.DatetimeIndex(dates)
    start = pd.DatetimeIndex(pd.to_datetime(index.year.astype(str) + "-01-01"))
    days = np.where(index.is_leap_year, 366.0, 365.0)
    return index.year.to_numpy() + (index - start).days.to_numpy() / days


class YearAxis(pg.AxisItem):
    """Ticks on decimal years: ``2015`` on whole years, ``Jul 2015`` between them.

    Why not pyqtgraph's DateAxisItem: it converts every tick through local time zones, which
    costs a fifth of a chart's drawing time, and a report's time axis only needs years and months.
    """

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for value in values:
            year, fraction = int(np.floor(value + 1e-9)), value - np.floor(value + 1e-9)
            month = min(12, round(fraction * 12) + 1)
            out.append(str(year) if month == 1 else f"{MONTHS[month - 1]} {year}")
        return out


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ChartRenderer:
    """Draws figures one after another on two reused plots (lines over years; bars), exporting
    each as an image: building a pyqtgraph plot costs as much as drawing a simple chart."""

    def __init__(self) -> None:
        self._canvases: dict[str, pg.PlotWidget] = {}

    def render(self, figure: Figure) -> QImage:
        """The figure as an image, ``EXPORT_SCALE`` times its logical size."""
        width, height = CHART_SIZE[figure.width]
        item = self._canvas(figure.kind).getPlotItem()
        item.clear()
        item.setLabel("left", figure.unit)
        if figure.kind == "lines":
            _draw_lines(item, figure)
        else:
            _draw_bars(item, figure)
        item.addItem(pg.InfiniteLine(pos=0, angle=0, pen=_ZERO_PEN), ignoreBounds=True)
        item.setGeometry(QRectF(0, 0, width, height))
        item.layout.activate()
        exporter = pyqtgraph.exporters.ImageExporter(item)
        exporter.parameters()["width"] = width * EXPORT_SCALE
        return exporter.export(toBytes=True)

    def close(self) -> None:
        """Release the plots."""
        for widget in self._canvases.values():
            widget.deleteLater()
        self._canvases.clear()

    def _canvas(self, kind: str) -> pg.PlotWidget:
        if kind not in self._canvases:
            axis = {"bottom": YearAxis(orientation="bottom")} if kind == "lines" else {}
            widget = pg.PlotWidget(axisItems=axis)
            item = widget.getPlotItem()
            item.showGrid(x=False, y=True, alpha=0.15)
            item.getAxis("left").enableAutoSIPrefix(False)
            item.getAxis("left").setWidth(AXIS_WIDTH)
            item.setMenuEnabled(False)
            item.hideButtons()
            self._canvases[kind] = widget
        return self._canvases[kind]


def render_figure(figure: Figure) -> QImage:
    """One figure as an image (a renderer of its own; :class:`ChartRenderer` for many)."""
    renderer = ChartRenderer()
    try:
        return renderer.render(figure)
    finally:
        renderer.close()


def png_bytes(image: QImage) -> bytes:
    """The image encoded as PNG, without its alpha channel (the background is opaque white):
    three bytes a pixel instead of four, and fast compression; together twice as fast to encode.
    (Not a palette image: antialiased charts have more than 256 colours and Qt's reduction
    shifts them to a fixed colour cube.)"""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_RGB888).save(buffer, "PNG", PNG_QUALITY)
    buffer.close()
    return bytes(data.data())


def _draw_lines(item: pg.PlotItem, figure: Figure) -> None:
    """One curve per column over decimal years, and the marks as dashed vertical lines."""
    x = decimal_years(figure.data.index)
    step = max(1, math.ceil(len(x) / MAX_POINTS))
    for name, colour in series_colors(figure):
        y = figure.data[name].to_numpy(dtype=float)
        curve = item.plot(x, y, pen=pg.mkPen(colour, width=LINE_WIDTH), connect="finite")
        if step > 1:
            curve.setDownsampling(ds=step, auto=False, method="peak")
    for mark in decimal_years(list(figure.marks)):
        item.addItem(pg.InfiniteLine(pos=mark, angle=90, pen=_MARK_PEN), ignoreBounds=True)
    if len(x):
        item.setXRange(x[0], x[-1], padding=0.01)
    item.enableAutoRange(axis="y")


def _draw_bars(item: pg.PlotItem, figure: Figure) -> None:
    """Bars (blue up, red down) with 95% interval whiskers, labelled on the x axis."""
    data = figure.data
    x = np.arange(len(data), dtype=float)
    values = data["value"].to_numpy(dtype=float)
    brushes = [PALETTE[0] if v >= 0 else PALETTE[2] for v in values]
    item.addItem(pg.BarGraphItem(x=x, height=values, width=0.6, brushes=brushes, pen=pg.mkPen("#555", width=0.5)))
    if {"lower", "upper"} <= set(data.columns):
        item.addItem(
            pg.ErrorBarItem(
                x=x,
                y=values,
                top=data["upper"].to_numpy(dtype=float) - values,
                bottom=values - data["lower"].to_numpy(dtype=float),
                beam=0.2,
                pen=pg.mkPen("#222", width=1.3),
            )
        )
    item.getAxis("bottom").setTicks([list(zip(x, data["label"].astype(str)))])
    item.setXRange(-0.6, len(data) - 0.4, padding=0)
    item.enableAutoRange(axis="y")
