"""The tearsheet as a document model: sections of text, tables and figure specs, plus the run.

Why a model and not a PDF: what a report says is analytics (which numbers, which words, which
units), how it looks is the front end's (Qt draws PDF and HTML from this model; see
``gui.reports``). Tables keep their raw numbers and a format per column, so the PDF, the HTML
and the tests format them the same way (:mod:`analytics.reports.formats`); figures keep the data
to plot, in the units their axis names.

A tearsheet: an overview (the peer table when there are several funds, and the run block), then
one section per fund (profile, summary, loadings with 95% intervals and the return attribution
and variance shares beside them, cumulative abnormal return, rolling loadings, split windows,
caveats), then the holdings (style shifts, bottom-up vs top-down) unless they belong to a fund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.exposures.results import ExposureResults
from analytics.regression.report import FundReport
from analytics.regression.results import FactorRegressionResults
from analytics.reports import formats
from analytics.reports.drift import StyleDrift
from analytics.reports.peers import IR_DEFINITION, RANKINGS, information_ratio, peer_table
from analytics.reports.profile import MIN_WINDOW_DF, drift_sentences, fund_profile
from analytics.reports.wording import model_label, period_word

__all__ = [
    "FORMATS",
    "Block",
    "Bullets",
    "Column",
    "Figure",
    "Paragraph",
    "RunBlock",
    "Section",
    "Table",
    "Tearsheet",
    "build_tearsheet",
    "run_block",
]

#: Column format -> how a cell is written. Numbers are right-aligned, text and dates left.
#: A cell is whatever its frame holds (a number, a date, text), so it is typed ``Any``.
FORMATS: dict[str, Callable[[Any], str]] = {
    "text": lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v),
    "date": lambda v: "" if v is None or pd.isna(v) else str(pd.Timestamp(v).date()),
    "pct": lambda v: formats.pct(float(v)) if not pd.isna(v) else "",
    "pct1": lambda v: formats.pct(float(v), 1) if not pd.isna(v) else "",
    "num": lambda v: formats.num(float(v)) if not pd.isna(v) else "",
    "signed": lambda v: formats.signed(float(v)) if not pd.isna(v) else "",
    "r2": lambda v: formats.r2(float(v)) if not pd.isna(v) else "",
    "int": lambda v: formats.integer(float(v)) if not pd.isna(v) else "",
    "years": lambda v: formats.num(float(v), 1) if not pd.isna(v) else "",
}


@dataclass(frozen=True)
class Column:
    """A table column: the frame's ``key``, its printed ``label`` (with units) and ``fmt``."""

    key: str
    label: str
    fmt: str = "num"

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (right-aligned)."""
        return self.fmt not in ("text", "date")


@dataclass(frozen=True)
class Table:
    """A titled table: raw values in ``frame``, written by ``columns``' formats."""

    title: str
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    note: str = ""

    def header(self) -> list[str]:
        """The column labels."""
        return [c.label for c in self.columns]

    def rows(self) -> list[list[str]]:
        """Every cell as printed."""
        return [[FORMATS[c.fmt](row[c.key]) for c in self.columns] for _, row in self.frame.iterrows()]


@dataclass(frozen=True)
class Figure:
    """A chart to draw: ``lines`` (a DatetimeIndex, one column per series) or ``bars``
    (columns ``label, value, lower, upper``), in the units ``unit`` names; ``marks`` are dates
    drawn as vertical lines; ``width`` is ``full`` or ``half`` (two halves share a row)."""

    title: str
    kind: str
    data: pd.DataFrame
    unit: str
    marks: tuple[pd.Timestamp, ...] = ()
    width: str = "full"
    caption: str = ""


@dataclass(frozen=True)
class Paragraph:
    """Running text; ``style`` is ``body``, ``note``, ``banner`` (a warning in red) or ``run``."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Bullets:
    """A list of sentences; ``style`` is ``profile`` or ``caveat``."""

    items: tuple[str, ...]
    style: str = "profile"


Block = Paragraph | Bullets | Table | Figure


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``new_page`` starts it on a fresh page in print."""

    title: str
    blocks: tuple[Block, ...]
    subtitle: str = ""
    new_page: bool = True


@dataclass(frozen=True)
class RunBlock:
    """How the numbers were made: model, errors, period, data, version, and SIMULATED when so."""

    model: str
    standard_errors: str
    period: str
    frequency: str
    annualization: str
    data_files: tuple[str, ...]
    version: str
    created: str
    simulated: bool

    def rows(self) -> list[tuple[str, str]]:
        """The run block as label/value pairs."""
        rows = [
            ("Model", self.model),
            ("Standard errors", self.standard_errors),
            ("Period", self.period),
            ("Frequency", self.frequency),
            ("Annualization", self.annualization),
            ("Data files", ", ".join(self.data_files) or "(not recorded)"),
            ("FactorDesk", f"version {self.version}" if self.version else "(version not recorded)"),
            ("Created", self.created),
        ]
        if self.simulated:
            rows.insert(0, ("Data", "SIMULATED: generated by FactorDesk's demo, not market data"))
        return rows

    @property
    def line(self) -> str:
        """One line for page footers."""
        parts = [self.model, self.standard_errors, self.period, f"FactorDesk {self.version}".strip()]
        return ("SIMULATED DATA · " if self.simulated else "") + " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Tearsheet:
    """The whole report: title, sections in order, and the run block."""

    title: str
    subtitle: str
    sections: tuple[Section, ...]
    run: RunBlock

    @property
    def figures(self) -> list[Figure]:
        """Every figure, in document order (what a renderer draws)."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]


def run_block(
    results: FactorRegressionResults,
    *,
    data_files: Sequence[str] = (),
    version: str = "",
    simulated: bool = False,
    created: dt.date | None = None,
) -> RunBlock:
    """The run block of a regression: its model, errors, span and annualization."""
    start, end = results.span["start"].min(), results.span["end"].max()
    return RunBlock(
        model=f"{model_label(results.model)} ({', '.join(results.factors)})",
        standard_errors=results.cov_description,
        period=f"{start.date()} to {end.date()}",
        frequency=results.freq,
        annualization=f"× {results.periods_per_year} periods a year",
        data_files=tuple(data_files),
        version=version,
        created=str(created or dt.date.today()),
        simulated=simulated,
    )


def build_tearsheet(
    report: FundReport,
    *,
    run: RunBlock,
    rank_by: str = "alpha_t",
    exposures: ExposureResults | None = None,
    drift: StyleDrift | None = None,
    holdings_fund: str | None = None,
    title: str | None = None,
) -> Tearsheet:
    """The report of every fund in ``report``; with ``exposures`` (and their ``drift``) a holdings
    part, inside ``holdings_fund``'s section when that fund is in the report, else on its own."""
    results = report.results
    attach = holdings_fund if holdings_fund in results.funds else None
    sections = [_overview(results, run, rank_by)]
    for fund in results.funds:
        holdings = _holdings_blocks(exposures, drift) if exposures is not None and fund == attach else ()
        sections.append(_fund_section(report, fund, run, drift if fund == attach else None, holdings))
    if exposures is not None and attach is None:
        name = holdings_fund or "holdings-implied fund"
        sections.append(
            Section(
                f"Holdings: {name}",
                _holdings_blocks(exposures, drift),
                subtitle="bottom-up (holdings × stock betas) vs top-down (the fund's returns)",
            )
        )
    n = len(results.funds)
    return Tearsheet(
        title=title or ("Factor report: " + (results.funds[0] if n == 1 else f"{n} funds")),
        subtitle=f"{model_label(results.model)} regressions of {results.freq} excess returns, {run.period}",
        sections=tuple(sections),
        run=run,
    )


def _overview(results: FactorRegressionResults, run: RunBlock, rank_by: str) -> Section:
    """The first page: what was run, and the peer table when there are several funds."""
    blocks: list[Block] = []
    if run.simulated:
        blocks.append(
            Paragraph(
                "SIMULATED DATA: every number in this report comes from the demo workspace, "
                "generated by FactorDesk from a fixed seed; these are not market returns.",
                "banner",
            )
        )
    if len(results.funds) > 1:
        blocks.append(_peer_block(results, rank_by))
    if results.skipped:
        listed = "; ".join(f"{fund}: {reason}" for fund, reason in results.skipped.items())
        blocks.append(Paragraph(f"Not regressed, so not in this report: {listed}", "note"))
    blocks.append(
        Table(
            "Run",
            pd.DataFrame(run.rows(), columns=["what", "value"]),
            (Column("what", "", "text"), Column("value", "", "text")),
        )
    )
    return Section("Overview", tuple(blocks), new_page=False)


def _peer_block(results: FactorRegressionResults, rank_by: str) -> Table:
    """The peer table ranked by ``rank_by``, with the other ranking's place beside it."""
    table = peer_table(results, rank_by=rank_by)
    other = next(k for k in RANKINGS if k != rank_by)
    places = peer_table(results, rank_by=other).set_index("fund")["rank"]
    table["other_rank"] = table["fund"].map(places)
    short = {"alpha_t": "t", "ir": "IR"}
    columns = (
        Column("rank", f"rank {short[rank_by]}", "int"),
        Column("other_rank", f"rank {short[other]}", "int"),
        Column("fund", "fund", "text"),
        Column("alpha", "alpha (ann.)", "pct"),
        Column("t_alpha", "t(alpha)"),
        Column("ir", "IR"),
        Column("ivol", "ivol (ann.)", "pct"),
        *(Column(f, f) for f in results.factors),
        Column("r2", "R²", "r2"),
        Column("years", "years", "years"),
    )
    note = (
        f"Ranked by {RANKINGS[rank_by]}. {IR_DEFINITION} The t-statistic grows with the length of the "
        "record and the IR does not: with unequal samples, compare by IR. Loadings are exposure you can "
        "buy cheaply from factor funds; skill is in alpha."
    )
    return Table("Peer comparison", table, columns, note)


def _fund_section(
    report: FundReport, fund: str, run: RunBlock, drift: StyleDrift | None, holdings: tuple[Block, ...]
) -> Section:
    """One fund's pages."""
    results = report.results
    profile = fund_profile(report, fund, drift=drift, simulated=run.simulated)
    span = results.span.loc[fund]
    subtitle = (
        f"{model_label(results.model)} · {results.freq} · {span['start'].date()} to {span['end'].date()} · "
        f"{formats.integer(results.nobs[fund])} observations"
    )
    blocks: list[Block] = [
        Bullets(tuple(profile.body)),
        _summary_table(results, fund),
        _loadings_table(results, fund),
        *_figures(report, fund, drift),
    ]
    splits = report.splits
    if not splits.empty and (splits["fund"] == fund).any():
        blocks.append(_splits_table(splits[splits["fund"] == fund], results))
    if profile.caveats:
        blocks.append(Bullets(tuple(profile.caveats), "caveat"))
    blocks += [*holdings, Paragraph(run.line, "run")]
    return Section(fund, tuple(blocks), subtitle)


def _summary_table(results: FactorRegressionResults, fund: str) -> Table:
    lower, upper = (frame.at[fund, "const"] * results.periods_per_year for frame in results.conf_int())
    row = {
        "alpha": results.alpha[fund],
        "t": results.tvalues.at[fund, "const"],
        "lower": lower,
        "upper": upper,
        "r2": results.rsquared[fund],
        "adj_r2": results.rsquared_adj[fund],
        "ivol": results.ivol[fund],
        "ir": information_ratio(results)[fund],
        "n": results.nobs[fund],
        "years": results.years[fund],
    }
    columns = (
        Column("alpha", "alpha (ann.)", "pct"),
        Column("t", "t(alpha)"),
        Column("lower", "95% low", "pct"),
        Column("upper", "95% high", "pct"),
        Column("r2", "R²", "r2"),
        Column("adj_r2", "adj. R²", "r2"),
        Column("ivol", "ivol (ann.)", "pct"),
        Column("ir", "IR"),
        Column("n", "observations", "int"),
        Column("years", "years", "years"),
    )
    return Table("Summary", pd.DataFrame([row]), columns)


def _loadings_table(results: FactorRegressionResults, fund: str) -> Table:
    """Loadings with t and 95% interval, beside each factor's return contribution and variance share."""
    factors = results.factors
    lower, upper = (frame.loc[fund] for frame in results.conf_int())
    contribution = results.attribution(fund).mean() * results.periods_per_year
    risk = results.risk_decomposition
    shares = risk[(risk["fund"] == fund) & (risk["part"] == "share")].iloc[0]
    frame = pd.DataFrame(
        {
            "term": factors,
            "loading": results.params.loc[fund, factors].to_numpy(),  # type: ignore[index]  # pandas-stubs: no .loc[label, [labels]]
            "t": results.tvalues.loc[fund, factors].to_numpy(),  # type: ignore[index]  # pandas-stubs: no .loc[label, [labels]]
            "lower": lower[factors].to_numpy(),
            "upper": upper[factors].to_numpy(),
            "contribution": contribution[factors].to_numpy(),
            "share": shares[factors].to_numpy(dtype=float),
        }
    )
    extra = pd.DataFrame(
        [
            {"term": "alpha", "contribution": contribution["alpha"]},
            {"term": "residual", "share": shares["residual"]},
            {
                "term": "total (excess return)",
                "contribution": contribution["total"],
                "share": float(shares[[*factors, "residual"]].sum()),
            },
        ]
    )
    columns = (
        Column("term", "factor", "text"),
        Column("loading", "loading"),
        Column("t", "t"),
        Column("lower", "95% low"),
        Column("upper", "95% high"),
        Column("contribution", "return contribution (ann.)", "pct"),
        Column("share", "variance share", "pct1"),
    )
    note = (
        "Return contribution: loading × the factor's average return, annualized; with alpha they add up to "
        "the average excess return (the residual averages zero). Variance share: loading × covariance with "
        "the fitted return, over the fund's variance; with the residual they add up to 100%."
    )
    return Table("Loadings, return attribution and risk", pd.concat([frame, extra], ignore_index=True), columns, note)


def _figures(report: FundReport, fund: str, drift: StyleDrift | None) -> list[Figure]:
    results = report.results
    factors = results.factors
    lower, upper = (frame.loc[fund, factors] for frame in results.conf_int())  # type: ignore[index]  # pandas-stubs: no .loc[label, [labels]]
    bars = pd.DataFrame(
        {
            "label": factors,
            "value": results.params.loc[fund, factors].to_numpy(),  # type: ignore[index]  # pandas-stubs: no .loc[label, [labels]]
            "lower": lower.to_numpy(),
            "upper": upper.to_numpy(),
        }
    )
    used = results.resid[fund].notna()
    paths = (
        pd.DataFrame(
            {
                "abnormal (alpha + residual)": results.cumulative_abnormal[fund],
                "fund excess return": results.y[fund].where(used).cumsum(),
            }
        )[used]
        * 100
    )
    parts = results.attribution(fund)
    attribution = parts[factors].assign(**{"alpha + residual": parts["alpha"] + parts["residual"]}).cumsum() * 100
    rolling = _rolling_figure(report, fund, drift)
    return [
        Figure("Loadings with 95% intervals", "bars", bars, "loading", width="half"),
        Figure("Cumulative abnormal return", "lines", paths, "% (sum of returns)", width="half"),
        *([rolling] if rolling is not None else []),
        Figure(
            "Cumulative return attribution",
            "lines",
            attribution,
            "% (sum of returns)",
            caption="Each factor's loading × its return, summed over time; with alpha + residual they add up to "
            "the fund's cumulative excess return.",
        ),
    ]


def _rolling_figure(report: FundReport, fund: str, drift: StyleDrift | None) -> Figure | None:
    """Rolling loadings with the split dates and style shifts marked; None when none were asked for."""
    if report.window is None:
        return None
    splits = report.splits
    split_marks = (
        ()
        if splits.empty
        else tuple(pd.Timestamp(d) for d in splits.loc[splits["fund"] == fund, "window_end"].iloc[:-1])
    )
    shift_marks = tuple(drift.shift_dates) if drift is not None else ()
    marked = [
        what
        for what, dates in (("split dates", split_marks), ("holdings dates with a style shift", shift_marks))
        if dates
    ]
    return Figure(
        f"Rolling loadings ({report.window}-{period_word(report.results.freq)} window)",
        "lines",
        report.rolling_for(fund).dropna(how="all"),
        "loading",
        marks=split_marks + shift_marks,
        caption=f"Dashed lines: {' and '.join(marked)}." if marked else "",
    )


def _splits_table(splits: pd.DataFrame, results: FactorRegressionResults) -> Table:
    """The loadings fitted before and after each split date, alpha annualized; short windows noted."""
    frame = splits.reset_index(drop=True).assign(alpha=lambda f: f["const"] * results.periods_per_year)
    columns = (
        Column("window_start", "from", "date"),
        Column("window_end", "to", "date"),
        Column("alpha", "alpha (ann.)", "pct"),
        *(Column(f, f) for f in results.factors),
        Column("r2", "R²", "r2"),
        Column("n_obs", "obs.", "int"),
    )
    k = len(results.factors) + 1
    short = frame["n_obs"] - k < MIN_WINDOW_DF
    note = (
        f"Windows with fewer than {MIN_WINDOW_DF + k} observations fit noise; their loadings are not comparable."
        if short.any()
        else ""
    )
    return Table("Split windows", frame, columns, note)


def _holdings_blocks(exposures: ExposureResults, drift: StyleDrift | None) -> tuple[Block, ...]:
    """The holdings part: drift sentences, the bottom-up exposures with shift marks, the tables."""
    factors = list(exposures.factors)
    marks = tuple(drift.shift_dates) if drift is not None else ()
    blocks: list[Block] = []
    if drift is not None:
        blocks.append(Bullets(tuple(s.text for s in drift_sentences(drift))))
    blocks.append(
        Figure(
            "Bottom-up exposures (holdings × stock betas)",
            "lines",
            exposures.exposures[factors],
            "loading",
            marks=marks,
            caption=f"Dashed lines: holdings dates where an exposure moved by more than {formats.num(drift.threshold)}."
            if drift is not None and marks
            else "",
        )
    )
    if drift is None:
        return tuple(blocks)
    if not drift.shifts.empty:
        blocks.append(
            Table(
                "Style shifts between holdings dates",
                drift.shifts,
                (
                    Column("holdings_date", "holdings date", "date"),
                    Column("effective_date", "first return", "date"),
                    Column("factor", "factor", "text"),
                    Column("before", "before"),
                    Column("after", "after"),
                    Column("change", "change", "signed"),
                ),
                note=f"Bottom-up exposure on the last return date before and the first after; |change| > "
                f"{formats.num(drift.threshold)}.",
            )
        )
    interval = (
        Column("bottom_up", "bottom-up"),
        Column("top_down", "top-down"),
        Column("lower", "95% low"),
        Column("upper", "95% high"),
    )
    if not drift.full_sample.empty:
        full = drift.full_sample.assign(verdict=np.where(drift.full_sample["disagree"], "outside", "within"))
        blocks.append(
            Table(
                "Full sample: bottom-up average vs top-down loading",
                full,
                (
                    Column("factor", "factor", "text"),
                    *interval,
                    Column("verdict", "bottom-up vs interval", "text"),
                ),
            )
        )
    if not drift.disagreements.empty:
        worst = drift.disagreements.assign(gap=lambda f: (f["bottom_up"] - f["top_down"]).abs())
        worst = worst.sort_values("gap", ascending=False).head(12).sort_values(["window_start", "factor"])
        blocks.append(
            Table(
                "Holdings windows where bottom-up falls outside the top-down 95% interval",
                worst,
                (
                    Column("window_start", "from", "date"),
                    Column("window_end", "to", "date"),
                    Column("factor", "factor", "text"),
                    *interval,
                    Column("n_obs", "obs.", "int"),
                ),
                note=f"{len(drift.disagreements)} of {len(drift.windows.dropna(subset=['top_down']))} comparisons; "
                "the 12 largest gaps shown.",
            )
        )
    if drift.notes:
        blocks.append(Paragraph(" ".join(drift.notes), "note"))
    return tuple(blocks)
