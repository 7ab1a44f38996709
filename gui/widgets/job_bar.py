"""Run, progress and cancel for one job runner: a tab's analysis, or the window's file loads.

The bar shows the job's overall fraction, its message (e.g. "reading prices.csv: 12.0 of
31.0 MB", "fund 1,200 of 4,000") and, once a few seconds of work tell the pace, an estimate
of the time left. Until a job reports its first fraction the bar is a busy indicator, so a
long read that has not said how far it is still shows that it is working.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from gui.jobs import JobRunner

__all__ = ["JobBar", "time_left"]

#: Seconds of work, and the fraction done, before an estimate of time left is shown.
ETA_AFTER_S = 2.0
ETA_AFTER_FRACTION = 0.02


def time_left(elapsed_s: float, fraction: float) -> str:
    """'about 40 s left', 'about 3 min left', or '' while the pace is unknown."""
    if elapsed_s < ETA_AFTER_S or not ETA_AFTER_FRACTION <= fraction < 1:
        return ""
    remaining = elapsed_s * (1 - fraction) / fraction
    if remaining < 60:
        return f"about {max(1, round(remaining))} s left"
    if remaining < 3600:
        return f"about {round(remaining / 60)} min left"
    return f"about {remaining / 3600:.1f} h left"


class JobBar(QWidget):
    """A Run button (unless ``run_label`` is None), Cancel, a progress bar, the job's message
    and the time left."""

    def __init__(self, runner: JobRunner, run_label: str | None = "Run", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton(run_label or "")
        self.run_button.setDefault(True)
        self.run_button.setVisible(run_label is not None)
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.setMinimumWidth(60)
        self.status = QLabel("Ready")  # one line (full text in the tooltip): a changing message must
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)  # never re-lay the tab
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.run_button)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.status, 2)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self._runner = runner
        self._started = time.monotonic()
        self._message = ""
        runner.sigBusyChanged.connect(self._on_busy_change)
        runner.sigProgress.connect(self._on_progress)
        runner.sigStarted.connect(self._on_started)
        runner.sigFinished.connect(lambda _r: self.status.setText("Done"))
        runner.sigFailed.connect(lambda _e: self.status.setText("Failed (see message)"))
        runner.sigCancelled.connect(lambda: self.status.setText("Cancelled; previous results kept"))
        self._on_busy_change(False)

    def _on_started(self, label: str) -> None:
        self._started = time.monotonic()
        self._message = label
        self.status.setText(label)
        self.status.setToolTip(label)

    def _on_cancel_clicked(self) -> None:
        self.status.setText("Cancelling…")
        self._runner.cancel()

    def _on_busy_change(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setRange(0, 0 if busy else 1000)  # busy indicator until the first fraction
        self.progress.setValue(0)

    def _on_progress(self, fraction: float, message: str) -> None:
        if fraction > 0:
            if self.progress.maximum() == 0:
                self.progress.setRange(0, 1000)
            self.progress.setValue(max(1, int(1000 * fraction)))
        self._message = message or self._message
        eta = time_left(time.monotonic() - self._started, fraction)
        percent = f"{fraction:.0%}" if fraction > 0 else ""
        text = " · ".join(part for part in (self._message, percent, eta) if part)
        self.status.setText(text)
        self.status.setToolTip(text)
