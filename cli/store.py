"""``store list``: what is in the local store (pulled data, usable offline)."""

from __future__ import annotations

import argparse

import pandas as pd

from analytics.data.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="list the local store of pulled data")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="list stored tables").set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    store = Store()
    entries = store.entries()
    if not entries:
        print(f"the local store is empty ({store.root})")
        return 0
    table = pd.DataFrame(
        [{"name": e.name, "rows": e.rows, "pulled_at": e.pulled_at[:19].replace("T", " "), "source": e.source,
          "query": e.query} for e in entries]
    )
    with pd.option_context("display.max_colwidth", 80, "display.width", 250):
        print(table.to_string(index=False))
    print(f"{len(entries)} entries in {store.root}")
    return 0
