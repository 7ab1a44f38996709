"""Factor sources behind one interface, and several of them joined on date.

A source is keyed as the command line writes it: ``kenfrench`` (the Ken French library, with
an optional set: ``kenfrench:ff6``, ``kenfrench:ff5:developed``) or a file path, read by
whichever reader recognises it (the library's CSV or zip, a q-factor file, an AQR workbook,
a plain table). Every source gives :class:`~analytics.data.returns.ReturnsData` whose factor
columns carry canonical names, so sources combine by joining on date.

Joining: the same factor in two sources is fine when they agree (the Ken French 3-factor and
5-factor files share ``Mkt-RF`` and ``RF``), and an error naming both sources and the factor
when they do not (the q-factor ``R_MKT`` is not the library's ``Mkt-RF``). Files round
differently (the library prints percent to two decimals, the q-factor files to four), so two
values agree when they differ by at most :data:`TOLERANCE` (5e-5, half the library's last
printed digit of 0.01%); the note gives the largest difference seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.returns import ReadOptions, ReturnsData
from analytics.errors import InputError
from analytics.factors import MODELS, RF, is_named_model, model_factors, model_spec
from analytics.jobs import Job, Progress

__all__ = ["KENFRENCH", "TOLERANCE", "factor_sources_job", "join_factors", "kenfrench_set", "with_model_columns"]

#: ``--factors kenfrench[:MODEL[:REGION]]`` downloads the factors from the Ken French library.
KENFRENCH = "kenfrench"
#: Largest difference (decimal returns) between two sources' values of one factor that is
#: still rounding: half of 0.01%, the last digit the Ken French library prints.
TOLERANCE = 5e-5


def factor_sources_job(
    specs: Sequence[str],
    *,
    freq: str,
    model: str | None = None,
    offline: bool = False,
    options: ReadOptions | None = None,
) -> Job[ReturnsData]:
    """Every source of ``specs`` read (``freq`` is the returns' frequency, for the library) and
    joined on date; the model's custom columns are factors wherever they are found."""
    from analytics.data.famafrench import famafrench_job
    from analytics.data.readers import read_dataset

    options = options or ReadOptions()
    parts = []
    for i, spec in enumerate(specs):
        yield Progress(i / len(specs), f"factors: {spec}")
        kind, _, key = spec.partition(":")
        if kind.lower() == KENFRENCH and not Path(spec).exists():
            data = yield from famafrench_job(kenfrench_set(key, model), freq, offline=offline)
        else:
            data = read_dataset(spec, "returns", **asdict(options)).data
        parts.append(with_model_columns(data, model))
    yield Progress(1.0, "factors joined")
    return join_factors(parts)


def kenfrench_set(key: str, model: str | None) -> str:
    """The library set for ``kenfrench:KEY``: the key's own model, else the requested model
    when the library has it, else the smallest library model holding the requested factors
    (``ff6`` without a model). A key that is only a region (``kenfrench:developed``) takes
    the model the same way."""
    from analytics.data.famafrench import KENFRENCH_MODELS, REGIONS

    first, _, rest = key.partition(":")
    region = first if first.lower() in REGIONS else rest
    if first and first.lower() not in REGIONS:
        return key
    wanted = set(model_factors(model)) if model else set()
    if model and is_named_model(model) and model_spec(model) in KENFRENCH_MODELS:
        chosen = model_spec(model)
    else:
        library = {f for m in KENFRENCH_MODELS for f in MODELS[m]}
        chosen = next((m for m in KENFRENCH_MODELS if (wanted & library) <= set(MODELS[m])), "ff6") if wanted else "ff6"
    return f"{chosen}:{region}" if region else chosen


def with_model_columns(data: ReturnsData, model: str | None) -> ReturnsData:
    """``data`` with the columns a custom model names moved from its assets to its factors."""
    if model is None or is_named_model(model):
        return data
    return data.with_factors(model_factors(model))


def join_factors(parts: Sequence[ReturnsData]) -> ReturnsData:
    """The sources' factors joined on date (all dates of any source); a factor in several
    sources must agree within :data:`TOLERANCE` (see the module docstring)."""
    first = parts[0]
    for other in parts[1:]:
        if other.freq != first.freq:
            raise InputError(
                f"{first.source} is {first.freq} but {other.source} is {other.freq}; use factor files of one "
                "frequency.",
                option="factors",
            )
    joined = first.factors
    owners = {c: first.source for c in joined.columns}
    notes = list(first.notes)
    for part in parts[1:]:
        notes += part.notes
        for column in part.factors.columns:
            if column in joined.columns:
                notes.append(_agreement(joined[column], part.factors[column], column, owners[column], part.source))
        joined = joined.combine_first(part.factors) if len(joined.columns) else part.factors.copy()
        owners.update({c: part.source for c in part.factors.columns if c not in owners})
    order = [c for c in dict.fromkeys(c for p in parts for c in p.factors.columns)]
    joined = joined[order]
    source = " + ".join(p.source for p in parts)
    return ReturnsData(pd.DataFrame(index=joined.index), joined, first.freq, source, tuple(notes))


def _agreement(a: pd.Series, b: pd.Series, column: str, source_a: str, source_b: str) -> str:
    """A note that two sources' ``column`` agree, or an error naming both and the first date
    on which they do not."""
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    if both.empty:
        return f"{column} is in {source_a} and {source_b} on different dates; joined."
    gap = (both.iloc[:, 0] - both.iloc[:, 1]).abs().to_numpy()
    if gap.max() > TOLERANCE + 1e-12:
        at = int(np.flatnonzero(gap > TOLERANCE + 1e-12)[0])
        when = both.index[at]
        kind = "the risk-free rate" if column == RF else "factor"
        raise InputError(
            f"{kind} {column!r} differs between {source_a} ({both.iloc[at, 0]:.4%}) and {source_b} "
            f"({both.iloc[at, 1]:.4%}) on {when.date()}, beyond rounding ({TOLERANCE:.4%}); they are different "
            f"data: give {column} from one of the files only.",
            option="factors",
        )
    return (
        f"{column} is in both {source_a} and {source_b}: they agree on {len(both)} dates (largest difference "
        f"{gap.max():.2g}); joined."
    )
