"""Holdings exposures tab: bottom-up exposures from holdings vs top-down betas (chapter 13.8).

Inputs come from the workspace: a holdings data set (and optionally a benchmark's), the
stocks' returns, factors, and optionally the fund's own returns (a returns data set and its
column) for the top-down regressions, which otherwise use the holdings-implied return. The
tab builds an :class:`~analytics.exposures.request.ExposuresRequest`, run as ``exposures``
runs it. Results: one exposure timeline per
factor, stacked and sharing the date axis, shaded by holdings window, with the top-down
regression betas drawn as horizontal segments over each window; the coverage line with the
90% line and the dates below it marked in red; the top-down table; every position's
contribution to the exposures on the selected date (chosen in the list or by clicking a plot);
and the style drift: the holdings dates where an exposure moved by more than the user's
threshold (listed, and marked on the plots) and the windows where bottom-up falls outside the
top-down 95% interval, with the paragraph File › Export report… prints about them. The
threshold only reads the results on screen, so changing it needs no new run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from analytics.errors import InputError
from analytics.exposures.request import ExposuresRequest
from analytics.exposures.results import COVERAGE_FLAG, ExposureResults
from analytics.reports import DEFAULT_THRESHOLD, StyleDrift, style_drift
from analytics.reports.profile import drift_sentences
from gui.tabs.base import AnalysisTab
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.dataset_combo import DatasetCombo
from gui.widgets.dataset_list import DatasetList
from gui.widgets.inputs import ModelCombo, NotesLabel
from gui.widgets.plots import PALETTE, TimeSeriesPlot, to_epoch

__all__ = ["ExposuresTab"]

METHOD_LABELS = {"full sample": "full", "rolling window": "rolling", "split at holdings dates": "split"}
_SHADES = (pg.mkBrush(78, 121, 167, 28), pg.mkBrush(242, 142, 43, 28))
_SHIFT_PEN = pg.mkPen("#b22222", width=1.4, style=Qt.PenStyle.DashLine)
#: The drift tables' interval columns are loadings, not returns.
_DRIFT_KINDS = {"lower": "beta", "upper": "beta"}


class ExposuresTab(AnalysisTab):
    """A fund's factor exposures through time from its holdings, against top-down regressions."""

    title = "Holdings exposures"
    analysis = "exposures"

    # --- inputs ---------------------------------------------------------------------
    def build_inputs(self, form: QFormLayout) -> None:
        self.holdings_combo = DatasetCombo(self.workspace, ("holdings",))
        self.benchmark_combo = DatasetCombo(self.workspace, ("holdings",), none_label="none")
        self.returns_combo = DatasetCombo(self.workspace, ("returns",))
        self.factors_list = DatasetList(self.workspace, ("returns",))
        self.fund_combo = DatasetCombo(self.workspace, ("returns",), none_label="implied by the holdings")
        self.fund_column = QComboBox()
        self.fund_column.setToolTip("The column of the fund's own returns (for the top-down regressions).")
        self.model_combo = ModelCombo("exposures/model")
        self.method_combo = QComboBox()
        self.method_combo.addItems(list(METHOD_LABELS))
        self.window_spin = QSpinBox()
        self.window_spin.setRange(2, 5000)
        self.window_spin.setValue(252)
        self.window_spin.setSuffix(" periods")
        self.min_obs_spin = QSpinBox()
        self.min_obs_spin.setRange(0, 5000)
        self.min_obs_spin.setSpecialValueText("default")
        self.excess_check = QCheckBox("returns are already excess of RF")
        self.drift_spin = QDoubleSpinBox()
        self.drift_spin.setRange(0.01, 5.0)
        self.drift_spin.setSingleStep(0.05)
        self.drift_spin.setDecimals(2)
        self.drift_spin.setValue(DEFAULT_THRESHOLD)
        self.add_field("holdings", "Holdings", self.holdings_combo)
        self.add_field("benchmark", "Benchmark", self.benchmark_combo)
        self.add_field("returns", "Stock returns", self.returns_combo)
        self.add_field("factors", "Factors", self.factors_list)
        self.add_field("fund_returns", "Fund returns", self.fund_combo)
        self.add_field("fund_column", "Fund column", self.fund_column)
        self.add_field("model", "Model", self.model_combo)
        self.add_field("method", "Stock betas", self.method_combo)
        self.add_field("window", "Rolling window", self.window_spin)
        self.add_field("min_obs", "Min. returns", self.min_obs_spin)
        self.add_field("excess", "", self.excess_check)
        form.addRow("Drift threshold", self.drift_spin)  # reads the results on screen: not a request field
        self.drift_spin.valueChanged.connect(self._on_threshold_change)
        self.method_combo.currentTextChanged.connect(self._on_method_change)
        self.window_spin.setEnabled(False)
        self.holdings_combo.sigDatasetChanged.connect(self._match_returns)
        self.fund_combo.sigDatasetChanged.connect(self._on_fund_change)
        self._on_fund_change(self.fund_combo.current_dataset())
        # Connected after the combos' own refresh, so it sees their new contents.
        self.workspace.sigChanged.connect(self._on_workspace_change)
        self._on_workspace_change()

    def _on_workspace_change(self) -> None:
        self._match_returns(self.holdings_combo.current_dataset())

    def _on_fund_change(self, dataset: object) -> None:
        """List the chosen fund data set's return columns (none: the holdings-implied return)."""
        with QSignalBlocker(self.fund_column):
            self.fund_column.clear()
            if dataset is not None:
                self.fund_column.addItems([str(c) for c in dataset.data.assets.columns])
        self.fund_column.setEnabled(dataset is not None)

    def _on_method_change(self, text: str) -> None:
        self.window_spin.setEnabled(METHOD_LABELS[text] == "rolling")

    def _match_returns(self, holdings: object) -> None:
        """Pick the returns data set that holds the most of the chosen holdings' ids."""
        if holdings is None:
            return
        ids = set(holdings.data["id"])

        def held(dataset: object) -> int:
            return len(ids & set(dataset.data.assets.columns)) if dataset is not None else -1

        best = max(self.workspace.datasets(("returns",)), key=held, default=None)
        if best is not None and held(best) > held(self.returns_combo.current_dataset()):
            self.returns_combo.select(best.name)

    def make_request(self) -> ExposuresRequest:
        holdings = self.holdings_combo.current_dataset()
        if holdings is None:
            raise InputError("no holdings loaded; open a holdings file (date, id, weight).", option="holdings")
        stocks = self.returns_combo.current_dataset()
        if stocks is None:
            raise InputError("no stock returns loaded; open the held stocks' returns.", option="returns")
        method = METHOD_LABELS[self.method_combo.currentText()]
        fund = self.fund_combo.current_dataset()
        return ExposuresRequest(
            holdings,
            stocks,
            tuple(self.factors_list.checked_datasets()),
            model=self.model_combo.model(),
            method=method,
            window=self.window_spin.value() if method == "rolling" else None,
            min_obs=self.min_obs_spin.value() or None,
            excess=self.excess_check.isChecked(),
            benchmark=self.benchmark_combo.current_dataset(),
            fund_returns=fund,
            fund_column=self.fund_column.currentText() if fund is not None else None,
        )

    def job_label(self, request: ExposuresRequest) -> str:
        return f"Exposures of {request.holdings.name}…"

    # --- results --------------------------------------------------------------------
    def build_results(self, area: QWidget) -> None:
        self.notes_label = NotesLabel()
        self.stack = QWidget()
        self.stack_layout = QVBoxLayout(self.stack)
        self.stack_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidget(self.stack)
        scroll.setWidgetResizable(True)
        self.factor_plots: dict[str, TimeSeriesPlot] = {}
        self._segments: dict[str, pg.PlotDataItem] = {}
        self._regions: dict[str, list[pg.LinearRegionItem]] = {}
        self.coverage_plot = self._new_plot("Coverage: share of |weight| with a stock beta or in cash", "share")
        flag = pg.InfiniteLine(
            COVERAGE_FLAG,
            angle=0,
            movable=False,
            pen=pg.mkPen("#e15759", width=1, style=Qt.PenStyle.DashLine),
            label=f"{COVERAGE_FLAG:.0%}",
            # Its left end sits on the line just right of the axis (centred, half of it was cut off).
            labelOpts={"position": 0.02, "color": "#e15759", "anchors": [(0, 1), (0, 1)]},
        )
        self.coverage_plot.getPlotItem().addItem(flag, ignoreBounds=True)
        self._low_marks = pg.ScatterPlotItem(size=6, pen=pg.mkPen(None), brush=pg.mkBrush("#e15759"))
        self.coverage_plot.getPlotItem().addItem(self._low_marks)
        self.date_combo = QComboBox()
        self.date_combo.currentIndexChanged.connect(self._on_date_chosen)
        self.contributions_view = DataFrameView()
        self.topdown_view = DataFrameView()
        self.active_view = DataFrameView()
        self.active_view.set_empty_hint(
            "No benchmark: choose one under 'Benchmark' and run again to see the "
            "fund's exposures minus the benchmark's."
        )
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.date_combo)
        table_layout.addWidget(self.contributions_view)
        self.tables = QTabWidget()
        self.tables.addTab(table_box, "Holdings on date")
        self.tables.addTab(self.topdown_view, "Top-down regressions")
        self.tables.addTab(self.active_view, "Active exposures")
        self.tables.addTab(self._drift_box(), "Style drift")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(self.tables)
        splitter.setSizes([480, 220])
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notes_label)
        layout.addWidget(splitter, 1)
        self.selected_date: pd.Timestamp | None = None
        self.drift: StyleDrift | None = None
        self._shift_marks: dict[str, list[pg.InfiniteLine]] = {}

    def _drift_box(self) -> QWidget:
        """The drift summary above the shifts and the disagreements (side by side); it scrolls
        rather than squeezing the tables on a small screen."""
        self.drift_summary = QTextBrowser()
        self.drift_summary.setMinimumHeight(40)
        self.shifts_view = DataFrameView()
        self.shifts_view.set_empty_hint(
            "No exposure moved by more than the drift threshold between holdings dates; lower it to see smaller moves."
        )
        self.disagreements_view = DataFrameView()
        self.disagreements_view.set_empty_hint(
            "In every holdings window the bottom-up exposures lie within the top-down 95% intervals."
        )
        self.shifts_title, self.disagreements_title = QLabel(), QLabel()
        halves = QSplitter(Qt.Orientation.Horizontal)
        for title, view in ((self.shifts_title, self.shifts_view), (self.disagreements_title, self.disagreements_view)):
            half = QWidget()
            column = QVBoxLayout(half)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(title)
            column.addWidget(view, 1)
            halves.addWidget(half)
        halves.setSizes([400, 600])  # the disagreements have more columns than the shifts
        box = QSplitter(Qt.Orientation.Vertical)
        box.addWidget(self.drift_summary)
        box.addWidget(halves)
        box.setSizes([70, 300])
        return box

    def _new_plot(self, title: str, y_label: str) -> TimeSeriesPlot:
        plot = TimeSeriesPlot(title, y_label)
        plot.setMinimumHeight(170)
        plot.scene().sigMouseClicked.connect(self._on_plot_clicked)
        self.stack_layout.addWidget(plot)
        return plot

    def show_result(self, result: ExposureResults) -> None:
        notes = [
            *result.all_notes,
            f"stock betas: {result.method}"
            + (f" ({result.window}-period window, betas through the previous period)" if result.window else "")
            + f"; at least {result.min_obs} returns per beta.",
        ]
        self.notes_label.set_notes(notes, simulated=self.simulated)
        self._draw_factors(result)
        self.coverage_plot.set_frame(result.exposures[["coverage"]])
        low = result.low_coverage
        self._low_marks.setData(to_epoch(low.index), low.to_numpy(dtype=float))
        self.topdown_view.set_frame(result.topdown)
        active = result.active
        self.active_view.set_frame(active.reset_index() if active is not None else pd.DataFrame())
        with QSignalBlocker(self.date_combo):
            self.date_combo.clear()
            for start in result.windows["window_start"]:
                self.date_combo.addItem(str(start.date()))  # text only: Timestamps as item data upset PySide
        keep = self.selected_date if self.selected_date is not None else result.windows["window_start"].iloc[-1]
        self.select_date(keep)
        self._show_drift()

    def _draw_factors(self, result: ExposureResults) -> None:
        """One plot per factor: bottom-up (and benchmark) line, top-down segments, window shading."""
        for name in list(self.factor_plots):
            if name not in result.factors:
                self.factor_plots.pop(name).deleteLater()
        for i, factor in enumerate(result.factors):
            plot = self.factor_plots.get(factor)
            if plot is None:
                plot = self.factor_plots[factor] = self._new_plot(f"{factor} exposure", "beta")
                self._segments[factor] = plot.getPlotItem().plot(
                    [], [], pen=pg.mkPen("#222", width=2.2, style=Qt.PenStyle.DashLine), name="top-down (per window)"
                )
                self.stack_layout.insertWidget(i, plot)
            frame = result.exposures[[factor]].rename(columns={factor: "bottom-up"})
            if result.benchmark_exposures is not None:
                frame["benchmark"] = result.benchmark_exposures[factor].reindex(frame.index)
            plot.set_frame(frame, pens={"bottom-up": pg.mkPen(PALETTE[i % len(PALETTE)], width=1.8)})
            x, y = self._segment_data(result, factor)
            self._segments[factor].setData(x, y, connect="finite")
            self._shade(plot, factor, result.windows)

    @staticmethod
    def _segment_data(result: ExposureResults, factor: str) -> tuple[np.ndarray, np.ndarray]:
        """Horizontal segments at each window's top-down beta, broken between windows."""
        windows = result.topdown.iloc[1:]
        x = np.column_stack(
            [to_epoch(windows["window_start"]), to_epoch(windows["window_end"]), np.full(len(windows), np.nan)]
        ).ravel()
        value = windows[factor].to_numpy(dtype=float)
        y = np.column_stack([value, value, np.full(len(windows), np.nan)]).ravel()
        return x, y

    def _shade(self, plot: TimeSeriesPlot, factor: str, windows: pd.DataFrame) -> None:
        for region in self._regions.pop(factor, []):
            plot.getPlotItem().removeItem(region)
        regions = []
        for i, (start, end) in enumerate(zip(to_epoch(windows["window_start"]), to_epoch(windows["window_end"]))):
            region = pg.LinearRegionItem((start, end), movable=False, brush=_SHADES[i % 2], pen=pg.mkPen(None))
            region.setZValue(-10)
            plot.getPlotItem().addItem(region, ignoreBounds=True)
            regions.append(region)
        self._regions[factor] = regions

    # --- style drift ----------------------------------------------------------------
    def _on_threshold_change(self, _value: float) -> None:
        if self.result is not None:
            self._show_drift()

    def _show_drift(self) -> None:
        """Shifts beyond the threshold (table and marks), disagreements, and their summary."""
        result: ExposureResults = self.result
        self.drift = drift = style_drift(result, threshold=self.drift_spin.value())
        self.drift_summary.setPlainText(" ".join([*(s.text for s in drift_sentences(drift)), *drift.notes]))
        self.shifts_title.setText(f"Style shifts: |change| > {drift.threshold:g}")
        self.shifts_view.set_frame(drift.shifts)
        compared = len(drift.windows.dropna(subset=["top_down"]))
        self.disagreements_title.setText(f"Outside the top-down 95% interval: {len(drift.disagreements)} of {compared}")
        self.disagreements_title.setToolTip(
            "Holdings windows and factors where the average bottom-up exposure falls outside the 95% interval of "
            "the top-down loading (the fund's return regressed on the factors within the window); about 5% are "
            "expected by chance alone."
        )
        self.disagreements_view.set_frame(drift.disagreements.drop(columns="disagree"), kinds=_DRIFT_KINDS)
        for factor, marks in self._shift_marks.items():
            plot = self.factor_plots.get(factor)
            for mark in marks if plot is not None else []:
                plot.getPlotItem().removeItem(mark)
        self._shift_marks = {
            factor: self._mark_shifts(plot, factor, drift) for factor, plot in self.factor_plots.items()
        }

    @staticmethod
    def _mark_shifts(plot: TimeSeriesPlot, factor: str, drift: StyleDrift) -> list[pg.InfiniteLine]:
        """A dashed red line on each holdings date with a shift, labelled where ``factor`` moved."""
        moved = set(drift.shifts.loc[drift.shifts["factor"] == factor, "holdings_date"])
        marks = []
        for date in drift.shift_dates:
            mark = pg.InfiniteLine(
                to_epoch(pd.DatetimeIndex([date]))[0],
                angle=90,
                movable=False,
                pen=_SHIFT_PEN,
                label=f"style shift {date.date()}" if date in moved else None,
                labelOpts={"position": 0.9, "color": "#b22222", "anchors": [(1, 0), (1, 0)]},
            )
            mark.setToolTip(f"Holdings of {date.date()}: an exposure moved by more than {drift.threshold:g}.")
            plot.getPlotItem().addItem(mark, ignoreBounds=True)
            marks.append(mark)
        return marks

    # --- selected date --------------------------------------------------------------
    def _on_date_chosen(self, _index: int) -> None:
        if self.date_combo.currentText():
            self.select_date(pd.Timestamp(self.date_combo.currentText()))

    def _on_plot_clicked(self, event: MouseClickEvent) -> None:
        """A click on a plot selects that date (a bound slot: lambdas here crash PySide 6.12)."""
        plots = [p for p in [*self.factor_plots.values(), self.coverage_plot] if p.scene() is self.sender()]
        if self.result is None or not plots:
            return
        x = plots[0].getPlotItem().vb.mapSceneToView(event.scenePos()).x()
        self.select_date(pd.Timestamp(x, unit="s"))

    def select_date(self, when: pd.Timestamp) -> None:
        """Show each holding's weight, betas and contribution on ``when`` (or the last date before)."""
        result: ExposureResults = self.result
        dates = result.exposures.index
        row = int(np.clip(dates.searchsorted(pd.Timestamp(when), side="right") - 1, 0, len(dates) - 1))
        self.selected_date = dates[row]
        self.contributions_view.set_frame(result.contributions(self.selected_date))
        starts = pd.DatetimeIndex(result.windows["window_start"])
        with QSignalBlocker(self.date_combo):  # the list shows the window the date falls in
            self.date_combo.setCurrentIndex(max(0, int(starts.searchsorted(self.selected_date, side="right")) - 1))
        coverage = result.exposures["coverage"].iloc[row]
        flag = f" (below {COVERAGE_FLAG:.0%}: part of the fund has no beta)" if coverage < COVERAGE_FLAG else ""
        self.date_combo.setToolTip(f"{self.selected_date.date()}: coverage {coverage:.1%}{flag}")

    # --- public getters (tests read what is drawn) ----------------------------------
    def topdown_segments(self, factor: str) -> tuple[np.ndarray, np.ndarray]:
        """The x (epoch seconds) and y of the top-down segments drawn on ``factor``'s plot."""
        x, y = self._segments[factor].getOriginalDataset()
        return np.asarray(x), np.asarray(y)

    def low_coverage_marks(self) -> tuple[np.ndarray, np.ndarray]:
        """The x (epoch seconds) and y of the red marks on the dates whose coverage is below 90%."""
        x, y = self._low_marks.getData()
        return np.asarray(x), np.asarray(y)

    def shift_marks(self, factor: str) -> list[pd.Timestamp]:
        """The dates of the style-shift marks drawn on ``factor``'s plot."""
        return [pd.Timestamp(mark.value(), unit="s") for mark in self._shift_marks.get(factor, [])]

    def shaded_windows(self, factor: str) -> list[tuple[float, float]]:
        """The (start, end) epoch seconds of the holdings windows shaded on ``factor``'s plot."""
        return [tuple(region.getRegion()) for region in self._regions.get(factor, [])]
