"""Fund regression tab: fund returns on CAPM / Fama-French factors (chapter 13.5-13.7).

Inputs come from the workspace (a returns data set, optionally factor data sets joined on
date); the tab builds a :class:`~analytics.regression.request.RegressionRequest`, run by
:func:`~analytics.regression.request.run_regression` as ``regress`` runs it. Results: the per-fund
table and the peer table (the funds ranked by alpha t or information ratio, as ``regress
--rank`` prints it), and for the fund selected in either its profile in words (what File ›
Export report… writes), the loadings with 95% intervals, the cumulative abnormal return (alpha +
residual), the cumulative return attribution, rolling and split-window betas, and the risk
decomposition.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from PySide6.QtCore import QModelIndex, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from analytics.errors import InputError
from analytics.regression.report import FundReport
from analytics.regression.request import RegressionRequest
from analytics.reports import IR_DEFINITION, RANKINGS, FundProfile, fund_profile, peer_table
from gui.tabs.base import AnalysisTab
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.dataset_combo import DatasetCombo
from gui.widgets.dataset_list import DatasetList
from gui.widgets.inputs import CheckList, ModelCombo, NotesLabel
from gui.widgets.plots import BarPlot, TimeSeriesPlot

__all__ = ["COV_LABELS", "RegressionTab"]

#: The standard errors offered, as the request names them.
COV_LABELS = {"classic OLS": "nonrobust", "robust (HC0)": "hc0", "Newey-West (HAC)": "hac"}


class RegressionTab(AnalysisTab):
    """Regress each fund's excess return on the chosen factor model."""

    title = "Fund regression"
    analysis = "regression"

    # --- inputs ---------------------------------------------------------------------
    def build_inputs(self, form: QFormLayout) -> None:
        self.returns_combo = DatasetCombo(self.workspace, ("returns",))
        self.factors_list = DatasetList(self.workspace, ("returns",))
        self.factors_list.setToolTip(
            "Factor data sets, joined on date (e.g. Ken French FF3 and AQR's BAB). None ticked: the factor "
            "columns of the returns data."
        )
        self.model_combo = ModelCombo("regression/model")
        self.fund_list = CheckList()
        self.excess_check = QCheckBox("returns are already excess of RF")
        self.cov_combo = QComboBox()
        for label, cov_type in COV_LABELS.items():
            self.cov_combo.addItem(label, cov_type)
        self.lags_spin = QSpinBox()
        self.lags_spin.setRange(0, 250)
        self.lags_spin.setValue(6)
        self.lags_spin.setSuffix(" lags")
        self.lags_spin.setEnabled(False)
        self.ppy_spin = QSpinBox()
        self.ppy_spin.setRange(0, 400)
        self.ppy_spin.setSpecialValueText("by frequency (12 monthly, 252 daily)")
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
        self.add_field("returns", "Returns", self.returns_combo)
        self.add_field("factors", "Factors", self.factors_list)
        self.add_field("model", "Model", self.model_combo)
        self.add_field("funds", "Funds", self.fund_list)
        self.add_field("excess", "", self.excess_check)
        self.add_field("cov_type", "Std. errors", self.cov_combo)
        self.add_field("hac_lags", "Newey-West lags", self.lags_spin)
        self.add_field("periods_per_year", "Annualize", self.ppy_spin)
        self.add_field("start", "Start", self.start_edit)
        self.add_field("end", "End", self.end_edit)
        self.add_field("rolling", "Rolling window", self.window_spin)
        self.add_field("splits", "Split at", self.split_edit)
        self.cov_combo.currentIndexChanged.connect(
            lambda _i: self.lags_spin.setEnabled(self.cov_combo.currentData() == "hac")
        )
        self.returns_combo.sigDatasetChanged.connect(self._on_returns_change)
        self.factors_list.sigChanged.connect(self._on_factors_change)
        self._on_returns_change(self.returns_combo.current_dataset())

    def _on_returns_change(self, dataset: object) -> None:
        """List the chosen data set's funds, all checked."""
        assets = dataset.data.assets if dataset is not None else None
        self.fund_list.set_names(
            assets.columns if assets is not None else [], counts=assets.count() if assets is not None else None
        )
        self._on_factors_change()

    def _on_factors_change(self) -> None:
        """Offer the chosen data's factor columns to the custom model."""
        sources = self.factors_list.checked_datasets() or [self.returns_combo.current_dataset()]
        columns = [c for d in sources if d is not None for c in d.data.factors.columns if c != "RF"]
        self.model_combo.available = list(dict.fromkeys(columns))

    def make_request(self) -> RegressionRequest:
        dataset = self.returns_combo.current_dataset()
        if dataset is None:
            raise InputError("no returns loaded; open a returns file (File > Open returns).", option="returns")
        return RegressionRequest(
            dataset,
            tuple(self.factors_list.checked_datasets()),
            funds=tuple(self.fund_list.checked()),
            model=self.model_combo.model(),
            excess=self.excess_check.isChecked(),
            start=self.start_edit.text(),
            end=self.end_edit.text(),
            cov_type=self.cov_combo.currentData(),
            hac_lags=self.lags_spin.value(),
            periods_per_year=self.ppy_spin.value() or None,
            rolling=self.window_spin.value(),
            splits=self.split_edit.text(),
        )

    def job_label(self, request: RegressionRequest) -> str:
        return f"Regressing {len(request.funds or ())} fund(s)…"

    # --- results --------------------------------------------------------------------
    def build_results(self, area: QWidget) -> None:
        self.notes_label = NotesLabel()
        self.summary_view = DataFrameView()
        self.summary_view.setSelectionBehavior(DataFrameView.SelectionBehavior.SelectRows)
        self.summary_view.clicked.connect(self._on_row_clicked)
        self.rank_combo = QComboBox()
        for key, label in RANKINGS.items():
            self.rank_combo.addItem(f"rank by {label}", key)
        self.rank_combo.setToolTip(
            "Order of the peer table. The alpha t-statistic says how sure we are that alpha is not zero and grows "
            f"with the length of the record; the information ratio does not, so it compares unequal records. "
            f"{IR_DEFINITION}"
        )
        self.rank_combo.currentIndexChanged.connect(self._show_peers)
        self.peers_view = DataFrameView()
        self.peers_view.setSelectionBehavior(DataFrameView.SelectionBehavior.SelectRows)
        self.peers_view.clicked.connect(self._on_row_clicked)
        self.peers_view.verticalHeader().hide()  # the rank column numbers the rows
        self.profile_view = QTextBrowser()
        self.profile_view.setOpenLinks(False)
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
        self.plots.addTab(self.profile_view, "Profile")
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
        self.fund_tables = QTabWidget()
        self.fund_tables.addTab(self.summary_view, "Funds")
        self.fund_tables.addTab(self._peers_box(), "Peers")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.fund_tables)
        splitter.addWidget(lower)
        splitter.setSizes([220, 420])
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notes_label)
        layout.addWidget(splitter, 1)
        self.selected_fund: str | None = None

    def _peers_box(self) -> QWidget:
        """The peer table under its ranking choice."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.rank_combo)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.peers_view, 1)
        return box

    def show_result(self, report: FundReport) -> None:
        result = report.results
        listed = "; ".join(f"{fund} ({why})" for fund, why in result.skipped.items())
        skipped = [f"Skipped: {len(result.skipped)} fund(s), not fitted: {listed}"] if result.skipped else []
        settings = (
            f"{result.cov_description}; annualized ×{result.periods_per_year}; rolling window {report.window} periods."
        )
        self.notes_label.set_notes([*report.all_notes, *skipped, settings], simulated=self.simulated)
        self.summary_view.set_frame(result.summary)
        self._show_peers()
        fund = self.selected_fund if self.selected_fund in result.funds else result.funds[0]
        self.select_fund(fund)

    @property
    def rank_by(self) -> str:
        """The peer table's ranking: ``alpha_t`` or ``ir`` (the report ranks its peers the same way)."""
        return str(self.rank_combo.currentData())

    def _show_peers(self) -> None:
        """The funds ranked by the chosen statistic, best first."""
        if self.result is not None:
            self.peers_view.set_frame(peer_table(self.result.results, rank_by=self.rank_by))

    def _on_row_clicked(self, index: QModelIndex) -> None:
        """A click in the funds or the peer table selects that fund."""
        view = self.sender() if isinstance(self.sender(), DataFrameView) else self.summary_view
        source = view.model().mapToSource(index)
        fund = str(view.frame().iloc[source.row()]["fund"])
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
        self.profile_view.setHtml(_profile_html(fund_profile(report, fund, simulated=self.simulated)))
        self.rolling_plot.set_frame(report.rolling_for(fund).dropna(how="all"))
        splits = report.splits
        self.split_view.set_frame(splits[splits["fund"] == fund].reset_index(drop=True) if len(splits) else splits)
        detail = result.detail
        with QSignalBlocker(self.detail_view):
            self.detail_view.set_frame(detail[detail["fund"] == fund].reset_index(drop=True))


def _profile_html(profile: FundProfile) -> str:
    """A fund's profile for the screen: its sentences, then the caveats set apart."""
    body = "".join(f"<p>{html.escape(text)}</p>" for text in profile.body)
    caveats = "".join(f"<li>{html.escape(text)}</li>" for text in profile.caveats)
    text = f"<h3>What {html.escape(profile.fund)} is really giving you</h3>{body}"
    if caveats:
        text += f"<p style='color:#8a4b00'><b>Caveats</b></p><ul style='color:#8a4b00'>{caveats}</ul>"
    return text
