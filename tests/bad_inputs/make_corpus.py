"""Build the binary part of the bad-input corpus (issue 7) into a folder, at test time.

The text cases sit beside this script as plain files; binary ones (UTF-16, junk bytes,
pickles, a 2 GB sparse file, corrupt Excel and Parquet, an unreadable file, a folder) are
made here so that no binary is committed. ``python tests/bad_inputs/make_corpus.py DIR``
writes them for a look by hand.
"""

from __future__ import annotations

import io
import os
import pathlib
import pickle
import random
import subprocess
import sys
import zipfile
from pathlib import Path

__all__ = ["TEXT_DIR", "build_binary_cases", "malicious_pickle", "text_cases"]

TEXT_DIR = Path(__file__).resolve().parent


def text_cases() -> dict[str, Path]:
    """The committed text files of the corpus, by file name."""
    return {p.name: p for p in sorted(TEXT_DIR.glob("*.csv"))}


class _Payload:
    """Unpickling this touches ``marker``: proof that a loader ran code from a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (pathlib.Path(self.marker),)


def malicious_pickle(marker: Path) -> bytes:
    """Pickle bytes whose loading creates ``marker`` (protocol 4, as pandas writes)."""
    return pickle.dumps(_Payload(marker), protocol=4)


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip archive of ``members`` (name -> bytes), as bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def build_binary_cases(dest: Path, marker: Path) -> dict[str, Path]:
    """Write the binary cases into ``dest``; returns them by name (some paths do not exist)."""
    dest.mkdir(parents=True, exist_ok=True)
    good = (TEXT_DIR / "good.csv").read_text()
    rng = random.Random(7)
    files: dict[str, bytes] = {
        "empty.csv": b"",
        "binary_junk.csv": bytes(rng.getrandbits(8) for _ in range(4096)),
        "utf16.csv": good.encode("utf-16"),
        "utf16le_no_bom.csv": good.encode("utf-16-le"),
        "pickle_renamed.csv": malicious_pickle(marker),
        "pickle.pkl": malicious_pickle(marker),
        "corrupt.xlsx": b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(2048)),
        "corrupt.parquet": b"PAR1" + bytes(rng.getrandbits(8) for _ in range(2048)),
        "old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
        "text_then_nuls.csv": good.encode() + bytes(300_000),
        "no_csv_inside.zip": _zip({"readme.txt": b"no table here", "data.xls": b"\xd0\xcf\x11\xe0"}),
    }
    out = {}
    for name, data in files.items():
        (dest / name).write_bytes(data)
        out[name] = dest / name
    sparse = dest / "sparse_2gb.csv"
    subprocess.run(["truncate", "-s", "2G", str(sparse)], check=True)
    huge = dest / "sparse_3gb.csv"
    subprocess.run(["truncate", "-s", "3G", str(huge)], check=True)
    folder = dest / "a_folder.csv"
    folder.mkdir(exist_ok=True)
    out.update(
        {
            "sparse_2gb.csv": sparse,
            "sparse_3gb.csv": huge,
            "a_folder.csv": folder,
            "does_not_exist.csv": dest / "does_not_exist.csv",
        }
    )
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs_binary")
    made = build_binary_cases(target, target / "PWNED")
    print("\n".join(f"{name}: {os.fspath(path)}" for name, path in made.items()))
