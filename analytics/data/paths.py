"""Where FactorDesk keeps its own files, and how it writes them.

Directories come from platformdirs (the user's cache, data and log folders). Setting
``FACTORDESK_HOME`` puts all three under one folder: tests and portable installs use it.
Every file we write goes through :func:`atomic_write`, so a crash or a full disk never leaves
a half-written file in place of a good one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from analytics.errors import InputError

__all__ = ["cache_dir", "data_dir", "log_dir", "atomic_write"]

APP = "FactorDesk"


def _base(kind: str) -> Path:
    home = os.environ.get("FACTORDESK_HOME")
    if home:
        path = Path(home) / kind
    else:
        import platformdirs

        path = Path(getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Downloads that can be fetched again (Ken French files)."""
    return _base("cache")


def data_dir() -> Path:
    """The local store of pulled data (WRDS pulls)."""
    return _base("data")


def log_dir() -> Path:
    """Crash reports and the application log."""
    return _base("log")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on one file system, so readers see the old file or the new one,
    never a mix. On any failure the temporary file is removed and the old file is untouched;
    ``OSError`` becomes an :class:`InputError` naming the folder.
    """
    target = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except FileNotFoundError:
        raise InputError(f"{target.parent}: folder does not exist; choose an existing folder.") from None
    except OSError as exc:
        raise InputError(f"{target}: cannot write there ({exc.strerror}); choose another folder.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{target}: write failed ({exc.strerror}); the previous file is unchanged.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
