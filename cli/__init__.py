"""The command line: the same analytics as the GUI, for scripts and tests.

Each subcommand lives in its own module with ``register(subparsers)``; the module's handler
returns the exit status. Bad input (an :class:`~analytics.errors.InputError`) prints one line
and exits 2, without a traceback; when it concerns an option, the line starts with that
option's flag (the error names the request field; the flag is the field's ``dest``). Library
warnings never reach the user's terminal.
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
    """The full parser: every subcommand registered by its module, each knowing its flags."""
    parser = argparse.ArgumentParser(prog="factordesk", description="FactorDesk: what really drives a fund's returns.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():
        _set_flags(command)
    return parser


def _set_flags(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` and its own subcommands (``wrds pull``, ``store list``) their flag names."""
    parser.set_defaults(flags=flag_names(parser))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _set_flags(child)


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option's ``dest`` (the request field it sets) and its flag as users type it."""
    names = {}
    for action in parser._actions:
        if action.option_strings:
            names[action.dest] = max(action.option_strings, key=len)
        elif action.dest != argparse.SUPPRESS:
            names[action.dest] = str(action.metavar or action.dest.upper())
    return names


def main(argv: list[str]) -> int:
    """Run one subcommand; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"error: {exc.worded(args.flags)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
