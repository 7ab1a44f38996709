"""``wrds pull``: CRSP returns, prices and market caps from WRDS into the local store.

The password is never an option (it would land in shell history): ``wrds``/libpq read it from
``~/.pgpass``, or ``--ask-password`` prompts for it without echo.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics import jobs
from analytics.data.store import Store
from analytics.data.wrds_source import WRDS_HOST, WRDS_PORT, PullRequest, WrdsSettings, WrdsSource
from cli.common import print_notes, split_list


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wrds", help="pull CRSP stock data from WRDS into the local store")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    pull = actions.add_parser(
        "pull",
        help="pull returns, prices, shares and market cap",
        description="Pull CRSP data (CIZ by default) and save it in the local store.",
    )
    ids = pull.add_mutually_exclusive_group(required=True)
    ids.add_argument("--tickers", metavar="A,B", help="tickers, resolved to permnos as of --as-of")
    ids.add_argument("--permnos", metavar="N,M", help="CRSP permnos")
    pull.add_argument("--start", required=True, metavar="DATE", help="first date (inclusive)")
    pull.add_argument("--end", required=True, metavar="DATE", help="last date (inclusive)")
    pull.add_argument("--freq", choices=["daily", "monthly"], default="monthly", help="data frequency")
    pull.add_argument("--as-of", metavar="DATE", help="date at which tickers are matched (default: --end)")
    pull.add_argument("--legacy", action="store_true", help="read the legacy SIZ tables (dsf, msf, stocknames)")
    pull.add_argument(
        "--name",
        metavar="NAME",
        help="store entry name (default: describes the pull, with a short hash of the whole request)",
    )
    pull.add_argument(
        "--replace", action="store_true", help="replace a store entry of that name holding another pull (else refused)"
    )
    pull.add_argument("--host", default=WRDS_HOST, help="database host")
    pull.add_argument("--port", type=int, default=WRDS_PORT, help="database port")
    pull.add_argument("--user", default="", help="WRDS user name (default: from ~/.pgpass / your login)")
    pull.add_argument("--dbname", default="wrds", help="database name")
    pull.add_argument("--ask-password", action="store_true", help="prompt for the password (else ~/.pgpass)")
    pull.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    request = PullRequest.build(
        args.start,
        args.end,
        tickers=split_list(args.tickers) or (),
        permnos=split_list(args.permnos) or (),
        freq=args.freq,
        legacy=args.legacy,
        as_of=args.as_of,
    )
    settings = WrdsSettings(args.host, args.port, args.user, args.dbname)
    password = (
        getpass.getpass(f"Password for {args.user or 'you'} at {settings.server}: ") if args.ask_password else None
    )
    source = WrdsSource(settings, password)
    try:
        result = jobs.run(
            source.pull(request, Store(), args.name, replace=args.replace),
            lambda p: print(f"[{p.fraction:4.0%}] {p.message}", file=sys.stderr),
        )
    finally:
        source.close()
    print_notes(result.notes)
    entry = result.entry
    if not result.mapping.empty:
        print("ticker -> permno used:")
        print(result.mapping.to_string(index=False))
    print(
        f"saved {entry.name}: {entry.rows} rows, {result.panel.id_count} ids, "
        f"tables {', '.join(entry.extra['tables'])}; delisting returns {entry.extra['delisting']}"
    )
    return 0
