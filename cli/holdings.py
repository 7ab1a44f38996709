"""``holdings``: read holdings files as published and write the canonical positions.

The same loader the Holdings tab and ``exposures`` use, so a user can check what FactorDesk
made of a fund company's export before analysing it: one row per position (``date, id,
weight, kind``; weights as decimals, sorted by date then weight, largest first), and notes
saying what was skipped and assumed, with each date's weight sum and cash weight.
"""

from __future__ import annotations

import argparse
import sys

from analytics.data.export import export_tables
from analytics.data.holdings import load_holdings
from cli.common import print_notes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "holdings",
        help="read holdings files as published and write date, id, weight, kind",
        description="Read holdings files or folders (plain tables, or ARK, iShares, SPDR, Invesco, Vanguard and "
        "broker exports as published) and write one row per position: date, id, weight (decimal), kind "
        "(security or cash), sorted by date then weight.",
    )
    p.add_argument("paths", metavar="FILE_OR_DIR", nargs="+", help="holdings files or folders of them")
    p.add_argument("--date", metavar="D", help="as-of date (YYYY-MM-DD) of files that carry none")
    p.add_argument("--id-col", metavar="COL", help="the holdings' id column (default: ticker, symbol, id, ...)")
    p.add_argument("--out", metavar="FILE", help="write the positions to FILE (.csv or .xlsx) instead of stdout")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    held = load_holdings(args.paths, id_col=args.id_col, date=args.date)
    summary = [
        f"{d.date()}: {int(r.positions)} positions, weights sum to {r.weight_sum:.4f}, cash {r.cash_weight:.4f}"
        for d, r in held.summary.iterrows()
    ]
    print_notes([*held.notes, *summary])
    frame = held.frame.assign(date=held.frame["date"].dt.strftime("%Y-%m-%d"))
    if args.out:
        print(f"wrote {export_tables({'holdings': frame}, args.out, main='holdings')}", file=sys.stderr)
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0
