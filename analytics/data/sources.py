"""Factor sources behind one interface.

A source is keyed as the command line writes it: ``kenfrench`` (the Ken French library, with
an optional set: ``kenfrench:ff6``, ``kenfrench:ff5:developed``) or a file path, read by
whichever reader recognises it (the library's CSV or zip, a q-factor file, an AQR workbook,
a plain table). Every source gives :class:`~analytics.data.returns.ReturnsData` whose factor
columns carry canonical names, so sources combine by joining on date
(:func:`analytics.data.factor_join.join_factors`).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from analytics.data.dataset import Dataset
from analytics.data.returns import ReadOptions, ReturnsData
from analytics.factors import MODELS, is_named_model, model_factors, model_spec
from analytics.jobs import Job, Progress

__all__ = ["KENFRENCH", "factor_source_job", "kenfrench_set", "with_model_columns"]

#: ``--factors kenfrench[:MODEL[:REGION]]`` downloads the factors from the Ken French library.
KENFRENCH = "kenfrench"


def factor_source_job(
    spec: str,
    *,
    freq: str,
    model: str | None = None,
    offline: bool = False,
    options: ReadOptions | None = None,
) -> Job[Dataset]:
    """The source ``spec`` as a data set: the Ken French library's set (``freq`` is the returns'
    frequency; ``model`` picks the set when the key does not), or a file any reader reads."""
    from analytics.data.famafrench import famafrench_dataset_job
    from analytics.data.readers import read_dataset

    kind, _, key = spec.partition(":")
    yield Progress(0.0, f"factors: {spec}")
    if kind.lower() == KENFRENCH and not Path(spec).exists():
        return (yield from famafrench_dataset_job(kenfrench_set(key, model), freq, offline=offline))
    return read_dataset(spec, "returns", **asdict(options or ReadOptions()))


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
