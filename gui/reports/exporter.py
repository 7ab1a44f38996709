"""File › Export report…: the tearsheet of the results on screen, as PDF or one HTML file.

Three steps, each where it must run, under one progress dialog with Cancel:

1. the profiles and tables are analytics, built by a job on the worker pool
   (:func:`analytics.reports.tearsheet_job`);
2. the charts are pyqtgraph items, which only the GUI thread may draw: one chart per turn of
   the event loop (a few hundredths of a second each), so the window repaints and Cancel answers
   between two charts;
3. laying out and painting the pages (or encoding the pictures for HTML), the slow half, is a
   second job on the pool (:func:`gui.reports.export.write_job`), cancellable between pages.

The progress dialog is window-modal: the results the report describes cannot change while it is
made. Errors go to the notifier; a failed or cancelled export leaves any previous file as it was
(the file is written at the end, atomically).
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QProgressDialog, QWidget

from analytics.errors import InputError
from analytics.regression.report import FundReport
from analytics.reports import tearsheet_job
from analytics.reports.tearsheet import Tearsheet
from gui.jobs import JobRunner
from gui.notifier import Notifier
from gui.reports.charts import ChartRenderer
from gui.reports.export import report_target, write_job

__all__ = ["REPORT_FILTERS", "ReportExporter", "report_path"]

#: The save dialog's choices, and the suffix each gives a name typed without one.
REPORT_FILTERS = {"PDF (*.pdf)": ".pdf", "HTML, one self-contained file (*.html)": ".html"}
#: Where each step starts and ends on the progress bar (percent).
BUILD, DRAW, WRITE = (0, 15), (15, 55), (55, 100)


def report_path(path: str, chosen_filter: str) -> str:
    """``path`` with the chosen format's suffix when it was typed without .pdf or .html."""
    if Path(path).suffix.lower() in (".pdf", ".html", ".htm"):
        return path
    return path + REPORT_FILTERS.get(chosen_filter, ".pdf")


class ReportExporter(QObject):
    """Builds a tearsheet on the worker pool, draws its charts, then writes it on the pool.

    ``sigWritten`` carries the path written; ``sigFailed`` the exception (already shown by the
    notifier); ``sigCancelled`` says the user stopped it. ``timings`` holds the seconds the last
    export spent building (``build``), drawing the charts (``draw``) and writing (``write``).
    """

    sigWritten = Signal(object)
    sigFailed = Signal(object)
    sigCancelled = Signal()

    def __init__(self, notifier: Notifier, parent: QWidget) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self.builder = JobRunner(notifier, self)
        self.builder.sigFinished.connect(self._on_built)
        self.writer = JobRunner(notifier, self)
        self.writer.sigFinished.connect(self._on_written)
        for runner, span in ((self.builder, BUILD), (self.writer, WRITE)):
            runner.sigProgress.connect(partial(self._on_job_progress, span))
            runner.sigFailed.connect(self._on_failed)
            runner.sigCancelled.connect(self._on_cancelled)
        self.dialog: QProgressDialog | None = None
        self.timings: dict[str, float] = {}
        self._path = Path()
        self._started = self._drawing = self._writing = 0.0
        self._sheet: Tearsheet | None = None
        self._images: list[QImage] = []
        self._renderer: ChartRenderer | None = None

    @property
    def busy(self) -> bool:
        """Whether an export is being built, drawn or written."""
        return self.dialog is not None

    def export(self, report: FundReport, path: str | Path, **options: Any) -> bool:
        """Write the report of ``report`` (a FundReport; ``options`` as for
        :func:`~analytics.reports.tearsheet_of`) to ``path``; returns whether it started.
        A path that is not .pdf or .html is one warning, before any work."""
        if self.busy:
            return False
        try:
            self._path = report_target(path)
        except InputError as exc:
            self.notifier.error(exc)
            return False
        self._started = time.perf_counter()
        self.timings = {}
        self.dialog = self._progress_dialog()
        if not self.builder.submit(partial(tearsheet_job, report, **options), "Building the report…"):
            self._close()
            return False
        return True

    def _progress_dialog(self) -> QProgressDialog:
        dialog = QProgressDialog("Writing the profiles and tables…", "Cancel", 0, 100, self.parent())
        dialog.setWindowTitle(f"Export report: {self._path.name}")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)
        dialog.show()
        return dialog

    def cancel(self) -> None:
        """The dialog's Cancel: a running job stops at its next progress report, drawing before
        the next chart; either way nothing is written."""
        if self.dialog is None:
            return
        if self.builder.busy or self.writer.busy:
            self.builder.cancel()
            self.writer.cancel()
        else:
            self._on_cancelled()

    def _on_job_progress(self, span: tuple[int, int], fraction: float, message: str) -> None:
        if self.dialog is not None:
            self.dialog.setValue(span[0] + int((span[1] - span[0]) * fraction))
            if message:
                self.dialog.setLabelText(message[:1].upper() + message[1:] + "…")

    # --- step 2: the charts, one per turn of the event loop ----------------------------------
    def _on_built(self, sheet: Tearsheet) -> None:
        self.timings["build"] = time.perf_counter() - self._started
        if self.dialog is None or self.dialog.wasCanceled():  # Cancel came as the job ended
            self._on_cancelled()
            return
        self._sheet, self._images, self._renderer = sheet, [], ChartRenderer()
        self._drawing = time.perf_counter()
        self._draw_next()

    def _draw_next(self) -> None:
        """Draw the next chart, then yield to the event loop; after the last, start writing."""
        if self.dialog is None or self._sheet is None or self._renderer is None:
            return  # cancelled meanwhile
        figures = self._sheet.figures
        done = len(self._images)
        if done == len(figures):
            self._start_writing()
            return
        figure = figures[done]
        self.dialog.setLabelText(f"Drawing chart {done + 1} of {len(figures)}: {figure.title}…")
        self.dialog.setValue(DRAW[0] + int((DRAW[1] - DRAW[0]) * done / len(figures)))
        try:
            self._images.append(self._renderer.render(figure))
        except Exception as exc:  # noqa: BLE001 -- a bug drawing one chart: the notifier words it
            self.notifier.error(exc)
            self._on_failed(exc)
            return
        QTimer.singleShot(0, self._draw_next)

    def _start_writing(self) -> None:
        self.timings["draw"] = time.perf_counter() - self._drawing
        sheet, images = self._sheet, self._images
        self._release_charts()
        self._writing = time.perf_counter()
        self.writer.submit(partial(write_job, sheet, images, self._path), "Writing the report…")

    # --- step 3 and endings -------------------------------------------------------------------
    def _on_written(self, path: Path) -> None:
        self.timings["write"] = time.perf_counter() - self._writing
        self._close()
        self.sigWritten.emit(path)

    def _on_failed(self, exc: BaseException) -> None:
        if self.dialog is None:
            return
        self._close()  # the runner (or _draw_next) has shown the error
        self.sigFailed.emit(exc)

    def _on_cancelled(self) -> None:
        if self.dialog is None:
            return
        self._close()
        self.sigCancelled.emit()

    def _release_charts(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
        self._sheet, self._images, self._renderer = None, [], None

    def _close(self) -> None:
        self._release_charts()
        if self.dialog is not None:
            self.dialog.canceled.disconnect()  # closing a progress dialog emits canceled
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
