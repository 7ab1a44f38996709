"""The "Data sources" dialog: connect to WRDS, preview, pull CRSP data into the local store.

Every network step (connect, preview, pull) runs as a job on a :class:`~gui.jobs.JobRunner`,
so the window stays responsive and a pull can be cancelled between chunks (a cancelled pull
saves nothing). The password box is optional and in memory only: it is handed to ``wrds``
and cleared; left empty, libpq reads ``~/.pgpass``. The store's contents are listed below,
and any entry can be added to the workspace as returns (and, if monthly, as a panel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from analytics.data.store import Store
from analytics.data.wrds_source import WRDS_HOST, WRDS_PORT, Pull, PullRequest, WrdsSettings, WrdsSource
from analytics.errors import InputError
from analytics.jobs import Job, Progress
from gui.jobs import JobRunner
from gui.notifier import Notifier
from gui.widgets.dataframe_view import DataFrameView
from gui.widgets.job_bar import JobBar
from gui.workspace import WorkspaceModel

__all__ = ["DataSourcesDialog"]


class DataSourcesDialog(QDialog):
    """WRDS connection, pull request, preview and the local store, in one window."""

    def __init__(
        self, workspace: WorkspaceModel, notifier: Notifier, store: Store | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Data sources")
        self.workspace = workspace
        self.notifier = notifier
        self.store = store or Store()
        self.source: WrdsSource | None = None
        self.chunk_size: int | None = None  # the request's default
        self.runner = JobRunner(notifier, self)
        # The pull's fields as this dialog shows them (the command line names its flags instead).
        self.runner.option_names = {
            "legacy": "Legacy SIZ tables",
            "as_of": "Dates",
            "permnos": "Ids",
            "ask_password": "Password",
            "replace": "Store entry",
        }
        self.runner.sigFinished.connect(self._on_finished)
        self._on_done: Callable[[Any], None] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self._connection_box())
        layout.addWidget(self._request_box())
        self.job_bar = JobBar(self.runner, "Pull into store")
        self.job_bar.run_button.clicked.connect(self.pull)
        layout.addWidget(self.job_bar)
        self.preview_view = DataFrameView()
        layout.addWidget(QLabel("Preview (ticker → permno used)"))
        layout.addWidget(self.preview_view, 1)
        layout.addWidget(QLabel("Local store (works offline)"))
        self.store_view = DataFrameView()
        layout.addWidget(self.store_view, 2)
        self.use_button = QPushButton("Add selected to workspace")
        self.use_button.clicked.connect(self.use_selected)
        layout.addWidget(self.use_button)
        self.runner.sigBusyChanged.connect(self._on_busy)
        self.refresh_store()
        self.resize(760, 720)

    # --- layout -------------------------------------------------------------------
    def _connection_box(self) -> QGroupBox:
        box = QGroupBox("WRDS connection")
        form = QFormLayout(box)
        self.host_edit = QLineEdit(WRDS_HOST)
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(WRDS_PORT)
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("your WRDS user name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("leave empty to use ~/.pgpass (never saved)")
        self.connect_button = QPushButton("Connect")
        self.connect_button.clicked.connect(self.connect_source)
        self.connection_label = QLabel("Not connected")
        form.addRow("Host", self.host_edit)
        form.addRow("Port", self.port_spin)
        form.addRow("User", self.user_edit)
        form.addRow("Password", self.password_edit)
        row = QHBoxLayout()
        row.addWidget(self.connect_button)
        row.addWidget(self.connection_label, 1)
        form.addRow(row)
        return box

    def _request_box(self) -> QGroupBox:
        box = QGroupBox("What to pull")
        form = QFormLayout(box)
        self.id_kind = QComboBox()
        self.id_kind.addItems(["Tickers", "Permnos"])
        self.ids_edit = QLineEdit()
        self.ids_edit.setPlaceholderText("AAPL, MSFT")
        self.start_edit = QDateEdit(QDate(2019, 1, 1))
        self.end_edit = QDateEdit(QDate(2020, 12, 31))
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
        self.freq_combo = QComboBox()
        self.freq_combo.addItems(["monthly", "daily"])
        self.legacy_check = QCheckBox("Legacy SIZ tables (dsf, msf, stocknames; frozen at 2024-12-31)")
        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.preview)
        ids = QHBoxLayout()
        ids.addWidget(self.id_kind)
        ids.addWidget(self.ids_edit, 1)
        form.addRow("Ids", ids)
        dates = QHBoxLayout()
        dates.addWidget(self.start_edit)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end_edit)
        form.addRow("Dates", dates)
        form.addRow("Frequency", self.freq_combo)
        form.addRow(self.legacy_check)
        form.addRow(self.preview_button)
        return box

    # --- actions ------------------------------------------------------------------
    def settings(self) -> WrdsSettings:
        """The connection settings typed in (no password: see the module docstring)."""
        return WrdsSettings(self.host_edit.text().strip(), self.port_spin.value(), self.user_edit.text().strip())

    def request(self) -> PullRequest:
        """The pull typed in; bad input raises an InputError the runner reports."""
        ids = [t for t in self.ids_edit.text().replace(";", ",").split(",") if t.strip()]
        tickers = self.id_kind.currentText() == "Tickers"
        return PullRequest.build(
            self.start_edit.date().toString("yyyy-MM-dd"),
            self.end_edit.date().toString("yyyy-MM-dd"),
            tickers=ids if tickers else (),
            permnos=() if tickers else ids,
            freq=self.freq_combo.currentText(),
            legacy=self.legacy_check.isChecked(),
            chunk_size=self.chunk_size,
        )

    def connect_source(self) -> None:
        """Open a connection (a job: WRDS can take seconds to answer)."""
        if self.source is not None:
            self.source.close()
        self.source = WrdsSource(self.settings(), self.password_edit.text() or None)
        self.password_edit.clear()
        source = self.source

        def job() -> Job[WrdsSource]:
            yield Progress(0.0, f"connecting to {source.settings.server}")
            source.connection  # noqa: B018 -- the connection attempt itself
            return source

        self._submit(job, "Connecting…", self._on_connected)

    def preview(self) -> None:
        """Show the ticker -> permno mapping a pull would use (the permnos themselves for permnos)."""

        def job() -> Job[pd.DataFrame]:
            request = self.request()
            if not request.tickers:
                return pd.DataFrame({"permno": request.permnos})
            yield Progress(0.0, "resolving tickers")
            return self._connected().resolve_tickers(request.tickers, request.as_of or request.end, fmt=request.fmt)

        self._submit(job, "Previewing…", self.preview_view.set_frame)

    def pull(self) -> None:
        """Pull into the store, then list it and add it to the workspace."""

        def job() -> Job[Pull]:
            return (yield from self._connected().pull(self.request(), self.store))

        self._submit(job, "Pulling from WRDS…", self._on_pulled)

    def use_selected(self) -> None:
        """Add the selected store entries to the workspace."""
        proxy = self.store_view.model()
        rows = sorted({proxy.mapToSource(i).row() for i in self.store_view.selectedIndexes()})
        for name in self.store_view.frame()["name"].iloc[rows]:
            try:
                self._add_to_workspace(name)
            except InputError as exc:  # e.g. a cached factor table is not stock data
                self.notifier.error(exc)

    def refresh_store(self) -> None:
        """List the store's entries; a damaged one is listed with what is wrong (adding it to the
        workspace says how to fix it), never hiding the others."""
        entries, damaged = self.store.scan()
        self.store_view.set_frame(
            pd.DataFrame(
                [
                    {
                        "name": e.name,
                        "rows": e.rows,
                        "freq": e.extra.get("freq", ""),
                        "pulled": e.pulled_at[:16],
                        "query": e.query,
                        "status": "ok",
                    }
                    for e in entries
                ]
                + [
                    {
                        "name": d.name,
                        "rows": None,
                        "freq": "",
                        "pulled": "",
                        "query": "",
                        "status": f"damaged: {d.reason}",
                    }
                    for d in damaged
                ],
                columns=["name", "rows", "freq", "pulled", "query", "status"],
            )
        )

    # --- plumbing -----------------------------------------------------------------
    def _connected(self) -> WrdsSource:
        """The open source, or one made from the settings (connecting inside the running job)."""
        if self.source is None:
            self.source = WrdsSource(self.settings())
        return self.source

    def _submit(self, job: Callable[[], Job[Any]], label: str, on_done: Callable[[Any], None]) -> None:
        if self.runner.submit(job, label):
            self._on_done = on_done

    def _on_finished(self, result: object) -> None:
        done, self._on_done = self._on_done, None
        if done is not None:
            done(result)

    def _on_connected(self, source: WrdsSource) -> None:
        self.connection_label.setText(f"Connected to {source.settings.server}")

    def _on_pulled(self, pull: Pull) -> None:
        self.refresh_store()
        self.preview_view.set_frame(pull.mapping)
        self._add_to_workspace(pull.entry.name)

    def _add_to_workspace(self, name: str) -> None:
        entry = self.store.entry(name)
        kinds = ("returns", "panel") if entry is not None and entry.extra.get("freq") == "monthly" else ("returns",)
        self.workspace.add_many([self.store.dataset(name, kind) for kind in kinds])

    def _on_busy(self, busy: bool) -> None:
        for button in (self.connect_button, self.preview_button, self.use_button):
            button.setEnabled(not busy)

    def done(self, result: int) -> None:
        """Closing cancels a running job and closes the connection."""
        self.runner.cancel()
        if self.source is not None and not self.runner.busy:
            self.source.close()
        super().done(result)
