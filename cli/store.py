"""``store list``: what is in the local store (pulled data, usable offline), damaged entries too."""

from __future__ import annotations

import argparse

import pandas as pd

from analytics.data.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="list the local store of pulled data")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="list stored tables (and any damaged entry, with the fix)").set_defaults(
        handler=run
    )


def run(args: argparse.Namespace) -> int:
    store = Store()
    entries, damaged = store.scan()
    if not entries and not damaged:
        print(f"the local store is empty ({store.root})")
        return 0
    if entries:
        table = pd.DataFrame(
            [
                {
                    "name": e.name,
                    "rows": e.rows,
                    "pulled_at": e.pulled_at[:19].replace("T", " "),
                    "source": e.source,
                    "query": e.query,
                }
                for e in entries
            ]
        )
        with pd.option_context("display.max_colwidth", 80, "display.width", 250):
            print(table.to_string(index=False))
    for bad in damaged:
        print(f"damaged: {bad.message}")
    print(f"{len(entries)} entries in {store.root}" + (f"; {len(damaged)} damaged" if damaged else ""))
    return 0
