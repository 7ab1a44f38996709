"""What every analysis tab shares: an inputs column, a run/cancel bar, a results area.

A tab subclass names its ``analysis`` (a key of :data:`analytics.analyses.ANALYSES`), builds
its input widgets in ``build_inputs`` (each with :meth:`AnalysisTab.add_field`, which ties a
control's label to the request field it sets), turns the inputs into the analysis' request in
``make_request`` (the request validates them: a bad value raises an InputError naming the
field, shown with the control's label), and renders a finished result in ``show_result``.
The base class runs the analysis on its own :class:`~gui.jobs.JobRunner`, keeps the last
result, and offers it for export with the record of the run.

It also keeps the screen honest, so tabs need not: inputs and results sit in a splitter that
lets the window shrink to a laptop's 1024×700 (forms scroll, labels wrap); empty tables and
plots say why they are empty; after a failed, cancelled or refused run the previous results
stay but a banner says they belong to the previous run; tables label per-period values with
the result's frequency; the data behind the results shown are named (``data_in_use``); every
form field gets its tooltip from :mod:`gui.help.tooltips`; id lists show tickers and names
when the workspace holds a names table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from analytics.analyses import ANALYSES
from analytics.data.dataset import Dataset
from analytics.errors import InputError
from analytics.jobs import Job
from analytics.request import run_record
from gui.help.tooltips import field_tip
from gui.jobs import JobRunner
from gui.notifier import Notifier
from gui.units import periods_per_year_of
from gui.widgets.check_list import CheckList
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.dataset_combo import DatasetCombo
from gui.widgets.dataset_list import DatasetList
from gui.widgets.job_bar import JobBar
from gui.widgets.placeholder import NO_RESULTS
from gui.widgets.plots import Plot
from gui.workspace import WorkspaceModel

__all__ = ["AnalysisTab"]

#: Width of the inputs column at start (wider when its form needs it, up to the maximum; the
#: splitter lets the user change it) and its minimum, below which the form scrolls sideways.
INPUTS_WIDTH, INPUTS_MAX_WIDTH, INPUTS_MIN_WIDTH = 290, 360, 200
_STALE_STYLE = "background: #fff3cd; color: #6b4e00; border: 1px solid #e0c36a; padding: 4px;"


class AnalysisTab(QWidget):
    """Base class of the analysis tabs (see the module docstring for the contract)."""

    title = ""
    #: The analysis this tab runs: a key of :data:`analytics.analyses.ANALYSES`.
    analysis = ""
    sigResultChanged = Signal(object)
    sigDataInUseChanged = Signal()

    def __init__(self, workspace: WorkspaceModel, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.notifier = notifier
        self.runner = JobRunner(notifier, self)
        #: Request field -> the label of the control that sets it (how errors name it here).
        self.field_labels: dict[str, str] = {}
        self.runner.option_names = self.field_labels
        self.result: Any = None
        self.result_data: list[Dataset] = []
        self._running_data: list[Dataset] = []
        self._result_label = ""
        self.job_bar = JobBar(self.runner)
        self.job_bar.run_button.clicked.connect(self._on_run_clicked)
        self.runner.sigFinished.connect(self._on_result)
        self.runner.sigFailed.connect(self._on_failed)
        self.runner.sigCancelled.connect(lambda: self._mark_stale("was cancelled"))

        inputs = QWidget()
        column = QVBoxLayout(inputs)
        self.form = QFormLayout()
        column.addLayout(self.form)
        column.addStretch(1)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.inputs_scroll = QScrollArea()
        self.inputs_scroll.setWidget(inputs)
        self.inputs_scroll.setWidgetResizable(True)
        self.inputs_scroll.setMinimumWidth(INPUTS_MIN_WIDTH)
        self.inputs_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

        self.stale_banner = QLabel()
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setStyleSheet(_STALE_STYLE)
        self.stale_banner.hide()
        self.results_area = QWidget()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.job_bar)
        right_layout.addWidget(self.stale_banner)
        right_layout.addWidget(self.results_area, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.inputs_scroll)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self.build_inputs(self.form)
        self.build_results(self.results_area)
        self._fit_small_screens()
        form_width = inputs.minimumSizeHint().width() + self.inputs_scroll.verticalScrollBar().sizeHint().width() + 4
        self.splitter.setSizes([min(max(INPUTS_WIDTH, form_width), INPUTS_MAX_WIDTH), 4 * INPUTS_WIDTH])
        self._add_tooltips()
        self._show_empty_reason(NO_RESULTS)
        workspace.sigChanged.connect(self._on_workspace_change)
        self._on_workspace_change()

    # --- for subclasses -------------------------------------------------------------
    def build_inputs(self, form: QFormLayout) -> None:
        """Add the input widgets to ``form``."""
        raise NotImplementedError

    def build_results(self, area: QWidget) -> None:
        """Create the result views inside ``area`` (once; ``show_result`` updates them)."""
        raise NotImplementedError

    def make_request(self) -> Any:
        """The analysis' request for the current inputs (its validation raises InputError)."""
        raise NotImplementedError

    def job_label(self, request: Any) -> str:
        """What the job bar says while the request runs."""
        return f"{self.title}…"

    def make_job(self) -> tuple[Callable[[], Job[Any]], str]:
        """The job for the current inputs (the analysis' run function on the request) and a label."""
        request = self.make_request()
        return partial(ANALYSES[self.analysis].run, request), self.job_label(request)

    def add_field(self, field: str, label: str, widget: QWidget) -> None:
        """A form row for the request field ``field``; errors about that field name ``label``
        (a check box's own text when the row has no label)."""
        self.form.addRow(label, widget)
        self.field_labels[field] = label or (widget.text() if isinstance(widget, QCheckBox) else field)

    def show_result(self, result: Any) -> None:
        """Render a finished result."""
        raise NotImplementedError

    def export_tables(self) -> tuple[dict[str, pd.DataFrame], str] | None:
        """The last result's tables and the main table's name, or None before any result."""
        return (self.result.tables(), self.main_table) if self.result is not None else None

    def export_run(self) -> dict[str, Any] | None:
        """How the last result was made (app, time, inputs with checksums, options, notes), or None."""
        if self.result is None or getattr(self.result, "request", None) is None:
            return None
        return run_record(self.result.request, self.result.all_notes, analysis=self.analysis, used=self.result.settings)

    @property
    def main_table(self) -> str:
        """The table a CSV export holds."""
        return ANALYSES[self.analysis].main_table

    @property
    def simulated(self) -> bool:
        """Whether the results on screen come from simulated (demo) data."""
        return any(d.simulated for d in self.result_data)

    # --- verbs --------------------------------------------------------------------
    def run(self, *, quiet: bool = False) -> bool:
        """Start the job for the current inputs; returns whether it started.

        Bad inputs are a dialog, or with ``quiet`` only the empty views' message (a run the
        user did not ask for, such as the screenshots')."""
        try:
            factory, label = self.make_job()
        except InputError as exc:
            if not quiet:
                self.notifier.error(exc, self.field_labels)
            self._refused(exc.worded(self.field_labels))
            return False
        data = self.selected_data()
        started = self.runner.submit(factory, label)
        if started:
            self._running_data = data
        return started

    def _on_run_clicked(self) -> None:
        self.run()

    # --- what the results are made of ---------------------------------------------------
    def selected_data(self) -> list[Dataset]:
        """The data sets chosen in this tab's inputs now (each once, in form order)."""
        chosen = [combo.current_dataset() for combo in self.findChildren(DatasetCombo)]
        chosen += [d for checks in self.findChildren(DatasetList) for d in checks.checked_datasets()]
        return list({d.name: d for d in chosen if d is not None}.values())

    def data_in_use(self) -> list[Dataset]:
        """The data behind the results on screen, or the chosen data before any result."""
        return self.result_data if self.result is not None else self.selected_data()

    def data_in_use_text(self) -> str:
        """One line for the status bar: what this tab's results (or inputs) are made of."""
        data = self.data_in_use()
        if not data:
            return f"{self.title}: no data chosen"
        what = "results from" if self.result is not None else "inputs"
        names = "; ".join(d.name for d in data)
        flag = " (SIMULATED)" if any(d.simulated for d in data) else ""
        return f"{self.title} {what}: {names}{flag}"

    # --- honest state ---------------------------------------------------------------------
    def _on_result(self, result: Any) -> None:
        self.result = result
        self.result_data = self._running_data
        self._result_label = f"{datetime.now():%H:%M:%S}, {'; '.join(d.name for d in self.result_data)}"
        self.stale_banner.hide()
        self.results_area.setStyleSheet("")
        periods = periods_per_year_of(result)
        for view in self.results_area.findChildren(DataFrameView):
            view.set_periods_per_year(periods)
        self._show_empty_reason(None)
        self.show_result(result)
        self.sigResultChanged.emit(result)
        self.sigDataInUseChanged.emit()

    def _on_failed(self, exc: BaseException) -> None:
        if self.result is None:
            self._show_empty_reason(f"The last run failed: {exc}. Fix the inputs and press Run again.")
        self._mark_stale("failed (see the message)")

    def _refused(self, message: str) -> None:
        if self.result is None:
            self._show_empty_reason(f"Cannot run yet: {message}")
        else:
            self._mark_stale(f"did not start: {message}")

    def _mark_stale(self, what: str) -> None:
        """After a failed, cancelled or refused run: old results stay, visibly marked."""
        if self.result is None:
            self.stale_banner.hide()
            return
        self._show_banner(f"These results are from the previous run ({self._result_label}); the last run {what}.")
        self.results_area.setStyleSheet("QTableView { color: #777; }")

    def _show_banner(self, text: str) -> None:
        self.stale_banner.setText(text)
        self.stale_banner.show()

    def results_are_stale(self) -> bool:
        """Whether the results on screen are marked as the previous run's."""
        return self.stale_banner.isVisibleTo(self) and self.result is not None

    def _show_empty_reason(self, reason: str | None) -> None:
        for view in [*self.results_area.findChildren(DataFrameView), *self.results_area.findChildren(Plot)]:
            view.show_empty_reason(reason)

    # --- fitting small screens, tooltips, names --------------------------------------------
    def _fit_small_screens(self) -> None:
        """The window must fit 1024 pixels: labels in the results wrap instead of widening it (a
        fund's one-line summary, a date's weights check), and the form's drop-downs may be
        narrower than their longest entry (the list that opens shows it whole)."""
        for label in self.results_area.findChildren(QLabel):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setMinimumWidth(80)
        for combo in self.inputs_scroll.widget().findChildren(QComboBox):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

    def _add_tooltips(self) -> None:
        """Every form field (and its label) explains itself, unless the tab said otherwise."""
        for row in range(self.form.rowCount()):
            label_item = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            field = field_item.widget() if field_item is not None else None
            label = label_item.widget() if label_item is not None else None
            if field is None:
                continue
            text = label.text() if isinstance(label, QLabel) and label.text() else ""
            if not text and isinstance(field, QCheckBox):
                text = field.text()
            tip = field.toolTip() or field_tip(text)
            if tip:
                field.setToolTip(tip)
                if label is not None:
                    label.setToolTip(tip)

    def _on_workspace_change(self) -> None:
        """Show tickers and names beside ids wherever the workspace has a names table."""
        from analytics.data.names import name_labels

        labels: dict[str, str] = {}
        for dataset in self.workspace.datasets(("names",)):
            labels |= name_labels(dataset.data)
        for check_list in self.findChildren(CheckList):
            check_list.set_labels(labels)
        if self.result is None:
            self.sigDataInUseChanged.emit()
