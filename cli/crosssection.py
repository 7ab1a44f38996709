"""``crosssection``: per-date regressions of returns on z-scored characteristics, and Fama-MacBeth.

``--out`` gets one row per date (``date, <char>..., n, r2``); ``--fm-out`` (or the screen)
one row per characteristic (``characteristic, premium, std_err, t, t_nw``). The model
options are shared with ``charadj``, which imports them from here. ``--panel`` is a file or
a date-partitioned dataset folder (read a block of dates at a time, never whole);
``--engine dask`` runs the blocks on a Dask cluster (``--scheduler``, or a local one).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from analytics import jobs
from analytics.crosssection import ENGINES, CrossSectionModel, CrossSectionResults
from analytics.crosssection.panel import panel_dataset
from analytics.data.partitioned import PartitionedPanel, is_partitioned_panel, write_partitioned
from analytics.errors import InputError
from cli.common import emit, print_notes, split_list

__all__ = ["add_model_options", "fit_from_args", "register", "run"]


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


def fit_from_args(args: argparse.Namespace, *, month: str | None = None) -> tuple[CrossSectionResults, tuple[str, ...]]:
    """Load the panel and fit the model the options describe; returns results and load notes.

    ``month`` (``YYYY-MM``) keeps only that month's cross-section.
    """
    if args.scheduler and args.engine != "dask":
        raise InputError("--scheduler is the address of a Dask cluster; add --engine dask.")
    panel, name, notes = _panel(args, month)
    model = CrossSectionModel(
        panel,
        ret_col=args.ret_col,
        chars=split_list(args.chars),
        weight_col=args.weight_col,
        top_pct=args.top_pct,
        cap_col=args.cap_col,
        winsorize=None if args.winsorize is None else args.winsorize / 100,
        constant=args.constant,
        source=name,
    )
    options = {"block_dates": args.block_dates} if args.block_dates else {}
    if args.scheduler:
        options["scheduler"] = args.scheduler
    return jobs.run(model.fit_job(nw_lags=getattr(args, "nw_lags", None), engine=args.engine, **options)), notes


def _panel(args: argparse.Namespace, month: str | None) -> tuple[pd.DataFrame | PartitionedPanel, str, tuple[str, ...]]:
    """The panel to fit, only ``month``'s dates when given: a dataset folder is opened (only
    those dates will be read), a file is loaded."""
    if is_partitioned_panel(args.panel):
        if args.save_dataset:
            raise InputError(f"{args.panel} is already a dataset folder; --save-dataset writes one from a panel file.")
        dataset = PartitionedPanel(args.panel)
        dates = dataset.dates
        if month is not None:
            dates = dates[dates.to_period("M") == _month(month)]
            _refuse_empty(dataset.name, month, dates.empty, dataset.dates.min(), dataset.dates.max())
        return dataset.subset(dates), dataset.name, ()
    loaded = panel_dataset(args.panel, id_col=args.id_col)
    frame = loaded.data
    if args.save_dataset:
        write_partitioned(frame, args.save_dataset)
        print(f"wrote {args.save_dataset}", file=sys.stderr)
    if month is not None:
        frame = frame.loc[frame["date"].dt.to_period("M") == _month(month)]
        _refuse_empty(loaded.name, month, frame.empty, loaded.data["date"].min(), loaded.data["date"].max())
    return frame, loaded.name, loaded.notes


def _refuse_empty(name: str, month: str, empty: bool, first: pd.Timestamp, last: pd.Timestamp) -> None:
    if empty:
        raise InputError(f"{name}: no rows in {_month(month)}; dates run from {first.date()} to {last.date()}.")


def _month(text: str) -> pd.Period:
    try:
        return pd.Period(text, freq="M")
    except ValueError:
        raise InputError(f"--date {text!r} is not a month; use YYYY-MM.") from None


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
        raise InputError("--weights-out needs --date YYYY-MM to choose the cross-section.")
    results, notes = fit_from_args(args)
    print_notes(notes + results.notes)
    tables = results.tables()
    if args.out:
        emit(tables, "coefficients", args.out)
    emit(tables, "fama_macbeth", args.fm_out)
    if args.weights_out:
        weights = results.pure_play_weights(str(_month(args.date))).reset_index()
        emit({"pure_play_weights": weights}, "pure_play_weights", args.weights_out)
    return 0
