"""``exposures``: holdings-based (bottom-up) vs returns-based (top-down) factor exposures."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from analytics import jobs
from analytics.data.export import export_tables
from analytics.data.holdings import load_holdings
from analytics.data.readers import read_dataset
from analytics.errors import InputError
from analytics.exposures.model import exposures_job
from cli.common import add_data_options, emit, load_inputs, print_notes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "exposures",
        help="fund factor exposures from holdings (bottom-up) vs returns (top-down)",
        description="One row per return date after the first holdings date: the holdings-weighted stock "
        "betas (date, <factor>..., coverage); --topdown-out adds the regressions of the fund's return.",
    )
    p.add_argument(
        "--holdings",
        metavar="H",
        nargs="+",
        required=True,
        help="holdings file(s) or folder(s): date, id, weight (or shares+price, or value), or a fund "
        "company's or broker's export as published; one file/sheet per date works too",
    )
    p.add_argument(
        "--returns", metavar="R", required=True, help="stock returns, wide or long (e.g. CRSP permno,date,ret)"
    )
    add_data_options(p)
    p.add_argument("--window", type=int, metavar="N", help="rolling betas over N periods (default: full sample)")
    p.add_argument("--split", action="store_true", help="betas estimated within each holdings window")
    p.add_argument(
        "--min-obs",
        type=int,
        metavar="N",
        help="fewest returns for a stock beta (default: parameters + 1; rolling: half the window)",
    )
    p.add_argument("--id-col", metavar="COL", help="id column of the holdings (e.g. 'Holding Ticker')")
    p.add_argument("--returns-id-col", metavar="COL", help="id column of a long returns file (e.g. permno)")
    p.add_argument("--rescale", action="store_true", help="rescale each date's weights to sum to 1")
    p.add_argument("--benchmark", metavar="H2", nargs="+", help="benchmark holdings, for active exposures")
    p.add_argument("--fund-returns", metavar="FILE", help="the fund's own returns for the top-down regressions")
    p.add_argument("--excess", action="store_true", help="returns are already in excess of RF")
    p.add_argument("--out", metavar="FILE", help="write the exposures (.csv) or every table (.xlsx)")
    p.add_argument("--topdown-out", metavar="FILE", help="write the top-down regressions (.csv or .xlsx)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.window is not None and args.split:
        raise InputError(
            "--window (rolling betas) and --split (betas per holdings window) exclude each other; pick one."
        )
    stocks, factors = load_inputs(args.returns, args, id_col=args.returns_id_col)
    holdings = load_holdings(args.holdings, id_col=args.id_col, rescale=args.rescale)
    benchmark = (
        None if args.benchmark is None else load_holdings(args.benchmark, id_col=args.id_col, rescale=args.rescale)
    )
    fund = _fund_returns(args) if args.fund_returns else None
    method = "rolling" if args.window is not None else "split" if args.split else "full"
    results = jobs.run(
        exposures_job(
            holdings.frame,
            stocks.assets,
            factors.factors,
            freq=stocks.freq,
            method=method,
            window=args.window,
            min_obs=args.min_obs,
            model=args.model,
            excess=args.excess,
            source=factors.source,
            benchmark=None if benchmark is None else benchmark.frame,
            fund_returns=fund,
        )
    )
    extra = () if benchmark is None else benchmark.notes
    print_notes(stocks.notes + factors.notes + holdings.notes + extra + results.notes)
    tables = results.tables()
    if args.topdown_out:
        print(f"wrote {export_tables(tables, args.topdown_out, main='topdown')}", file=sys.stderr)
    emit(tables, "exposures", args.out)
    return 0


def _fund_returns(args: argparse.Namespace) -> pd.Series:
    """The single fund return series of ``--fund-returns`` (a returns file or a price history)."""
    data = read_dataset(args.fund_returns, "returns", freq=args.freq, units=args.units).data
    if data.assets.shape[1] != 1:
        raise InputError(
            f"{data.source}: --fund-returns needs one return column, found {data.assets.shape[1]} "
            f"({', '.join(data.assets.columns[:5])})."
        )
    return data.assets.iloc[:, 0]
