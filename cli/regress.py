"""``regress``: fund returns on a factor model (CAPM, Fama-French, Carhart, q5 or custom columns)."""

from __future__ import annotations

import argparse

from analytics import jobs
from analytics.regression import regression_job
from cli.common import add_data_options, emit, load_inputs, print_notes, split_list


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "regress",
        help="regress fund returns on factor models",
        description="One row per fund: annualized alpha and t, loadings and t, R², ivol.",
    )
    p.add_argument(
        "returns",
        metavar="RETURNS",
        help="fund returns file (CSV, Excel or Parquet, wide or long; a price history becomes returns), "
        "or a folder of such files (one series per file)",
    )
    add_data_options(p)
    p.add_argument("--funds", metavar="A,B", help="funds to regress (default: every non-factor column)")
    p.add_argument("--excess", action="store_true", help="returns are already in excess of RF")
    p.add_argument("--hac", type=int, metavar="LAGS", help="Newey-West standard errors with LAGS lags")
    p.add_argument("--start", metavar="DATE", help="first date (inclusive)")
    p.add_argument("--end", metavar="DATE", help="last date (inclusive)")
    p.add_argument(
        "--periods-per-year", type=int, metavar="N", help="annualization override (default: 12 monthly, 252 daily)"
    )
    p.add_argument("--out", metavar="FILE", help="write .csv (summary) or .xlsx (all tables)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    data, factors = load_inputs(args.returns, args)
    cov = {"cov_type": "hac", "cov_config": {"maxlags": args.hac}} if args.hac is not None else {}
    results = jobs.run(
        regression_job(
            data.assets,
            factors.factors,
            freq=data.freq,
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
    print_notes(data.notes + factors.notes + results.notes)
    emit(results.tables(), "summary", args.out)
    return 0
