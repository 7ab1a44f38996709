"""Where FactorDesk keeps its own files, and how it writes them.

Directories come from platformdirs (the user's cache, data and log folders). Setting
``FACTORDESK_HOME`` puts all three under one folder: tests and portable installs use it.
Every file we write goes through :func:`atomic_write`, so a crash or a full disk never leaves
a half-written file in place of a good one, and a replaced file keeps what made it the user's
(its permissions, owner where allowed, and the symlink pointing at it).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.errors import InputError

__all__ = ["atomic_write", "cache_dir", "data_dir", "fsync_file", "fsync_folder", "locked", "log_dir"]

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


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on one file system, so readers see the old file or the new one,
    never a mix; the file is fsynced before it and the folder after it. A file the user could
    not overwrite in place (read-only, or someone else's without write permission) is refused.
    A symlink is written through (the file it points to is replaced). A replaced file keeps its
    mode, and its owner and group where allowed; a new one gets 0666 less the umask. On any
    failure the temporary file is removed and the old file is untouched; ``OSError`` becomes an
    :class:`InputError` naming the file. Temporary files left by killed runs (see
    :func:`temp_name`) are removed the next time the same target is written.
    """
    shown = Path(path)
    target = Path(os.path.realpath(shown))
    before = _replaceable(shown, target)
    remove_leftovers(target)
    try:
        tmp = _TempFile(target)
    except FileNotFoundError:
        raise InputError(f"{shown.parent}: folder does not exist; choose an existing folder.") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot write there ({exc.strerror}); choose another folder.") from None
    try:
        write(tmp.path)
        if before is not None:
            _keep_permissions(tmp.path, before)
        tmp.sync()
        if sys.platform == "win32":
            tmp.close()  # Windows cannot rename an open file; POSIX keeps the lock until it is in place
        os.replace(tmp.path, target)
        fsync_folder(target.parent)
    except OSError as exc:
        tmp.path.unlink(missing_ok=True)
        raise InputError(f"{shown}: write failed ({exc.strerror}); the previous file is unchanged.") from None
    except BaseException:
        tmp.path.unlink(missing_ok=True)
        raise
    finally:
        tmp.close()
    return shown


#: ``.<target name>.<8 characters>.tmp``: our temp files; the old ``tempfile.mkstemp`` names had
#: the same shape, so leftovers of older versions are recognized too.
_TEMP = r"\.{name}\.[a-z0-9_]{{8}}\.tmp"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"


def temp_name(target: Path) -> Path:
    """A fresh temporary name beside ``target`` that :func:`is_leftover` recognizes."""
    token = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return target.with_name(f".{target.name}.{token}.tmp")


def is_leftover(path: Path, target: Path) -> bool:
    """Whether ``path`` is named like a temporary file of ``target``."""
    return re.fullmatch(_TEMP.format(name=re.escape(target.name)), path.name) is not None


def remove_leftovers(target: Path) -> None:
    """Remove temporary files of ``target`` left by killed runs; a file another process still
    writes (it holds a lock on it) stays. Best effort: what cannot be removed is left."""
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    prefix = f".{target.name}."
    for name in names:
        path = target.parent / name
        if name.startswith(prefix) and is_leftover(path, target) and not _in_use(path):
            try:
                path.unlink()
            except OSError:
                pass  # in use (Windows), or not ours to remove


def fsync_file(path: Path) -> None:
    """Make a file's data durable (a handle open for writing: Windows needs one)."""
    fd = os.open(path, os.O_RDWR | _BINARY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no folder handles to sync)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replaceable(shown: Path, target: Path) -> os.stat_result | None:
    """The stat of the file to replace (None when new), after refusing what the user could not
    overwrite in place: a folder, a read-only file, a file not theirs to change."""
    try:
        info = target.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{shown}: cannot check the existing file ({exc.strerror}); choose another name.") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown}: is a folder; choose a file name.")
    if not stat.S_IMODE(info.st_mode) & 0o222:
        raise InputError(f"{shown}: the file is read-only; FactorDesk will not replace it. Choose another name.")
    if not os.access(target, os.W_OK):
        raise InputError(
            f"{shown}: you may not change this file (not yours, or not writable for you); FactorDesk will not "
            "replace it. Choose another name."
        )
    return info


class _TempFile:
    """A new empty temp file beside a target (mode 0666 less the umask, as any new file gets),
    locked while we write it so that :func:`remove_leftovers` of another run leaves it alone."""

    def __init__(self, target: Path) -> None:
        for _ in range(100):
            self.path = temp_name(target)
            try:
                self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
            except FileExistsError:
                continue
            _hold(self._fd)
            return
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))

    def sync(self) -> None:
        """fsync the data (any handle of the file flushes all of it)."""
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        """Release the handle and the lock (once)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _keep_permissions(tmp: Path, before: os.stat_result) -> None:
    """Give the new file the old one's mode, and its owner and group where we may."""
    os.chmod(tmp, stat.S_IMODE(before.st_mode))
    if sys.platform == "win32":
        return
    for uid, gid in ((before.st_uid, before.st_gid), (-1, before.st_gid)):
        try:
            os.chown(tmp, uid, gid)
            return
        except PermissionError:
            continue  # not root: keep at least the group when we belong to it


_BINARY = getattr(os, "O_BINARY", 0)


@contextmanager
def locked(path: Path, what: str, *, timeout: float = 120.0) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if needed) while the block runs.

    An OS lock (``flock``; ``msvcrt.locking`` on Windows) rather than a lock file that exists:
    the system drops it when its process dies, so a killed writer never leaves a stale lock.
    Waiting longer than ``timeout`` is an InputError naming ``what``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | _BINARY, 0o666)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise InputError(f"{what}: another program is still writing it (waited {timeout:.0f} s); try again.")
            time.sleep(0.02)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _hold(fd: int) -> None:
        """Windows: an open file cannot be deleted, which is the temp file's lock (a byte-range
        lock there would also stop the writer itself)."""

    def _in_use(path: Path) -> bool:
        return False  # unlink fails on a file another process holds open
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _hold(fd: int) -> None:
        _try_lock(fd)

    def _in_use(path: Path) -> bool:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return True  # gone, or not ours to look at: leave it
        try:
            return not _try_lock(fd)
        finally:
            os.close(fd)
