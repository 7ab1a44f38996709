"""Options and output shared by the subcommands, so each is spelled one way everywhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import jobs
from analytics.data.dataset import Dataset
from analytics.data.export import export_tables
from analytics.data.readers import read_dataset
from analytics.data.returns import ReadOptions
from analytics.data.sources import KENFRENCH, factor_source_job
from analytics.data.units import UNITS
from analytics.errors import InputError
from analytics.factors import LABELS, MODELS, model_spec
from analytics.frequency import FREQUENCIES

__all__ = ["KENFRENCH", "add_data_options", "emit", "load_datasets", "print_notes", "read_options", "split_list"]


def add_data_options(parser: argparse.ArgumentParser, *, factors_required: bool = False) -> None:
    """--factors, --model, --freq, --factor-units, --units, --missing, --region, --keep-outliers:
    how returns and factors are read."""
    parser.add_argument(
        "--factors",
        metavar="SOURCE",
        action="append",
        required=factors_required,
        help="factor file (Ken French CSV or _CSV.zip, q-factor CSV, AQR workbook, any table), or "
        "kenfrench[:MODEL[:REGION]] for the Ken French library (downloaded once, then cached; "
        "REGION: developed, developed_ex_us, europe, japan, asia_pacific_ex_japan, "
        "north_america, emerging); repeat to join several on date (default: the factor "
        "columns of the returns file)",
    )
    parser.add_argument("--offline", action="store_true", help="with --factors kenfrench: use the cache only")
    models = "; ".join(f"{name} ({LABELS[name]}: {', '.join(factors)})" for name, factors in MODELS.items())
    parser.add_argument(
        "--model",
        type=_model,
        metavar="MODEL",
        help=f"factor model: {models}; or factor columns COL,COL,... (default: the largest available)",
    )
    parser.add_argument("--freq", choices=["auto", *FREQUENCIES], default="auto", help="data frequency")
    parser.add_argument("--factor-units", choices=UNITS, default="auto", help="factor returns in percent or decimals")
    parser.add_argument("--units", choices=UNITS, default="auto", help="asset returns in percent or decimals")
    parser.add_argument(
        "--missing",
        metavar="NUMBER",
        action="append",
        type=_numbers,
        default=[],
        help="a number that means 'missing' in your files, e.g. --missing -99.99 (repeat, or "
        "--missing=-99.99,-999); Ken French files' own codes always apply",
    )
    parser.add_argument("--region", metavar="REGION", help="region column of an AQR factor workbook (default: USA)")
    parser.add_argument(
        "--keep-outliers",
        action="store_true",
        help="keep values out of line with their column by orders of magnitude (default: refuse)",
    )


def _model(text: str) -> str:
    try:
        return model_spec(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _numbers(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or a comma list of numbers") from None


def read_options(args: argparse.Namespace, **kwargs: str | None) -> ReadOptions:
    """The options every returns file is read with (``kwargs``: e.g. the id column of a long file)."""
    return ReadOptions(
        freq=args.freq,
        units=args.units,
        factor_units=args.factor_units,
        missing=tuple(n for group in args.missing for n in group),
        region=args.region,
        keep_outliers=args.keep_outliers,
        **kwargs,
    )


def load_datasets(
    returns_path: str | Path, args: argparse.Namespace, **kwargs: str | None
) -> tuple[Dataset, tuple[Dataset, ...]]:
    """The returns (a file of any layout FactorDesk reads, or a folder of series) and each
    ``--factors`` source as a data set; the requests join the sources on date."""
    options = read_options(args, **kwargs)
    returns = read_dataset(returns_path, "returns", **asdict(options))
    file_options = replace(options, id_col=None, ret_col=None)
    factors = tuple(
        jobs.run(
            factor_source_job(
                spec, freq=returns.data.freq, model=args.model, offline=args.offline, options=file_options
            )
        )
        for spec in args.factors or ()
    )
    return returns, factors


def split_list(text: str | None) -> list[str] | None:
    """``"A,B"`` -> ``["A", "B"]``; None stays None."""
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def print_notes(notes: tuple[str, ...] | list[str]) -> None:
    """Assumptions and warnings go to stderr, so stdout stays a clean table."""
    for note in dict.fromkeys(notes):
        print(f"note: {note}", file=sys.stderr)


def emit(tables: Mapping[str, pd.DataFrame], main: str, out: str | None, run: Mapping[str, Any] | None = None) -> None:
    """Export to ``out`` (CSV: the main table and ``<name>.run.json``; Excel: all tables and a
    ``run`` sheet) or print the main table.

    Only the tables written are read, so a result's lazily built tables
    (:class:`~analytics.tables_lazy.LazyTables`) are built for an Excel export only.
    """
    if out:
        path = export_tables(tables, out, main=main, run=run)
        print(f"wrote {path}", file=sys.stderr)
        return
    with pd.option_context(
        "display.max_rows",
        500,
        "display.max_columns",
        50,
        "display.width",
        200,
        "display.float_format",
        "{:.4f}".format,
    ):
        print(tables[main].to_string(index=False))
