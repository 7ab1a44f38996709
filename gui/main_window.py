"""The main window: data panel, the three analysis tabs, menus, drag and drop, settings.

The window owns the workspace model and the notifier and hands them to each tab. File
loading runs on the worker pool like any other job, so a large file never freezes the
window; a file that cannot be read gives one dialog and leaves the loaded data as it was.
File › Open and drops look at each file first (:mod:`analytics.data.readers.preview`, also on
the pool) and show the open preview (:mod:`gui.open_preview`) when unsure how to read one; the
choices made there are the data set's reader and options, saved with the workspace.

The list of files to reopen lives in the workspace model (see :mod:`gui.workspace`): it is read
from the settings when the window is made, saved whenever it changes and at close, and never
derived from what happens to be loaded, so closing in the middle of a restore keeps it whole.
Saved files that are missing or unreadable stay in it, shown as unavailable, until removed.
Closing cancels every job and waits at most :data:`CLOSE_WAIT_MS` for them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
    QWidget,
)

from analytics.data.dataset import Dataset
from analytics.data.demo import DEMO_LABEL
from analytics.data.famafrench import famafrench_dataset_job
from analytics.workspace import demo_job, load_dataset_job
from gui.data_panel import DataPanel
from gui.jobs import JobRunner, shutdown_pool
from gui.notifier import Notifier
from gui.resources import APP_NAME, APP_VERSION, resource_path
from gui.tabs.base import AnalysisTab
from gui.tabs.charadj_tab import CharAdjTab
from gui.tabs.exposures_tab import ExposuresTab
from gui.tabs.regression_tab import RegressionTab
from gui.units import display_units
from gui.widgets.job_bar import JobBar
from gui.workspace import DEMO, SavedFile, WorkspaceModel, read_saved_list, unavailable_reason, write_saved_list

if TYPE_CHECKING:
    from analytics.data.readers.preview import Preview
    from gui.reports.exporter import ReportExporter  # imported on first use: it needs pyqtgraph's exporters

__all__ = ["TABS", "MainWindow"]

#: The analysis tabs, in tab order.
TABS: tuple[type[AnalysisTab], ...] = (RegressionTab, ExposuresTab, CharAdjTab)
#: One of the analysis tabs, by its class (for :meth:`MainWindow._tab`).
TabT = TypeVar("TabT", bound=AnalysisTab)
OPEN_KINDS = (
    ("returns", "Open returns or factors…", QKeySequence.StandardKey.Open),
    ("holdings", "Open holdings…", None),
    ("panel", "Open stock panel…", None),
    ("portfolios", "Open portfolios…", None),
)
FILE_FILTER = "Tables (*.csv *.txt *.tsv *.xlsx *.xlsm *.parquet *.zip);;All files (*)"
MAX_RECENT = 8
#: How long closing waits for running jobs to stop: a job stuck in a long read ends on its own,
#: disconnected from the window (see :func:`gui.jobs.shutdown_pool`).
CLOSE_WAIT_MS = 200


class MainWindow(QMainWindow):
    """FactorDesk's window; ``load_demo`` or ``open_files`` fill the workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — what really drives a fund's returns")
        self.setWindowIcon(QIcon(str(resource_path("factordesk.svg"))))
        self.setAcceptDrops(True)
        self.workspace = WorkspaceModel(self)
        saved = read_saved_list(QSettings())  # before anything writes settings: a damaged file is copied first
        self._first_start, self._settings_problem = saved.entries is None, saved.problem
        self.workspace.expect(saved.entries or [])
        if saved.problem:
            self._save_list()  # rewrite the damaged file now, so it is reported once
        self.workspace.sigFilesChanged.connect(self._save_list)
        self.notifier = Notifier(self)
        self.loader = JobRunner(self.notifier, self)
        self.loader.sigFinished.connect(self._on_loaded)
        self.loader.sigFailed.connect(self._on_load_failed)
        self._pending: list[SavedFile] = []
        self._current: SavedFile | None = None  # the queued entry the loader is reading
        self.loader.sigBusyChanged.connect(self._on_loader_busy)
        # File › Open and drops look at each file first (on the pool) and ask when unsure.
        self.previewer = JobRunner(self.notifier, self)
        self.previewer.sigFinished.connect(self._on_previewed)
        self.previewer.sigBusyChanged.connect(self._on_previewer_busy)
        self._asking: list[tuple[SavedFile, bool]] = []  # files to look at, and whether to ask always
        self._asked: tuple[SavedFile, bool] | None = None  # the one being looked at
        self.preview_dialog: QDialog | None = None  # the open preview, while one is open
        self.tabs = QTabWidget()
        self.analysis_tabs: list[AnalysisTab] = []
        for cls in TABS:
            tab = cls(self.workspace, self.notifier)
            self.analysis_tabs.append(tab)
            self.tabs.addTab(tab, tab.title)
        self.setCentralWidget(self.tabs)
        self.data_panel = DataPanel(self.workspace)
        self.data_panel.sigOpenRequested.connect(lambda: self.open_dialog("returns"))
        self.data_panel.sigReadAgainRequested.connect(self.change_how_read)
        dock = QDockWidget("Data", self)
        dock.setObjectName("data_dock")
        dock.setWidget(self.data_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.data_panel.setMinimumWidth(200)  # the window must fit a 1024-pixel screen
        self.demo_label = QLabel()
        self.data_label = QLabel()  # what the current tab's results are made of
        self.data_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.load_bar = JobBar(self.loader, None)  # file loads: progress, time left, Cancel
        self.load_bar.setMaximumWidth(420)
        self.load_bar.hide()
        self.loader.sigBusyChanged.connect(self.load_bar.setVisible)
        self.statusBar().addWidget(self.data_label, 1)
        self.statusBar().addPermanentWidget(self.load_bar)
        self.statusBar().addPermanentWidget(self.demo_label)
        for tab in self.analysis_tabs:
            tab.sigDataInUseChanged.connect(self._show_data_in_use)
        self.tabs.currentChanged.connect(self._show_data_in_use)
        self.loader.sigStarted.connect(lambda text: self.statusBar().showMessage(text))
        self.loader.sigFinished.connect(lambda _r: self.statusBar().showMessage("Loaded", 3000))
        self.workspace.sigChanged.connect(self._on_workspace_change)
        self._build_menus(dock)
        self._restore_settings()

    # --- menus ----------------------------------------------------------------------
    def _build_menus(self, dock: QDockWidget) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for kind, text, shortcut in OPEN_KINDS:
            action = file_menu.addAction(text, partial(self.open_dialog, kind))
            if shortcut is not None:
                action.setShortcut(shortcut)
        file_menu.addAction("Open folder…", self.open_folder_dialog)
        file_menu.addAction("Open demo workspace (simulated)", self.load_demo)
        self.recent_menu = file_menu.addMenu("Recent files")
        file_menu.addSeparator()
        export = file_menu.addAction("Export results…", self.export_dialog)
        export.setShortcut("Ctrl+E")
        file_menu.addAction("Export report…", self.export_report_dialog).setShortcut("Ctrl+Shift+E")
        file_menu.addSeparator()
        quit_action = file_menu.addAction("Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        data_menu = self.menuBar().addMenu("&Data")
        data_menu.addAction("Ken French factors…", self.kenfrench_dialog)
        data_menu.addAction("Data sources (WRDS, local store)…", self.open_data_sources)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(dock.toggleViewAction())
        percent = view_menu.addAction("Show returns in percent")
        percent.setCheckable(True)
        percent.setChecked(display_units().percent)
        percent.setShortcut("Ctrl+Shift+P")
        percent.toggled.connect(display_units().set_percent)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("Guide", self.show_guide).setShortcut(QKeySequence.StandardKey.HelpContents)
        help_menu.addAction("Keyboard shortcuts", self.show_shortcuts)
        help_menu.addAction(f"About {APP_NAME}", self.show_about)
        self._refresh_recent()

    def show_guide(self) -> QDialog:
        """Help › Guide: what each tab and output means, with the chapter's examples (offline)."""
        from gui.help.windows import HelpWindow, guide_text

        return self._show_help(HelpWindow(f"{APP_NAME} guide", guide_text(), self))

    def show_shortcuts(self) -> QDialog:
        """Help › Keyboard shortcuts, listed from the menus themselves."""
        from gui.help.windows import HelpWindow, shortcuts_markdown

        return self._show_help(HelpWindow("Keyboard shortcuts", shortcuts_markdown(self.menuBar()), self))

    def _show_help(self, window: QDialog) -> QDialog:
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        return window

    def show_about(self) -> QMessageBox:
        """The About dialog: the version with Python's, Qt's, numpy's and pandas' (non-blocking, selectable)."""
        from gui.resources import library_versions

        box = QMessageBox(
            QMessageBox.Icon.Information,
            f"About {APP_NAME}",
            f"<b>{APP_NAME} {APP_VERSION}</b><br>Factor regressions, holdings exposures and "
            "characteristic-adjusted returns, after the 'Multi-Factor Models' chapter."
            f"<br><br>{library_versions()}",
            parent=self,
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.open()
        return box

    # --- loading --------------------------------------------------------------------
    def load_demo(self) -> None:
        """Generate and load the simulated demo workspace (off the GUI thread)."""
        self.loader.submit(demo_job, "Generating the demo workspace…")

    def open_dialog(self, kind: str) -> None:
        """Ask for files of ``kind`` and load them."""
        settings = QSettings()
        paths, _ = QFileDialog.getOpenFileNames(
            self, f"Open {kind}", str(settings.value("last_folder", "")), FILE_FILTER
        )
        if paths:
            settings.setValue("last_folder", str(Path(paths[0]).parent))
            self.open_files(paths, kind, ask=True)

    def open_folder_dialog(self) -> None:
        """File › Open folder…: a folder of price histories or return files (one returns data set,
        a series per file) or of holdings files (one holdings data set)."""
        settings = QSettings()
        folder = QFileDialog.getExistingDirectory(self, "Open folder", str(settings.value("last_folder", "")))
        if folder:
            settings.setValue("last_folder", folder)
            self.open_files([folder], ask=True)

    def open_files(self, paths: list[str], kind: str | None = None, *, ask: bool = False) -> None:
        """Load files (or folders) one after another on the worker pool; ``kind`` is guessed when
        None. ``ask`` (File › Open, drops): look at each file first and show the open preview
        when unsure how to read it (see :mod:`gui.open_preview`); without, load at once."""
        entries = [SavedFile(str(p), kind) for p in paths]
        if ask:
            self._asking += [(entry, False) for entry in entries]
            self._preview_next()
        else:
            self._pending += entries
            self._load_next()

    def change_how_read(self, name: str) -> None:
        """Data panel › Change how this file is read…: the open preview with the data set's saved
        choices; reading it again that way replaces the data set (and its saved choices)."""
        dataset = self.workspace.get(name)
        if dataset is None or not dataset.path or dataset.simulated:
            self.notifier.warn(f"{name}: not read from a file, so there is no reading to change.")
            return
        entry = SavedFile(dataset.path, dataset.kind, dataset.reader, dict(dataset.options))
        self._asking.append((entry, True))
        self._preview_next()

    def _preview_next(self) -> None:
        """Look at the next file waiting (one preview dialog at a time; loads go on meanwhile)."""
        if self.previewer.busy or self.preview_dialog is not None or not self._asking:
            return
        from analytics.data.readers.preview import preview_job

        entry, always = self._asking.pop(0)
        options = {**entry.options, **({"reader": entry.reader} if entry.reader else {})}
        if self.previewer.submit(partial(preview_job, entry.path, entry.kind, **options), f"Looking at {entry.name}…"):
            self._asked = (entry, always)

    def _on_previewed(self, preview: Preview) -> None:
        """A certain preview loads at once; an uncertain one (or a change asked for) asks."""
        always = self._asked is not None and self._asked[1]
        if not always and not preview.uncertain:
            self._load_previewed(preview)
            return
        from gui.open_preview import OpenPreviewDialog

        dialog = OpenPreviewDialog(preview, self, again=always)
        dialog.accepted.connect(lambda: self._load_previewed(dialog.preview))
        dialog.finished.connect(self._on_preview_closed)
        self.preview_dialog = dialog
        dialog.open()

    def _on_preview_closed(self) -> None:
        if self.preview_dialog is not None:
            self.preview_dialog.deleteLater()
        self.preview_dialog = None
        self._preview_next()

    def _on_previewer_busy(self, busy: bool) -> None:
        if not busy:
            self._asked = None
            self._preview_next()

    def _load_previewed(self, preview: Preview) -> None:
        """Queue the file with the preview's reader and options: the data set keeps them, so the
        saved workspace reads it the same way and never asks again."""
        self._pending.append(SavedFile(str(preview.path), preview.kind, preview.reader, preview.options()))
        self._load_next()

    def kenfrench_dialog(self) -> None:
        """Choose Ken French factors, then fetch them on the worker pool."""
        from gui.kenfrench_dialog import KenFrenchDialog

        dialog = KenFrenchDialog(self)
        dialog.accepted.connect(lambda: self.load_kenfrench(*dialog.choice()))
        dialog.open()

    def load_kenfrench(self, model: str, freq: str, offline: bool = False) -> None:
        """Download (or read from the cache) the Ken French factors of ``model`` into the workspace."""
        self.loader.submit(
            partial(famafrench_dataset_job, model, freq, offline=offline),
            f"Fetching Ken French {model} {freq} factors…",
        )

    def open_data_sources(self) -> None:
        """The WRDS / local store dialog; what it pulls goes straight into the workspace."""
        from gui.data_sources_dialog import DataSourcesDialog

        DataSourcesDialog(self.workspace, self.notifier, parent=self).open()

    def _on_loader_busy(self, busy: bool) -> None:
        if not busy:
            self._current = None
            self._load_next()

    def _load_next(self) -> None:
        """Start the next queued file (or the demo) with its saved kind, reader and options;
        called again whenever the loader finishes, so one bad file does not stop the others."""
        if not self._pending or self.loader.busy:
            return
        entry = self._pending.pop(0)
        if entry.kind == DEMO:
            self.load_demo()
            return
        options = {**entry.options, **({"reader": entry.reader} if entry.reader else {})}
        if self.loader.submit(partial(load_dataset_job, entry.path, entry.kind, **options), f"Reading {entry.name}…"):
            self._current = entry

    def _on_load_failed(self, exc: BaseException) -> None:
        """A saved file that cannot be read stays in the list, marked unavailable with why."""
        if self._current is not None:
            self.workspace.set_unavailable(self._current.key, str(exc).splitlines()[0] if str(exc) else repr(exc))

    def _on_loaded(self, loaded: Dataset | list[Dataset]) -> None:
        datasets = loaded if isinstance(loaded, list) else [loaded]
        self.workspace.add_many(datasets)
        for dataset in datasets:
            if dataset.path:
                self._remember(dataset.path)
        if datasets and datasets[0].simulated:
            for tab in self.analysis_tabs:
                tab.run()

    def _on_workspace_change(self) -> None:
        self._show_data_in_use()

    def _show_data_in_use(self) -> None:
        """The status bar names the data behind the current tab's results (or chosen inputs);
        the SIMULATED flag shows only when those data are simulated."""
        tab = self.tabs.currentWidget()
        if not isinstance(tab, AnalysisTab):
            return
        self.data_label.setText(tab.data_in_use_text())
        self.data_label.setToolTip(tab.data_in_use_text())
        simulated = any(d.simulated for d in tab.data_in_use())
        self.demo_label.setText(DEMO_LABEL if simulated else "")

    # --- recent files and export ----------------------------------------------------
    def _remember(self, path: str) -> None:
        settings = QSettings()
        recent = [p for p in settings.value("recent_files", [], type=list) if p != path]
        settings.setValue("recent_files", [path, *recent][:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for path in QSettings().value("recent_files", [], type=list):
            self.recent_menu.addAction(path, partial(self.open_files, [path], ask=True))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def export_dialog(self) -> None:
        """Export the current tab's results to CSV (main table) or Excel (all tables)."""
        tab = self.tabs.currentWidget()
        tables = tab.export_tables() if isinstance(tab, AnalysisTab) else None
        if tables is None:
            self.notifier.warn("Nothing to export yet: run the analysis first.")
            return
        settings = QSettings()
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export results",
            str(settings.value("last_folder", "")),
            "Excel workbook (*.xlsx);;CSV, main table (*.csv)",
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> Path | None:
        """Write the current tab's tables to ``path`` with the record of the run (a ``run`` sheet,
        or ``<name>.run.json`` beside a CSV); errors become a dialog."""
        from analytics.data.export import export_tables
        from analytics.errors import InputError

        tab = self.tabs.currentWidget()
        tables = tab.export_tables() if isinstance(tab, AnalysisTab) else None
        if tables is None:
            return None
        try:
            written = export_tables(tables[0], path, main=tables[1], run=tab.export_run())
        except InputError as exc:
            self.notifier.error(exc)
            return None
        self.statusBar().showMessage(f"Exported to {written}", 5000)
        return written

    # --- report ---------------------------------------------------------------------------
    def export_report_dialog(self) -> None:
        """File › Export report…: the Fund regression's results (and the Holdings tab's, when it
        has some) as a PDF or one self-contained HTML file a portfolio manager can send."""
        from gui.reports.exporter import REPORT_FILTERS, report_path

        if self._tab(RegressionTab).result is None:
            self.notifier.warn(
                "No fund regression to report yet: run the Fund regression first; the report describes its results."
            )
            return
        settings = QSettings()
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export report", str(settings.value("last_folder", "")), ";;".join(REPORT_FILTERS)
        )
        if path:
            self.export_report_to(report_path(path, chosen))

    def export_report_to(self, path: str | Path) -> bool:
        """Build the report on the worker pool and draw it to ``path`` (.pdf or .html) with a
        progress dialog; returns whether it started (the exporter signals when it is written).

        Only current results are reported: after a failed or cancelled Fund regression run the
        report is refused (its results no longer match the inputs shown); stale Holdings
        results are left out, and the status bar says so."""
        regression, holdings = self._tab(RegressionTab), self._tab(ExposuresTab)
        if regression.result is None:
            return False
        if regression.results_are_stale():
            self.notifier.warn(
                "The Fund regression's last run did not finish, so the results on screen are from the run before; "
                "press Run on the Fund regression tab, then export the report."
            )
            return False
        current = holdings.result is not None and not holdings.results_are_stale()
        if holdings.result is not None and not current:
            self.statusBar().showMessage("Report without the holdings part: its last run did not finish.", 8000)
        return self.report_exporter().export(
            regression.result,
            path,
            rank_by=regression.rank_by,
            exposures=holdings.result if current else None,
            drift=holdings.drift if current else None,
        )

    def report_exporter(self) -> ReportExporter:
        """The window's report exporter (made on first use: drawing reports needs pyqtgraph's exporters)."""
        from gui.reports.exporter import ReportExporter

        exporter = self.findChild(ReportExporter)
        if exporter is None:
            exporter = ReportExporter(self.notifier, self)
            exporter.sigWritten.connect(lambda path: self.statusBar().showMessage(f"Report written to {path}", 5000))
        return exporter

    def _tab(self, cls: type[TabT]) -> TabT:
        return next(tab for tab in self.analysis_tabs if isinstance(tab, cls))

    # --- drag and drop ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_files(paths, ask=True)
            event.acceptProposedAction()

    # --- settings and shutdown ---------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry()  # first start: never larger than the screen
            self.resize(min(1280, screen.width()), min(800, screen.height()))
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def restore_workspace(self) -> None:
        """Reopen last session's files with their kinds, readers and options; the demo workspace
        only on a true first start (no saved list). A missing or unreadable file stays listed as
        unavailable; damaged settings were copied aside and are reported here, once."""
        if self._settings_problem:
            self.notifier.warn(self._settings_problem)
            self._settings_problem = None
        if self._first_start:
            self.load_demo()
            return
        for entry in self.workspace.files():
            reason = unavailable_reason(entry.path) if entry.path else None
            if reason:
                self.workspace.set_unavailable(entry.key, reason)
            else:
                self._pending.append(entry)
        self._load_next()

    def _save_list(self) -> None:
        write_saved_list(QSettings(), self.workspace.files())

    def runners(self) -> list[JobRunner]:
        """Every job runner of the window and its tabs."""
        return [self.loader, *(tab.runner for tab in self.analysis_tabs)]

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        self._save_list()
        self._pending.clear()  # a restore stops here; its files stay in the saved list
        self._asking.clear()
        shutdown_pool(self.findChildren(JobRunner), timeout_ms=CLOSE_WAIT_MS)  # tabs' and open dialogs' too
        super().closeEvent(event)
