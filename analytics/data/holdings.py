"""Fund holdings in one canonical frame: ``date, id, weight, kind``.

Users hold positions in many shapes: a long table of weights, positions in shares (with a
price) or market value, one Excel sheet per date, one file per date with the date in the
file name, or the exports fund companies and brokers publish (ARK, iShares, SPDR, Invesco,
Vanguard, a custodian's positions). Every file is read as sheets of cells
(:mod:`~analytics.data.holdings_sheets`) whose positions one set of rules finds
(:mod:`~analytics.data.holdings_positions`); here they become one frame, sorted by date and
then weight (largest first). ``kind`` is ``security`` or ``cash``: cash keeps its weight
but has no stock beta. Two lines of one id on one date are summed; weights that do not add
up to one (cash held elsewhere, leverage, rounding) are reported and kept unless the user
asks to rescale them. What was assumed is said in notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.data.file_notes import merge_file_notes
from analytics.data.holdings_positions import SheetPositions, clip, sheet_positions
from analytics.data.holdings_sheets import read_sheets
from analytics.errors import InputError

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["COLUMNS", "KINDS", "Holdings", "holdings_dataset", "holdings_paths", "load_holdings", "with_kind"]

COLUMNS = ("date", "id", "weight", "kind")
KINDS = ("security", "cash")
# Per-date weight sums this far from 1 are reported (cash held elsewhere, leverage, rounding).
_SUM_TOLERANCE = 0.005


@dataclass(frozen=True)
class Holdings:
    """The canonical frame (``date, id, weight, kind``) and what was assumed while reading."""

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> pd.DataFrame:
        """Per date: positions, the weights' sum and the cash weight (what a user checks first)."""
        cash = self.frame["weight"].where(self.frame["kind"] == "cash", 0.0)
        grouped = self.frame.assign(cash=cash).groupby("date")
        return pd.DataFrame(
            {"positions": grouped.size(), "weight_sum": grouped["weight"].sum(), "cash_weight": grouped["cash"].sum()}
        )


def holdings_paths(path: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files named, folders replaced by their visible files (sorted by name)."""
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    if not paths:
        raise InputError("no holdings file given; choose at least one CSV or Excel file.")
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            inside = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
            if not inside:
                raise InputError(f"{p}: the folder holds no files; choose a folder of holdings files.")
            files += inside
        else:
            files.append(p)
    return files


def load_holdings(
    path: str | Path | Sequence[str | Path],
    *,
    id_col: str | None = None,
    rescale: bool = False,
    sheet: str | int | None = None,
    date: str | None = None,
    weight_col: str | None = None,
) -> Holdings:
    """Read holdings files or folders of them (every sheet of a workbook unless ``sheet`` is
    given); ``date`` dates the files that carry no date of their own; ``weight_col`` names the
    column weights come from when the usual names do not find it (a weight, market value or
    shares column, as its name says; weights when it says none)."""
    parts: list[pd.DataFrame] = []
    notes: list[str] = []
    for file in holdings_paths(path):
        for positions in _file_positions(file, id_col, sheet, date, notes, weight_col):
            parts.append(positions.frame)
            notes += positions.notes
    frame = pd.concat(parts, ignore_index=True)
    given = [path] if isinstance(path, (str, Path)) else list(path)
    folder = Path(given[0]).name if len(given) == 1 and Path(given[0]).is_dir() else None
    return _finish(frame, merge_file_notes(notes, folder), rescale)


def holdings_dataset(path: str | Path | Sequence[str | Path], **options: Any) -> Dataset:
    """:func:`load_holdings` as a workspace :class:`~analytics.data.dataset.Dataset` (kind ``holdings``)."""
    from analytics.data.dataset import Dataset, describe_frame

    files = holdings_paths(path)
    held = load_holdings(files, **options)
    name = files[0].name if len(files) == 1 else f"{files[0].name} + {len(files) - 1} files"
    if isinstance(path, str | Path) and Path(path).is_dir():
        name = Path(path).name
    where = str(path) if isinstance(path, str | Path) else str(files[0])
    return Dataset(name, "holdings", held.frame, describe_frame(held.frame, "holdings"), where, held.notes)


def with_kind(frame: pd.DataFrame) -> pd.DataFrame:
    """A holdings frame with its ``kind`` column (frames built in memory may lack it: all securities)."""
    return frame if "kind" in frame.columns else frame.assign(kind="security")


def _file_positions(
    file: Path,
    id_col: str | None,
    sheet: str | int | None,
    date: str | None,
    notes: list[str],
    weight_col: str | None = None,
) -> list[SheetPositions]:
    """One file's sheets' positions; in a workbook of several sheets, sheets without a holdings
    table (a notes sheet) are skipped with a note."""
    sheets = read_sheets(file, sheet=sheet)
    found, errors = [], []
    for one in sheets:
        try:
            found.append(sheet_positions(one, id_col=id_col, date=date, weight_col=weight_col))
        except InputError as exc:
            if len(sheets) == 1 or "no id column" not in str(exc) and "no weight" not in str(exc):
                raise
            errors.append(exc)
    if not found:
        raise errors[0]
    if errors:
        notes.append(f"{file.name}: {len(errors)} sheet(s) without a holdings table skipped.")
    return found


def _finish(frame: pd.DataFrame, notes: list[str], rescale: bool) -> Holdings:
    """Sum repeated lines, sort, and report (or rescale) weight sums that are not one."""
    repeated = frame.duplicated(["date", "id", "kind"], keep=False)
    if repeated.any():
        shown = ", ".join(
            f"{clip(i, 20)} on {d.date()}"
            for d, i in frame.loc[repeated, ["date", "id"]].drop_duplicates().head(5).itertuples(index=False)
        )
        count = frame.loc[repeated, ["date", "id"]].drop_duplicates().shape[0]
        notes.append(
            f"{count} id(s) appear on several lines of one date; their weights were summed: {shown}"
            f"{' and more' if count > 5 else ''}."
        )
        # as_index=False: a frame, where pandas-stubs says a Series
        frame = frame.groupby(["date", "id", "kind"], as_index=False, sort=False)["weight"].sum()  # type: ignore[assignment]
    frame = frame.sort_values(["date", "weight", "id"], ascending=[True, False, True], kind="stable")
    frame = frame.reset_index(drop=True)[list(COLUMNS)]
    sums = frame.groupby("date")["weight"].sum()
    off = sums[(sums - 1).abs() > _SUM_TOLERANCE]
    if len(off):
        shown = ", ".join(f"{d.date()} ({s:.3f})" for d, s in zip(pd.DatetimeIndex(off.index[:3]), off.head(3)))
        more = f" and {len(off) - 3} more" if len(off) > 3 else ""
        if rescale:
            frame["weight"] /= frame["date"].map(sums).to_numpy()
            notes.append(f"weights rescaled to sum to 1 on {len(off)} date(s): {shown}{more}.")
        else:
            notes.append(
                f"weights do not sum to 1 on {len(off)} date(s): {shown}{more} (cash or leverage); "
                "kept as given (rescale to make them sum to 1)."
            )
    return Holdings(frame, tuple(dict.fromkeys(notes)))
