"""Characteristic-adjusted returns tab: cross-sections, Fama-MacBeth, pure plays (chapter 13.9).

Inputs come from the workspace: a stock panel (date, id, return, characteristics) and,
optionally, portfolios (portfolio, id, weight). The job is
:func:`analytics.crosssection.report.cross_section_report_job`. Results: cumulative
characteristic returns, Fama-MacBeth premia with 95% intervals, each portfolio's raw vs
implied vs adjusted cumulative return, and the pure-play weights of a chosen date.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QTabWidget,
    QVBoxLayout, QWidget,
)

from analytics.crosssection.model import CAP_NAMES
from analytics.crosssection.report import CrossSectionReport, cross_section_report_job
from analytics.data.returns import RETURN_NAMES
from analytics.errors import InputError
from gui.tabs.base import AnalysisTab
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.dataset_combo import DatasetCombo
from gui.widgets.inputs import CheckList, NotesLabel
from gui.widgets.plots import BarPlot, TimeSeriesPlot

__all__ = ["CharAdjTab"]

LAG_NOTE = ("Characteristics are used as given at each date: lag them yourself (e.g. last month's size), "
            "or the regression looks ahead.")
WEIGHTINGS = ("OLS (equal weights)", "WLS by market cap")


class CharAdjTab(AnalysisTab):
    """Per-date regressions of returns on z-scored characteristics, and portfolio adjustments."""

    title = "Characteristic-adjusted returns"
    main_table = "coefficients"

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
        form.addRow("Stock panel", self.panel_combo)
        form.addRow("Portfolios", self.portfolios_combo)
        form.addRow("Return", self.return_combo)
        form.addRow("Characteristics", self.char_list)
        form.addRow(self.lag_note)
        form.addRow("Weighting", self.weighting_combo)
        form.addRow("Market cap", self.cap_combo)
        form.addRow("Only the top", self.top_spin)
        form.addRow("Winsorize at", self.winsor_spin)
        form.addRow("", self.constant_check)
        form.addRow("Newey-West", self.lags_spin)
        self.panel_combo.sigDatasetChanged.connect(self._on_panel_change)
        self._had_portfolios = False
        self.workspace.sigChanged.connect(self._on_workspace_change)
        self._on_workspace_change()
        self.return_combo.currentTextChanged.connect(lambda _text: self._fill_characteristics())
        self._on_panel_change(self.panel_combo.current_dataset())

    def _on_workspace_change(self) -> None:
        """When portfolios first appear, choose them (the user may switch back to none)."""
        has = bool(self.workspace.datasets(("portfolios",)))
        if has and not self._had_portfolios and self.portfolios_combo.current_dataset() is None:
            self.portfolios_combo.setCurrentIndex(1)
        self._had_portfolios = has

    def _numeric_columns(self) -> list[str]:
        dataset = self.panel_combo.current_dataset()
        if dataset is None:
            return []
        frame = dataset.data
        return [c for c in frame.columns if c not in ("date", "id") and pd.api.types.is_numeric_dtype(frame[c])]

    def _on_panel_change(self, _dataset: object) -> None:
        """Offer the panel's numeric columns as return, market cap and characteristics."""
        columns = self._numeric_columns()
        lowered = {c.lower(): c for c in columns}
        with QSignalBlocker(self.return_combo):
            self.return_combo.clear()
            self.return_combo.addItems(columns)
            default = next((lowered[n] for n in ("re", *RETURN_NAMES) if n in lowered), None)
            if default is not None:
                self.return_combo.setCurrentText(default)
        self.cap_combo.clear()
        self.cap_combo.addItems(columns)
        cap = next((lowered[n] for n in CAP_NAMES if n in lowered), None)
        if cap is not None:
            self.cap_combo.setCurrentText(cap)
        self._fill_characteristics()

    def _fill_characteristics(self) -> None:
        """Every numeric column but the return and market cap, all ticked."""
        skip = {self.return_combo.currentText()} | {c for c in self._numeric_columns() if c.lower() in CAP_NAMES}
        self.char_list.set_names(name for name in self._numeric_columns() if name not in skip)

    def make_job(self):
        dataset = self.panel_combo.current_dataset()
        if dataset is None:
            raise InputError("no stock panel loaded; open one (File > Open stock panel).")
        chars = self.char_list.checked()
        if not chars:
            raise InputError("no characteristics ticked; tick at least one in the list.")
        portfolios = self.portfolios_combo.current_dataset()
        wls = self.weighting_combo.currentText() == WEIGHTINGS[1]
        top = self.top_spin.value() or None
        cap = self.cap_combo.currentText() or None
        factory = partial(
            cross_section_report_job, dataset.data, portfolios.data if portfolios is not None else None,
            ret_col=self.return_combo.currentText(), chars=chars, weight_col=cap if wls else None, top_pct=top,
            cap_col=cap if top else None, winsorize=(self.winsor_spin.value() / 100) or None,
            constant=self.constant_check.isChecked(), source=dataset.name,
            nw_lags=None if self.lags_spin.value() < 0 else self.lags_spin.value(),
        )
        self._notes = (*dataset.notes, *(portfolios.notes if portfolios is not None else ()))
        self._simulated = dataset.simulated
        return factory, f"Cross-sections of {dataset.name}…"

    # --- results --------------------------------------------------------------------
    def build_results(self, area: QWidget) -> None:
        self.notes_label = NotesLabel()
        self.returns_plot = TimeSeriesPlot("Cumulative characteristic returns (pure-play portfolios)",
                                           "sum of returns")
        self.premia_plot = BarPlot("Fama-MacBeth premia per period with 95% intervals", "return")
        self.fm_view = DataFrameView()
        self.portfolio_combo = QComboBox()
        self.portfolio_plot = TimeSeriesPlot("Raw vs characteristic-implied vs adjusted (cumulative)",
                                             "sum of returns")
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
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.plots, 1)

    def show_result(self, report: CrossSectionReport) -> None:
        results = report.results
        self.notes_label.set_notes([*self._notes, *report.notes], simulated=self._simulated)
        self.returns_plot.set_frame(results.cumulative)
        ci = results.conf_int()
        self.premia_plot.set_bars(list(ci["characteristic"]), ci["premium"].to_numpy(), ci["lower"].to_numpy(),
                                  ci["upper"].to_numpy())
        self.fm_view.set_frame(ci)
        self.per_date_view.set_frame(results.coefficients)
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
