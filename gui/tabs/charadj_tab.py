"""Characteristic-adjusted returns tab: placeholder until issue 4 lands (its engineer replaces this file)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from analytics.errors import InputError
from gui.tabs.base import AnalysisTab


class CharAdjTab(AnalysisTab):
    title = "Characteristic-adjusted returns"

    def build_inputs(self, form: QFormLayout) -> None:
        form.addRow(QLabel("Coming soon."))

    def build_results(self, area: QWidget) -> None:
        QVBoxLayout(area).addWidget(QLabel("Characteristic-adjusted returns: coming soon."))

    def make_job(self):
        raise InputError("Characteristic-adjusted returns is coming in the next version.")

    def run(self) -> bool:
        return False

    def show_result(self, result: object) -> None:
        raise NotImplementedError
