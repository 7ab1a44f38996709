"""``crosssection``: per-date regressions of returns on z-scored characteristics, and Fama-MacBeth.

``--out`` gets one row per date (``date, <char>..., n, r2``); ``--fm-out`` (or the screen)
one row per characteristic (``characteristic, premium, std_err, t, t_nw``). The model
options are shared with ``charadj``, which imports them from here. ``--panel`` is a file or
a date-partitioned dataset folder (read a block of dates at a time, never whole); a file is
kept in the local store as such a dataset the first time, and later runs read that
(``--no-store``: the file each time);
``--engine dask`` runs the blocks on a Dask cluster (``--scheduler``, or a local one).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from analytics import jobs
from analytics.crosssection import ENGINES
from analytics.crosssection.request import CrossSectionRequest, run_cross_section
from analytics.data.dataset import Dataset
from analytics.data.panel import panel_dataset, portfolios_dataset
from analytics.data.partitioned import PartitionedPanel, is_partitioned_panel, write_partitioned
from analytics.errors import InputError
from analytics.request import run_record
from cli.common import emit, print_notes, split_list

__all__ = ["add_model_options", "register", "request_from_args", "run"]

# Dates per block when a stored panel is copied to a --save-dataset folder.
_BLOCK_DATES = 64


def add_model_options(p: argparse.ArgumentParser) -> None:
    """--panel and the options of the cross-sectional model, spelled once for both commands."""
    p.add_argument(
        "--panel",
        metavar="FILE",
        required=True,
        help="long panel: date, id, return, characteristics (CSV, Excel, Parquet), or a "
        "date-partitioned dataset folder",
    )
    p.add_argument("--id-col", metavar="COL", help="id column (default: id, permno or ticker)")
    p.add_argument("--chars", metavar="A,B", help="characteristics (default: every other numeric column)")
    p.add_argument("--ret-col", metavar="COL", default="re", help="excess return column (default: re)")
    p.add_argument("--weight-col", metavar="COL", help="WLS with these weights (market cap)")
    p.add_argument("--top-pct", type=float, metavar="P", help="only the largest P%% of stocks by market cap")
    p.add_argument("--cap-col", metavar="COL", help="market cap for --top-pct (default: --weight-col or mcap)")
    p.add_argument(
        "--winsorize", type=float, metavar="P", help="clip characteristics at their P and 100-P percentiles per date"
    )
    p.add_argument("--constant", action="store_true", help="add a constant (the chapter has none)")
    p.add_argument(
        "--engine",
        choices=list(ENGINES),
        default="local",
        help="where the per-date blocks run: this process (default) or a Dask cluster",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the cluster's scheduler (tcp://host:8786; default: a local cluster)",
    )
    p.add_argument("--block-dates", type=int, metavar="N", help="dates per block (default: about 64 MB of rows)")
    p.add_argument(
        "--save-dataset",
        metavar="FOLDER",
        help="also write the panel file as a date-partitioned dataset folder, for later --panel FOLDER",
    )
    p.add_argument(
        "--no-store",
        action="store_true",
        help="read the panel file itself (by default it is stored once in the local store as a "
        "date-partitioned dataset, and later runs read that a block of dates at a time)",
    )


def request_from_args(args: argparse.Namespace, *, month: str | None = None) -> CrossSectionRequest:
    """The cross-section request the options describe (the panel opened first); ``month``
    (``YYYY-MM``) keeps only that month's cross-section."""
    portfolios = getattr(args, "portfolios", None)
    return CrossSectionRequest(
        _panel(args),
        portfolios_dataset(portfolios, id_col=args.id_col) if portfolios else None,
        chars=split_list(args.chars),
        ret_col=args.ret_col,
        weight_col=args.weight_col,
        top_pct=args.top_pct,
        cap_col=args.cap_col,
        winsorize=args.winsorize,
        constant=args.constant,
        nw_lags=getattr(args, "nw_lags", None),
        month=month,
        engine=args.engine,
        scheduler=args.scheduler,
        block_dates=args.block_dates,
    )


def _panel(args: argparse.Namespace) -> Dataset:
    """The panel: a dataset folder opened as it is (only the dates used are read), or a file,
    stored once as such a dataset unless ``--no-store``; ``--save-dataset`` copies it out."""
    if is_partitioned_panel(args.panel):
        if args.save_dataset:
            raise InputError(
                f"{args.panel} is already a dataset folder; a copy is written from a panel file.", option="save_dataset"
            )
        dataset = PartitionedPanel(args.panel)
        return Dataset(dataset.name, "panel", dataset, f"{len(dataset.dates)} dates", str(args.panel))
    loaded = panel_dataset(args.panel, id_col=args.id_col, stored=not args.no_store)
    if args.save_dataset:
        stored = loaded.data
        if isinstance(stored, PartitionedPanel):
            write_partitioned(stored.blocks(_BLOCK_DATES), args.save_dataset, frequency=stored.frequency)
        else:
            write_partitioned(stored, args.save_dataset)
        print(f"wrote {args.save_dataset}", file=sys.stderr)
    return loaded


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crosssection",
        help="characteristic returns per date and Fama-MacBeth premia",
        description="Per date: returns on z-scored characteristics (no constant); then the "
        "Fama-MacBeth premia. Characteristics are used as given: lag them yourself.",
    )
    add_model_options(p)
    p.add_argument("--nw-lags", type=int, metavar="L", help="Newey-West lags for t_nw (default: 4(T/100)^(2/9))")
    p.add_argument("--out", metavar="FILE", help="per-date coefficients, n, r2 (.csv, or .xlsx with all tables)")
    p.add_argument("--fm-out", metavar="FILE", help="Fama-MacBeth table (default: print it)")
    p.add_argument("--weights-out", metavar="FILE", help="pure-play portfolio weights of the --date cross-section")
    p.add_argument("--date", metavar="YYYY-MM", help="the cross-section for --weights-out")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.weights_out and not args.date:
        raise InputError("--weights-out needs --date YYYY-MM, the month of the cross-section whose weights to write.")
    request = request_from_args(args)
    report = jobs.run(run_cross_section(request))
    print_notes(report.all_notes)
    tables = report.tables()
    record = run_record(request, report.all_notes, analysis="crosssection", used=report.settings)
    if args.out:
        emit(tables, "coefficients", args.out, record)
    emit(tables, "fama_macbeth", args.fm_out, record)
    if args.weights_out:
        weights = report.results.pure_play_weights(str(_month(args.date))).reset_index()
        emit({"pure_play_weights": weights}, "pure_play_weights", args.weights_out, record)
    return 0


def _month(text: str) -> pd.Period:
    try:
        return pd.Period(text, freq="M")
    except ValueError:
        raise InputError(f"{text!r} is not a month; write it as YYYY-MM.", option="date") from None
