"""``crosssection``: per-date regressions of returns on z-scored characteristics, and Fama-MacBeth.

``--out`` gets one row per date (``date, <char>..., n, r2``); ``--fm-out`` (or the screen)
one row per characteristic (``characteristic, premium, std_err, t, t_nw``). The model
options are shared with ``charadj``, which imports them from here.
"""

from __future__ import annotations

import argparse

import pandas as pd

from analytics import jobs
from analytics.crosssection import CrossSectionModel, CrossSectionResults
from analytics.crosssection.panel import panel_dataset
from analytics.errors import InputError
from cli.common import emit, print_notes, split_list

__all__ = ["register", "run", "add_model_options", "fit_from_args"]


def add_model_options(p: argparse.ArgumentParser) -> None:
    """--panel and the options of the cross-sectional model, spelled once for both commands."""
    p.add_argument("--panel", metavar="FILE", required=True,
                   help="long panel: date, id, return, characteristics (CSV, Excel, Parquet)")
    p.add_argument("--id-col", metavar="COL", help="id column (default: id, permno or ticker)")
    p.add_argument("--chars", metavar="A,B", help="characteristics (default: every other numeric column)")
    p.add_argument("--ret-col", metavar="COL", default="re", help="excess return column (default: re)")
    p.add_argument("--weight-col", metavar="COL", help="WLS with these weights (market cap)")
    p.add_argument("--top-pct", type=float, metavar="P", help="only the largest P%% of stocks by market cap")
    p.add_argument("--cap-col", metavar="COL", help="market cap for --top-pct (default: --weight-col or mcap)")
    p.add_argument("--winsorize", type=float, metavar="P",
                   help="clip characteristics at their P and 100-P percentiles per date")
    p.add_argument("--constant", action="store_true", help="add a constant (the chapter has none)")


def fit_from_args(args: argparse.Namespace, *, month: str | None = None) -> tuple[CrossSectionResults, tuple[str, ...]]:
    """Load the panel and fit the model the options describe; returns results and load notes.

    ``month`` (``YYYY-MM``) keeps only that month's cross-section.
    """
    dataset = panel_dataset(args.panel, id_col=args.id_col)
    panel = dataset.data
    if month is not None:
        period = _month(month)
        panel = panel.loc[panel["date"].dt.to_period("M") == period]
        if panel.empty:
            raise InputError(f"{dataset.name}: no rows in {period}; dates run from "
                             f"{dataset.data['date'].min().date()} to {dataset.data['date'].max().date()}.")
    model = CrossSectionModel(
        panel, ret_col=args.ret_col, chars=split_list(args.chars), weight_col=args.weight_col,
        top_pct=args.top_pct, cap_col=args.cap_col,
        winsorize=None if args.winsorize is None else args.winsorize / 100, constant=args.constant,
        source=dataset.name,
    )
    return jobs.run(model.fit_job(nw_lags=getattr(args, "nw_lags", None))), dataset.notes


def _month(text: str) -> pd.Period:
    try:
        return pd.Period(text, freq="M")
    except ValueError:
        raise InputError(f"--date {text!r} is not a month; use YYYY-MM.") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crosssection", help="characteristic returns per date and Fama-MacBeth premia",
                       description="Per date: returns on z-scored characteristics (no constant); then the "
                                   "Fama-MacBeth premia. Characteristics are used as given: lag them yourself.")
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
