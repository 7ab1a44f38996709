"""The main window: data panel, the three analysis tabs, menus, drag and drop, settings.

The window owns the workspace model and the notifier and hands them to each tab. File
loading runs on the worker pool like any other job, so a large file never freezes the
window; a file that cannot be read gives one dialog and leaves the loaded data as it was.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from analytics.data.demo import DEMO_LABEL
from analytics.workspace import Dataset, demo_job, famafrench_dataset_job, load_dataset_job
from gui.data_panel import DataPanel
from gui.jobs import JobRunner, shutdown_pool
from gui.notifier import Notifier
from gui.resources import APP_NAME, APP_VERSION, resource_path
from gui.tabs.base import AnalysisTab
from gui.tabs.charadj_tab import CharAdjTab
from gui.tabs.exposures_tab import ExposuresTab
from gui.tabs.regression_tab import RegressionTab
from gui.workspace import WorkspaceModel

__all__ = ["MainWindow", "TABS"]

#: The analysis tabs, in tab order.
TABS: tuple[type[AnalysisTab], ...] = (RegressionTab, ExposuresTab, CharAdjTab)
OPEN_KINDS = (
    ("returns", "Open returns or factors…", QKeySequence.StandardKey.Open),
    ("holdings", "Open holdings…", None),
    ("panel", "Open stock panel…", None),
    ("portfolios", "Open portfolios…", None),
)
FILE_FILTER = "Tables (*.csv *.txt *.tsv *.xlsx *.xlsm *.parquet);;All files (*)"
MAX_RECENT = 8


class MainWindow(QMainWindow):
    """FactorDesk's window; ``load_demo`` or ``open_files`` fill the workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — what really drives a fund's returns")
        self.setWindowIcon(QIcon(str(resource_path("factordesk.svg"))))
        self.setAcceptDrops(True)
        self.workspace = WorkspaceModel(self)
        self.notifier = Notifier(self)
        self.loader = JobRunner(self.notifier, self)
        self.loader.sigFinished.connect(self._on_loaded)
        self._pending: list[tuple[str, str | None]] = []
        self.loader.sigBusyChanged.connect(self._on_loader_busy)
        self.tabs = QTabWidget()
        self.analysis_tabs: list[AnalysisTab] = []
        for cls in TABS:
            tab = cls(self.workspace, self.notifier)
            self.analysis_tabs.append(tab)
            self.tabs.addTab(tab, tab.title)
        self.setCentralWidget(self.tabs)
        self.data_panel = DataPanel(self.workspace)
        self.data_panel.sigOpenRequested.connect(lambda: self.open_dialog("returns"))
        dock = QDockWidget("Data", self)
        dock.setObjectName("data_dock")
        dock.setWidget(self.data_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.data_panel.setMinimumWidth(340)
        self.demo_label = QLabel()
        self.statusBar().addPermanentWidget(self.demo_label)
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
        file_menu.addAction("Open demo workspace (simulated)", self.load_demo)
        self.recent_menu = file_menu.addMenu("Recent files")
        file_menu.addSeparator()
        export = file_menu.addAction("Export results…", self.export_dialog)
        export.setShortcut("Ctrl+E")
        file_menu.addSeparator()
        quit_action = file_menu.addAction("Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        data_menu = self.menuBar().addMenu("&Data")
        data_menu.addAction("Ken French factors…", self.kenfrench_dialog)
        data_menu.addAction("Data sources (WRDS, local store)…", self.open_data_sources)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(f"About {APP_NAME}", self.show_about)
        self._refresh_recent()

    def show_about(self) -> QMessageBox:
        """The About dialog with the version (non-blocking)."""
        box = QMessageBox(QMessageBox.Icon.Information, f"About {APP_NAME}",
                          f"<b>{APP_NAME} {APP_VERSION}</b><br>Factor regressions, holdings exposures and "
                          "characteristic-adjusted returns, after the 'Multi-Factor Models' chapter.", parent=self)
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
        paths, _ = QFileDialog.getOpenFileNames(self, f"Open {kind}", str(settings.value("last_folder", "")), FILE_FILTER)
        if paths:
            settings.setValue("last_folder", str(Path(paths[0]).parent))
            self.open_files(paths, kind)

    def open_files(self, paths: list[str], kind: str | None = None) -> None:
        """Load files one after another on the worker pool; ``kind`` is guessed when None."""
        self._pending += [(str(p), kind) for p in paths]
        self._load_next()

    def kenfrench_dialog(self) -> None:
        """Choose Ken French factors, then fetch them on the worker pool."""
        from gui.kenfrench_dialog import KenFrenchDialog

        dialog = KenFrenchDialog(self)
        dialog.accepted.connect(lambda: self.load_kenfrench(*dialog.choice()))
        dialog.open()

    def load_kenfrench(self, model: str, freq: str, offline: bool = False) -> None:
        """Download (or read from the cache) the Ken French factors of ``model`` into the workspace."""
        self.loader.submit(partial(famafrench_dataset_job, model, freq, offline=offline),
                           f"Fetching Ken French {model} {freq} factors…")

    def open_data_sources(self) -> None:
        """The WRDS / local store dialog; what it pulls goes straight into the workspace."""
        from gui.data_sources_dialog import DataSourcesDialog

        DataSourcesDialog(self.workspace, self.notifier, parent=self).open()

    def _on_loader_busy(self, busy: bool) -> None:
        if not busy:
            self._load_next()

    def _load_next(self) -> None:
        """Start the next queued file; called again whenever the loader finishes, so one bad
        file does not stop the others."""
        if not self._pending or self.loader.busy:
            return
        path, kind = self._pending.pop(0)
        self.loader.submit(partial(load_dataset_job, path, kind), f"Reading {Path(path).name}…")

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
        simulated = any(d.simulated for d in self.workspace.datasets())
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
            self.recent_menu.addAction(path, partial(self.open_files, [path]))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def export_dialog(self) -> None:
        """Export the current tab's results to CSV (main table) or Excel (all tables)."""
        tab = self.tabs.currentWidget()
        tables = tab.export_tables() if isinstance(tab, AnalysisTab) else None
        if tables is None:
            self.notifier.warn("Nothing to export yet: run the analysis first.")
            return
        settings = QSettings()
        path, _ = QFileDialog.getSaveFileName(self, "Export results", str(settings.value("last_folder", "")),
                                              "Excel workbook (*.xlsx);;CSV, main table (*.csv)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> Path | None:
        """Write the current tab's tables to ``path``; errors become a dialog."""
        from analytics.data.export import export_tables
        from analytics.errors import InputError

        tab = self.tabs.currentWidget()
        tables = tab.export_tables() if isinstance(tab, AnalysisTab) else None
        if tables is None:
            return None
        try:
            written = export_tables(tables[0], path, main=tables[1])
        except InputError as exc:
            self.notifier.error(exc)
            return None
        self.statusBar().showMessage(f"Exported to {written}", 5000)
        return written

    # --- drag and drop ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_files(paths)
            event.acceptProposedAction()

    # --- settings and shutdown ---------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def restore_workspace(self) -> None:
        """Reopen last session's files; the demo workspace on first start (or if none remain)."""
        paths = [p for p in QSettings().value("workspace/files", [], type=list) if Path(p).exists()]
        if paths:
            self.open_files(paths)
        else:
            self.load_demo()

    def runners(self) -> list[JobRunner]:
        """Every job runner of the window and its tabs."""
        return [self.loader, *(tab.runner for tab in self.analysis_tabs)]

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("workspace/files", self.workspace.paths)
        shutdown_pool(self.runners())
        super().closeEvent(event)
