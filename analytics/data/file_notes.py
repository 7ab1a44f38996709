"""Notes of a folder of files, said once per kind instead of once per file.

A folder of 74 price histories or of 100 holdings exports would otherwise print 74 copies of
"prices converted to returns"; a note that differs from others only in its file name is
said once, under the folder's name with the number of files and the first few names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

__all__ = ["merge_file_notes"]

#: ``<file name with an extension>: <text>``: the notes readers write about one file.
_FILE_NOTE = re.compile(r"^(?P<name>[^:]+\.\w+): (?P<text>.*)$")


def merge_file_notes(notes: Iterable[str], folder: str | None = None) -> list[str]:
    """``notes`` (repeats dropped, order kept) with those differing only in their file name
    merged: ``arkk_2020, 5 files (a.csv, b.csv, c.csv, ...): weights read as percent``."""
    groups: dict[str, list[str]] = defaultdict(list)
    for note in dict.fromkeys(notes):
        found = _FILE_NOTE.match(note)
        groups[found["text"] if found else note].append(found["name"] if found else "")
    merged = []
    for text, names in groups.items():
        if len(names) == 1:
            merged.append(f"{names[0]}: {text}" if names[0] else text)
            continue
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        where = f"{folder}, {len(names)} files" if folder else f"{len(names)} files"
        merged.append(f"{where} ({shown}): {text}")
    return merged
