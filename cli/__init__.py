"""The command line: the same analytics as the GUI, for scripts and tests.

Each subcommand lives in its own module with ``register(subparsers)``; the module's handler
returns the exit status. Bad input (an :class:`~analytics.errors.InputError`) prints one line
and exits 2, without a traceback; library warnings never reach the user's terminal.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from analytics.errors import InputError

__all__ = ["COMMANDS", "build_parser", "main"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = (
    "cli.regress",
    "cli.holdings",
    "cli.exposures",
    "cli.report",
    "cli.crosssection",
    "cli.charadj",
    "cli.wrds",
    "cli.store",
    "cli.demo",
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser: every subcommand registered by its module."""
    parser = argparse.ArgumentParser(prog="factordesk", description="FactorDesk: what really drives a fund's returns.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str]) -> int:
    """Run one subcommand; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
