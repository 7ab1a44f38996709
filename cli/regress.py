"""``regress``: fund returns on a factor model (CAPM, Fama-French, Carhart, q5 or custom columns).

Builds the same :class:`~analytics.regression.request.RegressionRequest` the Fund regression
tab builds. Each option's ``dest`` is the request field it sets, so errors about a field
name its flag.
"""

from __future__ import annotations

import argparse

from analytics import jobs
from analytics.errors import InputError
from analytics.regression.request import COV_TYPES, RegressionRequest, run_regression
from analytics.reports.peers import IR_DEFINITION, RANKINGS, peer_table
from analytics.request import run_record
from cli.common import add_data_options, emit, load_datasets, print_notes, split_list


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "regress",
        help="regress fund returns on factor models",
        description="One row per fund: annualized alpha and t, loadings and t, R², ivol, and a note for funds "
        "that could not be fitted.",
    )
    p.add_argument(
        "returns",
        metavar="RETURNS",
        help="fund returns file (CSV, Excel or Parquet, wide or long; a price history becomes returns), "
        "or a folder of such files (one series per file)",
    )
    add_data_options(p)
    add_regression_options(p)
    p.add_argument(
        "--rank",
        choices=list(RANKINGS),
        help="print (or write as the .csv, or the first sheet) the peer table instead: funds ranked by alpha "
        f"t-statistic or information ratio, with their loadings and R². {IR_DEFINITION}",
    )
    p.add_argument("--out", metavar="FILE", help="write .csv (summary, and FILE.run.json) or .xlsx (all tables)")
    p.set_defaults(handler=run)


def add_regression_options(p: argparse.ArgumentParser) -> None:
    """The regression's own options (``report`` takes them too)."""
    p.add_argument("--funds", metavar="A,B", help="funds to regress (default: every non-factor column)")
    p.add_argument("--excess", action="store_true", help="returns are already in excess of RF")
    p.add_argument(
        "--cov-type",
        choices=COV_TYPES,
        help="standard errors: classic OLS (nonrobust, the default), heteroskedasticity-robust (hc0), "
        "or Newey-West (hac, with --hac LAGS)",
    )
    p.add_argument("--hac", dest="hac_lags", type=int, metavar="LAGS", help="Newey-West standard errors with LAGS lags")
    p.add_argument("--start", metavar="DATE", help="first date (inclusive)")
    p.add_argument("--end", metavar="DATE", help="last date (inclusive)")
    p.add_argument(
        "--periods-per-year", type=int, metavar="N", help="annualization override (default: 12 monthly, 252 daily)"
    )
    p.add_argument(
        "--rolling",
        type=int,
        metavar="N",
        help="also rolling betas over N periods (0: 36 months, 52 weeks or 252 days), in the .xlsx",
    )
    p.add_argument(
        "--split",
        dest="splits",
        metavar="DATES",
        help="also betas before and after each date (comma list), in the .xlsx",
    )


def request_from_args(args: argparse.Namespace) -> RegressionRequest:
    """The regression request the options describe (the data read first)."""
    returns, factors = load_datasets(args.returns, args)
    if args.cov_type not in (None, "hac") and args.hac_lags is not None:
        raise InputError("lags apply to Newey-West (hac) standard errors only.", option="hac_lags")
    return RegressionRequest(
        returns,
        factors,
        funds=split_list(args.funds),
        model=args.model,
        excess=args.excess,
        start=args.start,
        end=args.end,
        cov_type=args.cov_type or ("hac" if args.hac_lags is not None else "nonrobust"),
        hac_lags=args.hac_lags or 0,
        periods_per_year=args.periods_per_year,
        rolling=args.rolling,
        splits=args.splits,
    )


def run(args: argparse.Namespace) -> int:
    request = request_from_args(args)
    report = jobs.run(run_regression(request))
    print_notes(report.all_notes)
    run_info = run_record(request, report.all_notes, analysis="regression", used=report.settings)
    if args.rank is None:
        emit(report.tables(), "summary", args.out, run_info)
        return 0
    peers = report.tables().adding({"peers": lambda: peer_table(report.results, rank_by=args.rank)})
    run_info["options"]["rank"] = args.rank
    emit(peers, "peers", args.out, run_info)
    return 0
