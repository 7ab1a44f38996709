"""``report``: a tearsheet a portfolio manager can send, as PDF or one self-contained HTML file.

``report RETURNS [the regress options] [--window N] [--split DATES] [--rank alpha_t|ir]
[--holdings H... --returns R [--holdings-fund NAME] [--drift AMOUNT]] --out FILE.pdf|FILE.html``

The same regressions as ``regress`` (same options, same numbers), then per fund the profile in
words, the tables and the charts; with holdings, the bottom-up vs top-down comparison and the
style shifts. Qt draws the PDF and the charts, off screen: the command needs no display (Qt's
``offscreen`` platform is used unless ``QT_QPA_PLATFORM`` says otherwise, which also keeps the
layout independent of a screen's resolution). Qt is imported only when this command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path

from analytics import jobs
from analytics.data.holdings import holdings_dataset
from analytics.data.readers import read_dataset
from analytics.errors import InputError
from analytics.exposures.request import ExposuresRequest, run_exposures
from analytics.regression.request import RegressionRequest, run_regression
from analytics.reports import DEFAULT_THRESHOLD, RANKINGS, style_drift, tearsheet_of
from analytics.reports.tearsheet import Tearsheet
from cli import regress
from cli.common import print_notes, read_options

__all__ = ["register", "run"]

REPORT_SUFFIXES = (".pdf", ".html", ".htm")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        parents=[_regress_parser()],
        conflict_handler="resolve",
        help="write a fund report (profile, tables, charts) as PDF or HTML",
        description="Per fund: the profile in plain language, summary, loadings with 95% intervals, return "
        "attribution and risk, cumulative abnormal return, rolling loadings; a peer table for several funds; "
        "with holdings, style shifts and bottom-up vs top-down. Takes every regress option.",
    )
    p.add_argument(
        "--window",
        type=int,
        metavar="N",
        help="rolling-loadings window in periods (default: 36 months, 52 weeks, 252 days; same as --rolling)",
    )
    p.add_argument(
        "--rank",
        choices=list(RANKINGS),
        default="alpha_t",
        help="peer table order: alpha t-statistic or information ratio (alpha / ivol)",
    )
    p.add_argument("--holdings", metavar="H", nargs="+", help="holdings file(s) of one fund (as for exposures)")
    p.add_argument("--returns", dest="stock_returns", metavar="R", help="stock returns for the holdings' betas")
    p.add_argument(
        "--holdings-fund",
        metavar="NAME",
        help="the fund in RETURNS the holdings belong to (default: the holdings-implied fund)",
    )
    p.add_argument(
        "--beta-window", type=int, metavar="N", help="rolling stock betas over N periods (default: full sample)"
    )
    p.add_argument("--id-col", metavar="COL", help="id column of the holdings")
    p.add_argument("--returns-id-col", metavar="COL", help="id column of a long stock returns file")
    p.add_argument("--rescale", action="store_true", help="rescale each date's weights to sum to 1")
    p.add_argument(
        "--drift",
        type=float,
        default=DEFAULT_THRESHOLD,
        metavar="AMOUNT",
        help=f"flag holdings dates where an exposure moves by more than AMOUNT (default {DEFAULT_THRESHOLD})",
    )
    p.add_argument("--title", metavar="TEXT", help="report title (default: 'Factor report: ...')")
    p.add_argument("--simulated", action="store_true", help="label the report SIMULATED (automatic for demo files)")
    p.add_argument("--out", metavar="FILE", required=True, help="FILE.pdf or FILE.html")
    p.set_defaults(handler=run)


def _regress_parser() -> argparse.ArgumentParser:
    """regress's own parser, as the parent of report's: report takes every regress option
    (RETURNS, the data options, --funds, --excess, --hac, --start, --end, --periods-per-year),
    spelled and documented as regress spells them, now and when regress gains options; report's
    own --out replaces regress's."""
    scratch = argparse.ArgumentParser(add_help=False).add_subparsers()
    regress.register(scratch)
    return scratch.choices["regress"]


def run(args: argparse.Namespace) -> int:
    _check_request(args)
    # --window (report's own) or regress's --rolling: the rolling loadings are always drawn
    request = replace(regress.request_from_args(args), rolling=args.window or args.rolling or 0)
    report = jobs.run(run_regression(request))
    notes = list(report.all_notes)
    exposures = drift = None
    if args.holdings:
        exposures = jobs.run(run_exposures(_exposures_request(args, request)))
        drift = style_drift(exposures, threshold=args.drift)
        notes += [*exposures.all_notes, *drift.notes]
    print_notes(notes)
    sheet = tearsheet_of(
        report,
        exposures=exposures,
        drift=drift,
        rank_by=args.rank,
        holdings_fund=args.holdings_fund,
        title=args.title,
        simulated=args.simulated,
    )
    path = _render(sheet, args.out)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _check_request(args: argparse.Namespace) -> None:
    """Refuse what cannot work before any file is read."""
    suffix = Path(args.out).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise InputError(
            f"{args.out}: a report is .pdf or .html, not {suffix or 'a file without extension'}.", option="out"
        )
    if args.holdings and not args.stock_returns:
        raise InputError("holdings need the stock returns their betas come from (--returns R).", option="holdings")
    if not args.holdings and (args.stock_returns or args.holdings_fund):
        raise InputError("stock returns and a holdings fund describe holdings; add the holdings.", option="holdings")
    if not args.drift > 0:
        raise InputError(f"the exposure change to flag must be positive, e.g. 0.25, not {args.drift}.", option="drift")


def _exposures_request(args: argparse.Namespace, regression: RegressionRequest) -> ExposuresRequest:
    """Bottom-up and top-down exposures of the holdings (the fund's own returns when named)."""
    stocks = read_dataset(args.stock_returns, "returns", **asdict(read_options(args, id_col=args.returns_id_col)))
    paths = args.holdings[0] if len(args.holdings) == 1 else args.holdings
    holdings = holdings_dataset(paths, id_col=args.id_col, rescale=args.rescale)
    return ExposuresRequest(
        holdings,
        stocks,
        regression.factors,
        model=regression.model,
        method="rolling" if args.beta_window is not None else "full",
        window=args.beta_window,
        excess=regression.excess,
        fund_returns=regression.returns if args.holdings_fund is not None else None,
        fund_column=args.holdings_fund,
    )


def _render(sheet: Tearsheet, out: str) -> Path:
    """Draw the report with Qt, off screen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.reports import export_report

    _app = QApplication.instance() or QApplication([])
    return export_report(sheet, out)
