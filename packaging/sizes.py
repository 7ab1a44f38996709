"""Size of the one-folder build by part, and the size budget ``./dev dist`` enforces.

``python packaging/sizes.py dist/FactorDesk --budget 300`` prints the total and the ten largest
parts, and exits 1 when the folder is over budget, so a build that grows past it fails where it
is made (``packaging/build.sh``, locally and in CI) instead of warning.

A part is what one installs or excludes as a unit: a Python package with its ``.libs`` folder
of bundled libraries (``scipy`` + ``scipy.libs``) and its ``dist-info``, a system library that
PyInstaller copied beside them, or Python itself. Sizes are bytes in files (MB = 2**20 bytes),
symbolic links not followed, so the figure is the same on every file system.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

__all__ = ["folder_mb", "main", "part_sizes"]

MB = 1024**2
#: Files of the interpreter itself, grouped as one part.
PYTHON_PARTS = ("base_library.zip", "python3", "libpython3")


def part_of(relative: Path) -> str:
    """The part a file belongs to, from its path inside the build's library folder."""
    top = relative.parts[0]
    if len(relative.parts) == 1 and top.startswith(PYTHON_PARTS) or top.startswith("python3"):
        return "Python"
    if len(relative.parts) == 1:
        return "system libraries" if ".so" in top or top.endswith((".dll", ".dylib")) else "other files"
    name = re.sub(r"(\.libs|\.dylibs|-[\w.+]+\.dist-info)$", "", top)
    return name.removesuffix("_binary")


def _library_folder(build: Path) -> Path:
    """Where PyInstaller put the libraries: ``_internal`` (folder) or ``Contents/Frameworks`` (.app)."""
    for candidate in (build / "_internal", build / "Contents" / "Frameworks"):
        if candidate.is_dir():
            return candidate
    return build


def part_sizes(build: Path) -> Counter[str]:
    """Bytes per part of the build folder ``build``; the executable and launcher count as ``FactorDesk``."""
    library = _library_folder(build)
    sizes: Counter[str] = Counter()
    for path in build.rglob("*"):
        if path.is_file() and not path.is_symlink():
            inside = path.is_relative_to(library) and path != library
            sizes[part_of(path.relative_to(library)) if inside else "FactorDesk"] += path.stat().st_size
    return sizes


def folder_mb(build: Path) -> float:
    """Total size of ``build`` in MB."""
    return sum(part_sizes(build).values()) / MB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path, help="the one-folder build, e.g. dist/FactorDesk")
    parser.add_argument("--budget", type=float, help="fail (exit 1) when the folder is larger than this many MB")
    parser.add_argument("--top", type=int, default=10, help="how many of the largest parts to list (default 10)")
    args = parser.parse_args(argv)
    if not args.build.is_dir():
        print(f"error: {args.build} is not a folder; build the app first (./dev dist).", file=sys.stderr)
        return 2
    sizes = part_sizes(args.build)
    total = sum(sizes.values()) / MB
    print(f"{args.build}: {total:.0f} MB" + (f" (budget {args.budget:.0f} MB)" if args.budget else ""))
    for name, size in sizes.most_common(args.top):
        print(f"  {size / MB:7.1f} MB  {name}")
    if args.budget and total > args.budget:
        print(
            f"error: {args.build} is {total - args.budget:.0f} MB over the {args.budget:.0f} MB budget; "
            "leave out what the app never uses (EXCLUDES and UNUSED_PATHS in build.spec).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
