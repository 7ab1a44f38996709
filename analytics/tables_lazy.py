"""Result tables built when first read.

A result renders as several tables (summary, coefficients, diagnostics, risk decomposition,
abnormal-return paths...), and for 2,000 daily funds the ones a CSV export never writes took
seven seconds to build (the risk decomposition alone four). :class:`LazyTables` is the
``tables()`` mapping whose values are built on first access and kept: writing or printing the
main table builds that one only, and an Excel export, which reads them all, builds them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pandas as pd

__all__ = ["LazyTables"]


class LazyTables(Mapping[str, pd.DataFrame]):
    """Tables by name, each built by its function the first time it is read."""

    def __init__(self, builders: Mapping[str, Callable[[], pd.DataFrame]]) -> None:
        self._builders = dict(builders)
        self._built: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._built:
            self._built[name] = self._builders[name]()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def adding(self, builders: Mapping[str, Callable[[], pd.DataFrame]]) -> LazyTables:
        """These tables and more (a report's tables are its regressions' plus its own)."""
        return LazyTables({**self._builders, **builders})

    def __repr__(self) -> str:
        return f"LazyTables({', '.join(self._builders)}; built: {', '.join(self._built) or 'none'})"
