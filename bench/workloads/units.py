"""``units_scale``: percent or decimals for 2,000 daily funds × 6,300 days (the funds_ols data).

The plain way is the same rule written with pandas: each column's median absolute return
(``DataFrame.median``, NaN skipped), the median of those, and the cells out of line with their
column's typical size. Both must find decimals from the same typical size.
"""

from __future__ import annotations

import pandas as pd

from analytics.data.units import units_scale
from bench.harness import Workload
from bench.workloads.regression import funds_data

_ORDERS = 1000.0  # analytics.data.units: a cell this many times the typical size is out of line


def _plain(funds: pd.DataFrame) -> tuple[float, int]:
    """The typical column's median |return| and the number of cells out of line, with pandas."""
    size = funds.abs()
    typical = float(size.median().median())
    per_column = size.where(size > 0).median()
    out = (size.gt(1.0) & size.div(per_column, axis=1).ge(_ORDERS)).to_numpy().sum()
    return typical, int(out)


def units_scale_workload(quick: bool) -> Workload:
    funds, _ = funds_data(*((200, 1000) if quick else (2000, 6300)))

    def ours() -> tuple[float, str | None]:
        return units_scale(funds, "auto", "daily", what="fund returns", source="bench")

    def check(res: tuple[float, str | None], base: tuple[float, int]) -> None:
        scale, note = res
        typical, out = base
        assert scale == 1.0 and out == 0
        assert note is not None and f"median |return| {typical:.3g}" in note, (note, typical)

    return Workload(ours, lambda: _plain(funds), check, description="pandas medians and out-of-line cells")


WORKLOADS = {"units_scale": units_scale_workload}
