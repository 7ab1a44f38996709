"""What every analysis request shares: checking what the user typed, and the record of a run.

A request (``RegressionRequest``, ``ExposuresRequest``, ``CrossSectionRequest``) is a frozen
dataclass validated once, when it is made: a date that does not parse, a negative lag or an
unknown fund is refused there, with an :class:`~analytics.errors.InputError` whose ``option``
is the request field's name. The command line words that field as its flag and the GUI as its
control's label, so no message names a flag. The result keeps its request (like linearmodels'
results keep ``cov_type`` and ``cov_config``), and :func:`run_record` turns it into what an
export writes beside its tables: the app and version, when, each input file with its
SHA-256, the options, and every note (SIMULATED for demo data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.about import APP_NAME, APP_VERSION
from analytics.data.dataset import Dataset
from analytics.errors import InputError

__all__ = ["SIMULATED", "check_at_least", "date_option", "dates_option", "run_record"]

#: The note every run on demo data carries first.
SIMULATED = "SIMULATED demo data."
_HASH_CHUNK = 4 * 1024**2


def date_option(value: object, option: str) -> pd.Timestamp | None:
    """A date the user typed (``2015-01-31``, ``31/01/2015``...), or None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    stamp: pd.Timestamp | None = None
    if isinstance(value, str | date | np.datetime64 | int | float):  # what pd.Timestamp reads
        try:
            stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
        except (ValueError, TypeError):
            stamp = None
    if stamp is None or pd.isna(stamp):
        raise InputError(f"{value!r} is not a date; write it as YYYY-MM-DD.", option=option)
    return stamp.normalize()


def dates_option(values: Iterable[object] | str | None, option: str) -> tuple[pd.Timestamp, ...]:
    """Several dates (a comma list as typed, or a sequence), sorted, each checked."""
    if values is None:
        return ()
    items = values.split(",") if isinstance(values, str) else list(values)
    stamps = (date_option(v, option) for v in items)
    return tuple(sorted({s for s in stamps if s is not None}))


def check_at_least(value: int | None, minimum: int, option: str, what: str) -> None:
    """Refuse a number below ``minimum`` (None, meaning "the default", passes)."""
    if value is not None and value < minimum:
        raise InputError(f"{what} must be at least {minimum}, not {value}.", option=option)


def run_record(
    request: Any, notes: Iterable[str], *, analysis: str, used: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """How a result was made, for an export's ``run`` sheet or ``.run.json``: app, version and
    time, each input (name, kind, file, SHA-256, reader and its options), the request's options,
    what was ``used`` where an option left it to the data (the model chosen, the annualization,
    the standard errors), and every note, SIMULATED first for demo data."""
    inputs = [_input(d) for d in _datasets(request)]
    simulated = any(d.simulated for d in _datasets(request))
    options = {f.name: _plain(getattr(request, f.name)) for f in fields(request) if not _is_data(f.name, request)}
    return {
        "app": APP_NAME,
        "version": APP_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "analysis": analysis,
        "simulated": simulated,
        "inputs": inputs,
        "options": options,
        "used": {k: _plain(v) for k, v in (used or {}).items()},
        "notes": list(dict.fromkeys([*([SIMULATED] if simulated else []), *notes])),
    }


def _datasets(request: Any) -> list[Dataset]:
    out: list[Dataset] = []
    for f in fields(request):
        value = getattr(request, f.name)
        out += [v for v in (value if isinstance(value, tuple) else (value,)) if isinstance(v, Dataset)]
    return out


def _is_data(name: str, request: Any) -> bool:
    value = getattr(request, name)
    items = value if isinstance(value, tuple) else (value,)
    return bool(items) and all(isinstance(v, Dataset) for v in items)


def _input(dataset: Dataset) -> dict[str, Any]:
    record: dict[str, Any] = {"name": dataset.name, "kind": dataset.kind, "simulated": dataset.simulated}
    if dataset.path:
        record |= {"path": dataset.path, "sha256": _sha256(Path(dataset.path)), "reader": dataset.reader}
        record["options"] = {k: _plain(v) for k, v in dataset.options.items()}
    return record


def _sha256(path: Path) -> str | None:
    """The file's SHA-256 (of a folder: of its files' names and contents, in name order);
    None when it can no longer be read (moved, or a network drive gone)."""
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if path.is_dir():
                digest.update(str(file.relative_to(path)).encode())
            with file.open("rb") as handle:
                while chunk := handle.read(_HASH_CHUNK):
                    digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _plain(value: object) -> object:
    """A request value as JSON can hold it (dates as ISO text, tuples as lists)."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Dataset):
        return value.name
    return value
