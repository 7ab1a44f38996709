"""What every analysis tab shares: an inputs column, a run/cancel bar, a results area.

A tab subclass builds its input widgets in ``build_inputs`` and its result views in
``build_results``, turns the inputs into an analytics job in ``make_job`` (which may raise
InputError, shown as a dialog), and renders a finished result in ``show_result``. The
base class runs the job on its own :class:`~gui.jobs.JobRunner`, keeps the last result (a
cancelled or failed run leaves it on screen), and offers it for export.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from analytics.errors import InputError
from analytics.jobs import Job
from gui.jobs import JobRunner
from gui.notifier import Notifier
from gui.widgets.job_bar import JobBar
from gui.workspace import WorkspaceModel

__all__ = ["AnalysisTab"]


class AnalysisTab(QWidget):
    """Base class of the analysis tabs (see the module docstring for the contract)."""

    title = ""
    sigResultChanged = Signal(object)

    def __init__(self, workspace: WorkspaceModel, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.notifier = notifier
        self.runner = JobRunner(notifier, self)
        self.result: Any = None
        self.job_bar = JobBar(self.runner)
        self.job_bar.run_button.clicked.connect(self._on_run_clicked)
        self.runner.sigFinished.connect(self._on_result)

        inputs = QWidget()
        column = QVBoxLayout(inputs)
        self.form = QFormLayout()
        column.addLayout(self.form)
        column.addStretch(1)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidget(inputs)
        scroll.setWidgetResizable(True)
        scroll.setFixedWidth(330)
        scroll.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

        self.results_area = QWidget()
        right = QVBoxLayout()
        right.addWidget(self.job_bar)
        right.addWidget(self.results_area, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)
        self.build_inputs(self.form)
        self.build_results(self.results_area)

    # --- for subclasses -------------------------------------------------------------
    def build_inputs(self, form: QFormLayout) -> None:
        """Add the input widgets to ``form``."""
        raise NotImplementedError

    def build_results(self, area: QWidget) -> None:
        """Create the result views inside ``area`` (once; ``show_result`` updates them)."""
        raise NotImplementedError

    def make_job(self) -> tuple[Callable[[], Job[Any]], str]:
        """The job factory for the current inputs and a label; raise InputError for bad inputs."""
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        """Render a finished result."""
        raise NotImplementedError

    def export_tables(self) -> tuple[dict[str, pd.DataFrame], str] | None:
        """The last result's tables and the main table's name, or None before any result."""
        return (self.result.tables(), self.main_table) if self.result is not None else None

    main_table = "summary"

    # --- verbs --------------------------------------------------------------------
    def run(self) -> bool:
        """Start the job for the current inputs; returns whether it started."""
        try:
            factory, label = self.make_job()
        except InputError as exc:
            self.notifier.error(exc)
            return False
        return self.runner.submit(factory, label)

    def _on_run_clicked(self) -> None:
        self.run()

    def _on_result(self, result: Any) -> None:
        self.result = result
        self.show_result(result)
        self.sigResultChanged.emit(result)
