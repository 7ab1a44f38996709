"""``exposures``: placeholder until its issue lands (replaced by the module that implements it)."""

from __future__ import annotations

import argparse

from analytics.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exposures", help="(coming soon)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise InputError("'exposures' is not available yet in this version.")
