"""``report_10funds``: a 10-fund daily tearsheet (regressions, profile, tables, 40 charts, PDF),
against the plain way of handing the same regressions over: an Excel workbook of the tables.

The funds are the demo's five (ten years of days, FF6) and five noisy copies. Target: under 5 s
for the whole report. The check: the alphas and t-statistics the report prints are the
workbook's (read back from the PDF's text would need poppler; the tables the report is built
from are compared instead).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import jobs
from analytics.data.demo import make_demo
from analytics.data.export import export_tables
from analytics.regression import regression_job
from analytics.regression.report import fund_report_job
from analytics.reports import build_tearsheet, peer_table, run_block
from bench.harness import Workload


def _funds(quick: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    demo = make_demo()
    rng = np.random.default_rng(0)
    funds = demo.funds.copy()
    for name in list(funds.columns):
        funds[f"{name} II"] = funds[name] + rng.normal(0, 0.002, len(funds))
    if quick:
        funds = funds.iloc[:, :2]
    return funds, demo.factors


def report_10funds(quick: bool) -> Workload:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.reports import export_report

    app = QApplication.instance() or QApplication([])
    funds, factors = _funds(quick)
    folder = Path(tempfile.gettempdir()) / "factordesk-bench-report"  # one folder, overwritten each run
    folder.mkdir(exist_ok=True)

    def ours():
        report = jobs.run(fund_report_job(funds, factors, freq="daily", model="ff6"))
        sheet = build_tearsheet(report, run=run_block(report.results, simulated=True))
        export_report(sheet, folder / "report.pdf")
        return peer_table(report.results).set_index("fund"), app

    def baseline():
        results = jobs.run(regression_job(funds, factors, freq="daily", model="ff6"))
        export_tables(results.tables(), folder / "results.xlsx", main="summary")
        return results.summary.set_index("fund")

    def check(ours_result, base):
        table, _ = ours_result
        for column in ("alpha", "t_alpha", "r2"):
            np.testing.assert_allclose(table.loc[base.index, column], base[column], rtol=1e-12)

    return Workload(
        ours,
        baseline,
        check,
        repeats=1 if quick else 3,
        description=f"{funds.shape[1]}-fund daily PDF report vs the regressions exported to .xlsx",
    )


WORKLOADS = {"report_10funds": report_10funds}
