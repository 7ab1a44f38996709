"""Run, progress and cancel for one tab's job."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from gui.jobs import JobRunner

__all__ = ["JobBar"]


class JobBar(QWidget):
    """A Run button, a progress bar with the job's message, and Cancel while it runs."""

    def __init__(self, runner: JobRunner, run_label: str = "Run", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton(run_label)
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.status = QLabel("Ready")
        self.status.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.run_button)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.status, 2)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self._runner = runner
        runner.sigBusyChanged.connect(self._on_busy_change)
        runner.sigProgress.connect(self._on_progress)
        runner.sigStarted.connect(lambda label: self.status.setText(label))
        runner.sigFinished.connect(lambda _r: self.status.setText("Done"))
        runner.sigFailed.connect(lambda _e: self.status.setText("Failed (see message)"))
        runner.sigCancelled.connect(lambda: self.status.setText("Cancelled; previous results kept"))
        self._on_busy_change(False)

    def _on_cancel_clicked(self) -> None:
        self.status.setText("Cancelling…")
        self._runner.cancel()

    def _on_busy_change(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setValue(0)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        if message:
            self.status.setText(message)
