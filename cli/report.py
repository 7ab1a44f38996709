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
from dataclasses import asdict
from pathlib import Path

from analytics import jobs
from analytics.data.demo import DEMO_FILES, DEMO_LABEL
from analytics.data.holdings import load_holdings
from analytics.data.readers import read_dataset
from analytics.errors import InputError
from analytics.exposures.model import exposures_job
from analytics.regression.report import fund_report_job
from analytics.reports import DEFAULT_THRESHOLD, RANKINGS, build_tearsheet, run_block, style_drift
from cli import regress
from cli.common import load_inputs, print_notes, read_options, split_list

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
        help="rolling-loadings window in periods (default: 36 months, 52 weeks, 252 days)",
    )
    p.add_argument("--split", metavar="DATE,...", help="also fit before and after these dates")
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
    data, factors = load_inputs(args.returns, args)
    cov = {"cov_type": "hac", "cov_config": {"maxlags": args.hac}} if args.hac is not None else {}
    report = jobs.run(
        fund_report_job(
            data.assets,
            factors.factors,
            freq=data.freq,
            window=args.window,
            splits=split_list(args.split),
            funds=split_list(args.funds),
            returns_source=data.source,
            model=args.model,
            excess=args.excess,
            start=args.start,
            end=args.end,
            periods_per_year=args.periods_per_year,
            source=factors.source,
            **cov,
        )
    )
    notes = [*data.notes, *factors.notes, *report.results.notes, *report.notes]
    exposures = drift = None
    if args.holdings:
        exposures, more = _exposures(args, data, factors)
        drift = style_drift(exposures, threshold=args.drift, factors=factors.factors)
        notes += [*more, *exposures.notes, *drift.notes]
    print_notes(notes)
    files = [
        args.returns,
        *(args.factors or []),
        *(args.holdings or []),
        *([args.stock_returns] if args.holdings else []),
    ]
    from gui.resources import APP_VERSION

    run_info = run_block(
        report.results,
        data_files=[Path(f).name for f in files],
        version=APP_VERSION,
        simulated=args.simulated or any(_is_demo_file(f) for f in files),
    )
    sheet = build_tearsheet(
        report,
        run=run_info,
        rank_by=args.rank,
        exposures=exposures,
        drift=drift,
        holdings_fund=args.holdings_fund,
        title=args.title,
    )
    path = _render(sheet, args.out)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _check_request(args: argparse.Namespace) -> None:
    """Refuse what cannot work before any file is read."""
    suffix = Path(args.out).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise InputError(f"--out {args.out}: a report is .pdf or .html, not {suffix or 'a file without extension'}.")
    if args.holdings and not args.stock_returns:
        raise InputError("--holdings needs --returns R, the stock returns the holdings' betas come from.")
    if not args.holdings and (args.stock_returns or args.holdings_fund):
        raise InputError("--returns and --holdings-fund describe holdings; add --holdings H.")
    if not args.drift > 0:
        raise InputError(f"--drift {args.drift}: the exposure change to flag must be positive, e.g. 0.25.")


def _exposures(args: argparse.Namespace, data, factors) -> tuple[object, list[str]]:
    """Bottom-up and top-down exposures of the holdings (the fund's own returns when named)."""
    stocks = read_dataset(args.stock_returns, "returns", **asdict(read_options(args, id_col=args.returns_id_col))).data
    holdings = load_holdings(args.holdings, id_col=args.id_col, rescale=args.rescale)
    fund = None
    if args.holdings_fund is not None:
        if args.holdings_fund not in data.assets.columns:
            raise InputError(
                f"--holdings-fund {args.holdings_fund!r} is not a fund of {data.source}; funds are "
                f"{', '.join(map(str, data.assets.columns))}."
            )
        fund = data.assets[args.holdings_fund]
    method = "rolling" if args.beta_window is not None else "full"
    exposures = jobs.run(
        exposures_job(
            holdings.frame,
            stocks.assets,
            factors.factors,
            freq=stocks.freq,
            method=method,
            window=args.beta_window,
            model=args.model,
            excess=args.excess,
            source=factors.source,
            fund_returns=fund,
        )
    )
    return exposures, [*stocks.notes, *holdings.notes]


def _is_demo_file(path: str) -> bool:
    """A file written by ``main.py demo``: a demo file name beside the demo's README."""
    file = Path(path)
    readme = file.parent / "README.txt"
    if file.name not in DEMO_FILES.values() or not readme.is_file():
        return False
    with open(readme, encoding="utf-8", errors="replace") as handle:
        return handle.readline().strip() == DEMO_LABEL


def _render(sheet, out: str) -> Path:
    """Draw the report with Qt, off screen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.reports import export_report

    _app = QApplication.instance() or QApplication([])
    return export_report(sheet, out)
