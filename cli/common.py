"""Options and output shared by the subcommands, so each is spelled one way everywhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from analytics.data.export import export_tables
from analytics.data.famafrench import load_famafrench
from analytics.data.returns import ReturnsData, load_returns
from analytics.data.units import UNITS
from analytics.errors import InputError
from analytics.frequency import FREQUENCIES
from analytics.regression.models import MODELS

#: ``--factors kenfrench:ff6`` downloads the model's factors from the Ken French library.
KENFRENCH = "kenfrench"

__all__ = ["KENFRENCH", "add_data_options", "load_inputs", "emit", "print_notes", "split_list"]


def add_data_options(parser: argparse.ArgumentParser, *, factors_required: bool = False) -> None:
    """--factors, --model, --freq, --factor-units, --units: how returns and factors are read."""
    parser.add_argument("--factors", metavar="FILE", required=factors_required,
                        help="factor file, or kenfrench[:capm|ff3|ff5|ff6] for the Ken French library's factors "
                             "(downloaded once, then cached; default: factor columns of the returns file)")
    parser.add_argument("--offline", action="store_true", help="with --factors kenfrench: use the cache only")
    parser.add_argument("--model", choices=list(MODELS), help="factor model (default: the largest available)")
    parser.add_argument("--freq", choices=["auto", *FREQUENCIES], default="auto", help="data frequency")
    parser.add_argument("--factor-units", choices=UNITS, default="auto", help="factor returns in percent or decimals")
    parser.add_argument("--units", choices=UNITS, default="auto", help="asset returns in percent or decimals")


def load_inputs(
    returns_path: str | Path, args: argparse.Namespace, **kwargs: str | None
) -> tuple[ReturnsData, ReturnsData]:
    """Load the returns file and the factor file (the returns file itself when none is given)."""
    data = load_returns(returns_path, freq=args.freq, units=args.units, factor_units=args.factor_units, **kwargs)
    if not args.factors:
        return data, data
    kind, _, model = args.factors.partition(":")
    if kind == KENFRENCH:
        factors = load_famafrench(model or args.model or "ff6", data.freq, offline=args.offline)
    else:
        factors = load_returns(args.factors, freq=args.freq, units=args.units, factor_units=args.factor_units)
    if factors.freq != data.freq:
        raise InputError(
            f"{data.source} is {data.freq} but {factors.source} is {factors.freq}; use factors of the same "
            "frequency (or pass --freq)."
        )
    return data, factors


def split_list(text: str | None) -> list[str] | None:
    """``"A,B"`` -> ``["A", "B"]``; None stays None."""
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def print_notes(notes: tuple[str, ...] | list[str]) -> None:
    """Assumptions and warnings go to stderr, so stdout stays a clean table."""
    for note in dict.fromkeys(notes):
        print(f"note: {note}", file=sys.stderr)


def emit(tables: dict[str, pd.DataFrame], main: str, out: str | None) -> None:
    """Export to ``out`` (CSV: the main table; Excel: all tables) or print the main table."""
    if out:
        path = export_tables(tables, out, main=main)
        print(f"wrote {path}", file=sys.stderr)
        return
    with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200,
                           "display.float_format", "{:.4f}".format):
        print(tables[main].to_string(index=False))
