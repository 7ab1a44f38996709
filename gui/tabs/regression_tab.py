"""Fund regression tab: fund returns on CAPM / Fama-French factors (chapter 13.5-13.7).

Inputs come from the workspace (a returns data set, optionally a separate factor data set);
the job is :func:`analytics.regression.report.fund_report_job`. Results: the per-fund table,
and for the fund selected in it the loadings with 95% intervals, the cumulative abnormal
return (alpha + residual), the cumulative return attribution, rolling and split-window
betas, and the risk decomposition.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analytics.errors import InputError
from analytics.regression.report import FundReport, fund_report_job
from gui.tabs.base import AnalysisTab
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.dataset_combo import DatasetCombo
from gui.widgets.inputs import CheckList, ModelCombo, NotesLabel
from gui.widgets.plots import BarPlot, TimeSeriesPlot

__all__ = ["RegressionTab"]


class RegressionTab(AnalysisTab):
    """Regress each fund's excess return on the chosen factor model."""

    title = "Fund regression"

    # --- inputs ---------------------------------------------------------------------
    def build_inputs(self, form: QFormLayout) -> None:
        self.returns_combo = DatasetCombo(self.workspace, ("returns",))
        self.factors_combo = DatasetCombo(self.workspace, ("returns",), none_label="factor columns of the returns data")
        self.model_combo = ModelCombo("regression/model")
        self.fund_list = CheckList()
        self.excess_check = QCheckBox("returns are already excess of RF")
        self.hac_spin = QSpinBox()
        self.hac_spin.setRange(0, 60)
        self.hac_spin.setSpecialValueText("classic OLS")
        self.hac_spin.setSuffix(" Newey-West lags")
        self.start_edit = QLineEdit()
        self.start_edit.setPlaceholderText("first date, e.g. 2015-01-01")
        self.end_edit = QLineEdit()
        self.end_edit.setPlaceholderText("last date")
        self.window_spin = QSpinBox()
        self.window_spin.setRange(0, 5000)
        self.window_spin.setSpecialValueText("default (36 months / 252 days)")
        self.window_spin.setSuffix(" periods")
        self.split_edit = QLineEdit()
        self.split_edit.setPlaceholderText("e.g. 2017-12-29 (comma-separated)")
        form.addRow("Returns", self.returns_combo)
        form.addRow("Factors", self.factors_combo)
        form.addRow("Model", self.model_combo)
        form.addRow("Funds", self.fund_list)
        form.addRow("", self.excess_check)
        form.addRow("Std. errors", self.hac_spin)
        form.addRow("Start", self.start_edit)
        form.addRow("End", self.end_edit)
        form.addRow("Rolling window", self.window_spin)
        form.addRow("Split at", self.split_edit)
        self.returns_combo.sigDatasetChanged.connect(self._on_returns_change)
        self._on_returns_change(self.returns_combo.current_dataset())

    def _on_returns_change(self, dataset: object) -> None:
        """List the chosen data set's funds, all checked."""
        assets = dataset.data.assets if dataset is not None else None
        self.fund_list.set_names(
            assets.columns if assets is not None else [], counts=assets.count() if assets is not None else None
        )

    def make_job(self):
        dataset = self.returns_combo.current_dataset()
        if dataset is None:
            raise InputError("no returns loaded; open a returns file (File > Open returns).")
        factor_set = self.factors_combo.current_dataset() or dataset
        data, factors = dataset.data, factor_set.data
        if factors.freq != data.freq:
            raise InputError(
                f"{dataset.name} is {data.freq} but {factor_set.name} is {factors.freq}; choose factors of the same frequency."
            )
        funds = self.fund_list.checked()
        if not funds:
            raise InputError("no funds ticked; tick at least one fund in the list.")
        model = self.model_combo.model()
        lags = self.hac_spin.value()
        cov = {"cov_type": "hac", "cov_config": {"maxlags": lags}} if lags else {}
        splits = [s.strip() for s in self.split_edit.text().split(",") if s.strip()]
        factory = partial(
            fund_report_job,
            data.assets,
            factors.factors,
            freq=data.freq,
            window=self.window_spin.value() or None,
            splits=splits,
            funds=funds,
            returns_source=dataset.name,
            model=model,
            excess=self.excess_check.isChecked(),
            start=self.start_edit.text().strip() or None,
            end=self.end_edit.text().strip() or None,
            source=factor_set.name,
            **cov,
        )
        self._notes = (*data.notes, *(factors.notes if factors is not data else ()))
        self._simulated = dataset.simulated
        return factory, f"Regressing {len(funds)} fund(s)…"

    # --- results --------------------------------------------------------------------
    def build_results(self, area: QWidget) -> None:
        self.notes_label = NotesLabel()
        self.summary_view = DataFrameView()
        self.summary_view.setSelectionBehavior(DataFrameView.SelectionBehavior.SelectRows)
        self.summary_view.clicked.connect(self._on_row_clicked)
        self.fund_label = QLabel()
        self.fund_label.setStyleSheet("font-weight: bold;")
        self.loadings_plot = BarPlot("Loadings with 95% intervals", "beta")
        self.abnormal_plot = TimeSeriesPlot("Cumulative abnormal return (alpha + residual)", "sum of returns")
        self.attribution_plot = TimeSeriesPlot("Cumulative return attribution", "sum of returns")
        self.risk_plot = BarPlot("Share of return variance", "share")
        self.rolling_plot = TimeSeriesPlot("Rolling loadings", "beta")
        self.split_view = DataFrameView()
        self.split_view.set_empty_hint(
            "No split dates: enter dates under 'Split at' and run again to see the loadings before and after each."
        )
        self.detail_view = DataFrameView()
        self.plots = QTabWidget()
        self.plots.addTab(self.loadings_plot, "Loadings")
        self.plots.addTab(self.abnormal_plot, "Abnormal return")
        self.plots.addTab(self.attribution_plot, "Attribution")
        self.plots.addTab(self.rolling_plot, "Rolling betas")
        self.plots.addTab(self.split_view, "Split windows")
        self.plots.addTab(self.risk_plot, "Risk")
        self.plots.addTab(self.detail_view, "Coefficients")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.fund_label)
        lower_layout.addWidget(self.plots)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.summary_view)
        splitter.addWidget(lower)
        splitter.setSizes([220, 420])
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notes_label)
        layout.addWidget(splitter, 1)
        self.selected_fund: str | None = None

    def show_result(self, report: FundReport) -> None:
        result = report.results
        listed = "; ".join(f"{fund} ({why})" for fund, why in result.skipped.items())
        skipped = [f"Skipped: {len(result.skipped)} fund(s), not fitted: {listed}"] if result.skipped else []
        settings = (
            f"{result.cov_description}; annualized ×{result.periods_per_year}; rolling window {report.window} periods."
        )
        self.notes_label.set_notes(
            [*self._notes, *result.notes, *report.notes, *skipped, settings], simulated=self._simulated
        )
        self.summary_view.set_frame(result.summary)
        fund = self.selected_fund if self.selected_fund in result.funds else result.funds[0]
        self.select_fund(fund)

    def _on_row_clicked(self, index) -> None:
        source = self.summary_view.model().mapToSource(index)
        fund = str(self.summary_view.frame().iloc[source.row()]["fund"])
        skipped = self.result.results.skipped
        if fund in skipped:  # a fund that was not fitted has nothing to plot: say why instead
            self.fund_label.setText(f"{fund}: not fitted: {skipped[fund]} (the plots still show {self.selected_fund})")
            return
        self.select_fund(fund)

    def select_fund(self, fund: str) -> None:
        """Show the selected fund's loadings, abnormal path, attribution and risk."""
        report: FundReport = self.result
        result = report.results
        self.selected_fund = fund
        row = result.summary.set_index("fund").loc[fund]
        self.fund_label.setText(
            f"{fund}: alpha {row['alpha']:.2%} a year (t {row['t_alpha']:.2f}), R² {row['r2']:.3f}, "
            f"ivol {row['ivol']:.2%}, {int(row['n_obs'])} obs {row['start']} to {row['end']}"
        )
        lower, upper = result.conf_int()
        factors = result.factors
        self.loadings_plot.set_bars(
            factors,
            result.params.loc[fund, factors].to_numpy(),
            lower.loc[fund, factors].to_numpy(),
            upper.loc[fund, factors].to_numpy(),
        )
        self.abnormal_plot.set_frame(
            pd.DataFrame(
                {
                    "abnormal (alpha + residual)": result.cumulative_abnormal[fund],
                    "fund excess return": result.y[fund].where(result.resid[fund].notna()).cumsum(),
                }
            ).dropna(how="all")
        )
        self.attribution_plot.set_frame(result.attribution(fund).cumsum())
        risk = result.risk_decomposition
        shares = risk[(risk["fund"] == fund) & (risk["part"] == "share")].iloc[0]
        labels = [*factors, "residual"]
        self.risk_plot.set_bars(labels, np.array([shares[c] for c in labels], dtype=float))
        self.rolling_plot.set_frame(report.rolling_for(fund).dropna(how="all"))
        splits = report.splits
        self.split_view.set_frame(splits[splits["fund"] == fund].reset_index(drop=True) if len(splits) else splits)
        detail = result.detail
        with QSignalBlocker(self.detail_view):
            self.detail_view.set_frame(detail[detail["fund"] == fund].reset_index(drop=True))
