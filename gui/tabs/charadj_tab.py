"""Characteristic-adjusted returns tab: cross-sections, Fama-MacBeth, pure plays (chapter 13.9).

Inputs come from the workspace: a stock panel (date, id, return, characteristics) and,
optionally, portfolios (portfolio, id, weight). The job is
:func:`analytics.crosssection.request.run_cross_section` (the tab builds its request). Results: cumulative
characteristic returns, Fama-MacBeth premia with 95% intervals, each portfolio's raw vs
implied vs adjusted cumulative return, and the pure-play weights of a chosen date.

Defaults are chosen by column name: the return among the usual return names, the market cap
among :data:`~analytics.crosssection.setup.CAP_NAMES` (never the return), and every other
numeric column ticked as a characteristic (the return, the market cap and the risk-free or
market columns are not characteristics). "Build characteristics" adds lagged size, momentum
and reversal (:mod:`analytics.crosssection.characteristics`) as a new panel in the workspace,
on the worker pool; the look-ahead warning shows while any user-supplied characteristic is
ticked.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analytics.crosssection.characteristics import BUILT, BuiltCharacteristics, build_characteristics_job
from analytics.crosssection.report import CrossSectionReport
from analytics.crosssection.request import CrossSectionRequest
from analytics.crosssection.setup import CAP_NAMES
from analytics.data.dataset import Dataset, describe_frame
from analytics.data.panel import numeric_columns
from analytics.data.partitioned import PartitionedPanel
from analytics.data.returns import RETURN_NAMES
from analytics.errors import InputError
from gui.jobs import JobRunner
from gui.tabs.base import AnalysisTab
from gui.units import period_label, periods_per_year_of
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.dataset_combo import DatasetCombo
from gui.widgets.inputs import CheckList, NotesLabel
from gui.widgets.plots import BarPlot, TimeSeriesPlot

__all__ = ["CharAdjTab"]

LAG_NOTE = (
    "Characteristics are used as given at each date: lag them yourself (e.g. last month's size), "
    "or the regression looks ahead."
)
WEIGHTINGS = ("OLS (equal weights)", "WLS by market cap")
NO_CAP = "none"
#: Numeric panel columns that are never characteristics (risk-free rate, market return, shares).
NOT_CHARACTERISTICS = ("rf", "rme", "mktrf", "mkt-rf", "shrout")


class CharAdjTab(AnalysisTab):
    """Per-date regressions of returns on z-scored characteristics, and portfolio adjustments."""

    title = "Characteristic-adjusted returns"
    analysis = "crosssection"

    # --- inputs ---------------------------------------------------------------------
    def build_inputs(self, form: QFormLayout) -> None:
        self.panel_combo = DatasetCombo(self.workspace, ("panel",))
        self.portfolios_combo = DatasetCombo(self.workspace, ("portfolios",), none_label="no portfolios")
        self.return_combo = QComboBox()
        self.char_list = CheckList()
        self.weighting_combo = QComboBox()
        self.weighting_combo.addItems(WEIGHTINGS)
        self.cap_combo = QComboBox()
        self.top_spin = QDoubleSpinBox()
        self.top_spin.setRange(0, 100)
        self.top_spin.setSpecialValueText("all stocks")
        self.top_spin.setSuffix("% by market cap")
        self.winsor_spin = QDoubleSpinBox()
        self.winsor_spin.setRange(0, 49)
        self.winsor_spin.setSpecialValueText("off")
        self.winsor_spin.setSuffix("% tails")
        self.constant_check = QCheckBox("add a constant")
        self.constant_check.setToolTip("The chapter's regression has no constant; with one, R² is centered.")
        self.lags_spin = QSpinBox()
        self.lags_spin.setRange(-1, 60)
        self.lags_spin.setValue(-1)
        self.lags_spin.setSpecialValueText("rule of thumb")
        self.lags_spin.setSuffix(" lags")
        self.lag_note = QLabel(LAG_NOTE)
        self.lag_note.setWordWrap(True)
        self.lag_note.setStyleSheet("color: #a05a00;")
        self.build_button = QPushButton("Build characteristics")
        self.build_button.setToolTip(
            "Add lagged size (log of last period's market cap), momentum (return from "
            "t−12 to t−2) and short-term reversal (last period's return) to a copy of "
            "the panel; nothing looks ahead."
        )
        self.build_button.clicked.connect(self.build_characteristics)
        self.build_runner = JobRunner(self.notifier, self)
        self.build_runner.sigFinished.connect(self._on_built)
        self.build_runner.sigBusyChanged.connect(lambda busy: self.build_button.setEnabled(not busy))
        self.add_field("panel", "Stock panel", self.panel_combo)
        self.add_field("portfolios", "Portfolios", self.portfolios_combo)
        self.add_field("ret_col", "Return", self.return_combo)
        self.add_field("cap_col", "Market cap", self.cap_combo)
        self.add_field("chars", "Characteristics", self.char_list)
        form.addRow(self.build_button)
        form.addRow(self.lag_note)
        self.add_field("weight_col", "Weighting", self.weighting_combo)
        self.add_field("top_pct", "Only the top", self.top_spin)
        self.add_field("winsorize", "Winsorize at", self.winsor_spin)
        self.add_field("constant", "", self.constant_check)
        self.add_field("nw_lags", "Newey-West", self.lags_spin)
        self.panel_combo.sigDatasetChanged.connect(self._on_panel_change)
        self._had_portfolios = False
        self.workspace.sigChanged.connect(self._on_workspace_change)
        self._on_workspace_change()
        self.return_combo.currentTextChanged.connect(lambda _text: self._fill_choices())
        self.cap_combo.currentTextChanged.connect(lambda _text: self._fill_characteristics())
        self.char_list.sigChanged.connect(self._on_characteristics_change)
        self._on_panel_change(self.panel_combo.current_dataset())

    def _on_workspace_change(self) -> None:
        """When portfolios first appear, choose them (the user may switch back to none)."""
        has = bool(self.workspace.datasets(("portfolios",)))
        if has and not self._had_portfolios and self.portfolios_combo.current_dataset() is None:
            self.portfolios_combo.setCurrentIndex(1)
        self._had_portfolios = has

    def _numeric_columns(self) -> list[str]:
        dataset = self.panel_combo.current_dataset()
        return [] if dataset is None else numeric_columns(dataset.data)

    def _on_panel_change(self, _dataset: object) -> None:
        """Offer the panel's numeric columns; the return and market cap are found by name."""
        columns = self._numeric_columns()
        lowered = {c.lower(): c for c in columns}
        with QSignalBlocker(self.return_combo):
            self.return_combo.clear()
            self.return_combo.addItems(columns)
            default = next((lowered[n] for n in ("re", *RETURN_NAMES) if n in lowered), None)
            if default is not None:
                self.return_combo.setCurrentText(default)
        self._fill_choices()

    def _fill_choices(self) -> None:
        """Market-cap choices (never the return; a column named like a cap by default), then
        the characteristics."""
        columns = [c for c in self._numeric_columns() if c != self.return_combo.currentText()]
        cap = next((c for c in columns if c.lower() in CAP_NAMES), NO_CAP)
        with QSignalBlocker(self.cap_combo):
            self.cap_combo.clear()
            self.cap_combo.addItems([NO_CAP, *columns])
            self.cap_combo.setCurrentText(cap)
        self._fill_characteristics()

    def market_cap(self) -> str | None:
        """The chosen market-cap column, or None."""
        text = self.cap_combo.currentText()
        return None if text in ("", NO_CAP) else text

    def _fill_characteristics(self) -> None:
        """Every numeric column but the return, the market cap and non-characteristics, all ticked."""
        skip = {self.return_combo.currentText(), self.market_cap()}
        self.char_list.set_names(
            c
            for c in self._numeric_columns()
            if c not in skip and c.lower() not in CAP_NAMES and c.lower() not in NOT_CHARACTERISTICS
        )
        self._on_characteristics_change()

    def _on_characteristics_change(self) -> None:
        """The look-ahead warning shows while a characteristic not built here is ticked."""
        self.lag_note.setVisible(any(c not in BUILT for c in self.char_list.checked()))

    # --- building characteristics ------------------------------------------------------
    def build_characteristics(self) -> bool:
        """Build lagged size, momentum and reversal from the chosen panel on the worker pool."""
        dataset = self.panel_combo.current_dataset()
        if dataset is None or not self.return_combo.currentText():
            self.notifier.warn("No stock panel with a return column loaded; open one (File › Open stock panel).")
            return False
        self._building = dataset
        factory = partial(
            build_characteristics_job,
            dataset.data.read_dates() if isinstance(dataset.data, PartitionedPanel) else dataset.data,
            ret_col=self.return_combo.currentText(),
            cap_col=self.market_cap(),
            source=dataset.name,
        )
        return self.build_runner.submit(factory, f"Building characteristics of {dataset.name}…")

    def _on_built(self, built: BuiltCharacteristics) -> None:
        """The panel with built characteristics joins the workspace, chosen, with them ticked."""
        source = self._building
        name = f"{source.name} + built characteristics"
        self.workspace.add(
            Dataset(
                name,
                "panel",
                built.panel,
                describe_frame(built.panel, "rows"),
                notes=(*source.notes, *built.notes),
                simulated=source.simulated,
            )
        )
        self.panel_combo.select(name)
        self.char_list.set_checked(built.columns)

    def make_request(self) -> CrossSectionRequest:
        dataset = self.panel_combo.current_dataset()
        if dataset is None:
            raise InputError("no stock panel loaded; open one (File > Open stock panel).", option="panel")
        chars = self.char_list.checked()
        if not chars:
            raise InputError("no characteristics ticked; tick at least one in the list.", option="chars")
        wls = self.weighting_combo.currentText() == WEIGHTINGS[1]
        top = self.top_spin.value() or None
        cap = self.market_cap()
        if cap is None and (wls or top):
            raise InputError(
                "WLS and the top-cap filter need a market cap; choose the market-cap column.", option="cap_col"
            )
        return CrossSectionRequest(
            dataset,
            self.portfolios_combo.current_dataset(),
            chars=tuple(chars),
            ret_col=self.return_combo.currentText(),
            weight_col=cap if wls else None,
            top_pct=top,
            cap_col=cap if top else None,
            winsorize=self.winsor_spin.value() or None,
            constant=self.constant_check.isChecked(),
            nw_lags=None if self.lags_spin.value() < 0 else self.lags_spin.value(),
        )

    def job_label(self, request: CrossSectionRequest) -> str:
        return f"Cross-sections of {request.panel.name}…"

    # --- results --------------------------------------------------------------------
    def build_results(self, area: QWidget) -> None:
        self.notes_label = NotesLabel()
        self.returns_plot = TimeSeriesPlot("Cumulative characteristic returns (pure-play portfolios)", "sum of returns")
        self.premia_plot = BarPlot("Fama-MacBeth premia with 95% intervals", "return")
        self.fm_view = DataFrameView()
        self.portfolio_combo = QComboBox()
        self.portfolio_plot = TimeSeriesPlot("Raw vs characteristic-implied vs adjusted (cumulative)", "sum of returns")
        self.date_combo = QComboBox()
        self.exposure_label = QLabel()
        self.weights_view = DataFrameView()
        self.per_date_view = DataFrameView()
        self.plots = QTabWidget()
        self.plots.addTab(self.returns_plot, "Characteristic returns")
        premia = QWidget()
        premia_layout = QVBoxLayout(premia)
        premia_layout.addWidget(self.premia_plot, 2)
        premia_layout.addWidget(self.fm_view, 1)
        self.plots.addTab(premia, "Premia")
        self.plots.addTab(_stacked(self.portfolio_combo, self.portfolio_plot), "Portfolios")
        self.plots.addTab(_stacked(self.date_combo, self.exposure_label, self.weights_view), "Pure-play weights")
        self.plots.addTab(self.per_date_view, "Per date")
        self.portfolio_combo.currentTextChanged.connect(self.select_portfolio)
        self.date_combo.currentTextChanged.connect(self.select_date)
        self.portfolio_plot.set_empty_hint(
            "No portfolios: open a portfolios file (portfolio, id, weight) with "
            "File › Open portfolios, choose it under Portfolios and run again."
        )
        self.weights_view.set_empty_hint("Choose a date above to see its pure-play weights.")
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.plots, 1)

    def show_result(self, report: CrossSectionReport) -> None:
        results = report.results
        self.notes_label.set_notes(report.all_notes, simulated=self.simulated)
        self.returns_plot.set_frame(results.cumulative)
        ci = results.conf_int()
        self.premia_plot.setTitle(f"Fama-MacBeth premia {period_label(periods_per_year_of(report))} with 95% intervals")
        self.premia_plot.set_bars(
            list(ci["characteristic"]), ci["premium"].to_numpy(), ci["lower"].to_numpy(), ci["upper"].to_numpy()
        )
        self.fm_view.set_frame(ci, kinds={"std_err": "return"})
        returns = dict.fromkeys(results.regressors, "return")  # each date's coefficient is a return
        self.per_date_view.set_frame(results.coefficients, kinds=returns)
        names = report.adjusted.portfolios if report.adjusted is not None else []
        with QSignalBlocker(self.portfolio_combo):
            self.portfolio_combo.clear()
            self.portfolio_combo.addItems(names)
        self.select_portfolio(names[0] if names else "")
        with QSignalBlocker(self.date_combo):
            self.date_combo.clear()
            self.date_combo.addItems([str(d.date()) for d in results.dates])
            self.date_combo.setCurrentIndex(self.date_combo.count() - 1)
        self.select_date(self.date_combo.currentText())

    def select_portfolio(self, name: str) -> None:
        """Plot one portfolio's cumulative raw, implied and adjusted returns."""
        report: CrossSectionReport | None = self.result
        if report is None or report.adjusted is None or not name:
            self.portfolio_plot.set_frame(pd.DataFrame(index=pd.DatetimeIndex([])))
            return
        self.portfolio_plot.set_frame(report.adjusted.cumulative(name))

    def select_date(self, date: str) -> None:
        """Show the pure-play weights of ``date`` (stocks × characteristics) and their check."""
        report: CrossSectionReport | None = self.result
        if report is None or not date:
            return
        results = report.results
        weights = results.pure_play_weights(date)
        error = np.abs(results.pure_play_exposures(date).to_numpy() - np.eye(len(results.regressors))).max()
        self.exposure_label.setText(
            f"{len(weights)} stocks. Each column has exposure 1 to its characteristic and 0 to the others "
            f"(largest deviation {error:.1e}); its return is that date's coefficient."
        )
        self.weights_view.set_frame(weights.reset_index())


def _stacked(*widgets: QWidget) -> QWidget:
    """Widgets one above the other; the last one takes the remaining height."""
    box = QWidget()
    layout = QVBoxLayout(box)
    for widget in widgets[:-1]:
        layout.addWidget(widget)
    layout.addWidget(widgets[-1], 1)
    return box
