"""``demo``: write the simulated demo workspace's files, for the README's quick start."""

from __future__ import annotations

import argparse

from analytics.data.demo import DEMO_LABEL, write_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write the demo workspace (simulated data) to a folder")
    p.add_argument("folder", metavar="DIR")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    for key, path in write_demo(args.folder).items():
        print(f"{key}: {path}")
    print(f"({DEMO_LABEL})")
    return 0
