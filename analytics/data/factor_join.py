"""Several factor sources joined on date.

Joining: the same factor in two sources is fine when they agree (the Ken French 3-factor and
5-factor files share ``Mkt-RF`` and ``RF``), and an error naming both sources and the factor
when they do not (the q-factor ``R_MKT`` is not the library's ``Mkt-RF``). Files round
differently (the library prints percent to two decimals, the q-factor files to four), so two
values agree when they differ by at most :data:`TOLERANCE` (5e-5, half the library's last
printed digit of 0.01%); the note gives the largest difference seen.

Apart from :mod:`analytics.data.sources` (which reads the sources) so that readers of folders
of series can join what they read without importing the sources that use the readers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.data.returns import ReturnsData
from analytics.errors import InputError
from analytics.factors import RF

__all__ = ["TOLERANCE", "join_factors"]

#: Largest difference (decimal returns) between two sources' values of one factor that is
#: still rounding: half of 0.01%, the last digit the Ken French library prints.
TOLERANCE = 5e-5


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


def _agreement(a: pd.Series[float], b: pd.Series[float], column: str, source_a: str, source_b: str) -> str:
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
