"""``exposures``: holdings-based (bottom-up) vs returns-based (top-down) factor exposures."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from analytics import jobs
from analytics.data.export import export_tables
from analytics.data.holdings import holdings_dataset
from analytics.data.readers import read_dataset
from analytics.errors import InputError
from analytics.exposures.request import ExposuresRequest, run_exposures
from analytics.request import run_record
from cli.common import add_data_options, emit, load_datasets, print_notes, read_options


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
    p.add_argument(
        "--fund-returns", metavar="FILE", help="the fund's own returns (or prices) for the top-down regressions"
    )
    p.add_argument(
        "--fund-column", metavar="COL", help="which series of --fund-returns is the fund (when it holds several)"
    )
    p.add_argument("--excess", action="store_true", help="returns are already in excess of RF")
    p.add_argument("--out", metavar="FILE", help="write the exposures (.csv) or every table (.xlsx)")
    p.add_argument("--topdown-out", metavar="FILE", help="write the top-down regressions (.csv or .xlsx)")
    p.set_defaults(handler=run)


def request_from_args(args: argparse.Namespace) -> ExposuresRequest:
    """The exposures request the options describe (the data read first)."""
    if args.window is not None and args.split:
        raise InputError(
            "a rolling window and betas per holdings window exclude each other; choose one.", option="window"
        )
    stocks, factors = load_datasets(args.returns, args, id_col=args.returns_id_col)
    holdings = holdings_dataset(_one(args.holdings), id_col=args.id_col, rescale=args.rescale)
    benchmark = None
    if args.benchmark is not None:
        benchmark = holdings_dataset(_one(args.benchmark), id_col=args.id_col, rescale=args.rescale)
    fund = None
    if args.fund_returns:
        fund = read_dataset(args.fund_returns, "returns", **asdict(read_options(args)))
    return ExposuresRequest(
        holdings,
        stocks,
        factors,
        model=args.model,
        method="rolling" if args.window is not None else "split" if args.split else "full",
        window=args.window,
        min_obs=args.min_obs,
        excess=args.excess,
        benchmark=benchmark,
        fund_returns=fund,
        fund_column=args.fund_column,
    )


def _one(paths: list[str]) -> str | list[str]:
    """One path as itself (a folder stays a folder), several as a list."""
    return paths[0] if len(paths) == 1 else paths


def run(args: argparse.Namespace) -> int:
    request = request_from_args(args)
    results = jobs.run(run_exposures(request))
    print_notes(results.all_notes)
    tables = results.tables()
    record = run_record(request, results.all_notes, analysis="exposures", used=results.settings)
    if args.topdown_out:
        print(f"wrote {export_tables(tables, args.topdown_out, main='topdown', run=record)}", file=sys.stderr)
    emit(tables, "exposures", args.out, record)
    return 0
