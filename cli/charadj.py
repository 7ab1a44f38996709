"""``charadj``: raw, characteristic-implied and characteristic-adjusted returns of portfolios.

``--out`` gets ``date, portfolio, raw, implied, adjusted, coverage``; an .xlsx also holds the
portfolios' characteristic exposures. Uses the ``crosssection`` model options.
"""

from __future__ import annotations

import argparse

from analytics import jobs
from analytics.crosssection.request import run_cross_section
from analytics.request import run_record
from cli.common import emit, print_notes
from cli.crosssection import add_model_options, request_from_args

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "charadj",
        help="characteristic-adjusted returns of portfolios",
        description="raw = Σ w r, implied = (Σ w z)·b, adjusted = raw - implied per date, over "
        "the holdings in that date's cross-section (coverage = their weight share).",
    )
    add_model_options(p)
    p.add_argument("--portfolios", metavar="FILE", required=True, help="portfolio, id, weight")
    p.add_argument("--date", dest="month", metavar="YYYY-MM", help="only this month (default: every date)")
    p.add_argument("--out", metavar="FILE", required=True, help=".csv (returns) or .xlsx (returns + exposures)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    request = request_from_args(args, month=args.month)
    report = jobs.run(run_cross_section(request))
    print_notes(report.all_notes)
    emit(
        report.adjusted.tables(),
        "charadj",
        args.out,
        run_record(request, report.all_notes, analysis="charadj", used=report.settings),
    )
    return 0
