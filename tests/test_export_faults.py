"""Exports under faults (issue 17): what an export replaces, and what it leaves behind.

A file the user could not overwrite in place (read-only, or a colleague's without write
permission) is refused in one line; a replaced file keeps its permissions; a new one follows
the umask; a symlink is written through; temp files never outlive a failure, and leftovers of
killed runs go at the next export of the same target; a full disk or temp folder is one line,
exit 2, no traceback. Permission cases run as ``nobody`` (setpriv, capabilities dropped):
the tests run as root here, which ignores permissions.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.export import export_tables
from analytics.data.paths import atomic_write
from analytics.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "bad_inputs" / "good.csv"
TABLES = {
    "summary": pd.DataFrame({"fund": ["A", "B"], "alpha": [0.01, -0.02]}),
    "detail": pd.DataFrame({"x": range(5)}),
}
NOBODY, NOGROUP = 65534, 65534


def regress_as(args: list[str], *, user: bool, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``main.py regress GOOD ARGS``, in a new process; ``user`` drops root's privileges first
    (setpriv to nobody/nogroup, every capability dropped)."""
    command = [sys.executable, str(ROOT / "main.py"), "regress", str(GOOD), *args]
    if user:
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", *command]
    with tempfile.TemporaryDirectory(prefix="fd-home-") as home:
        os.chmod(home, 0o777)
        return subprocess.run(
            command,
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env={**os.environ, "FACTORDESK_HOME": home, **(env or {})},
        )


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line of a failed run: exit 2, no traceback, no 'Exception ignored'."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("note:")]
    assert len(errors) == 1 and errors[0].startswith("error: "), proc.stderr
    return errors[0]


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder everyone can write to (a team share), reachable by ``nobody``."""
    if os.geteuid() != 0:
        pytest.skip("needs root to make files of another owner (the tests drop to nobody with setpriv)")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) not found: cannot run the export without root's privileges")
    folder = Path(tempfile.mkdtemp(prefix="fd-share-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def test_read_only_file_is_refused_without_privileges(shared_folder) -> None:
    """The user's own read-only file (0444) is not replaced: one line, exit 2, file and mode unchanged."""
    target = shared_folder / "results.csv"
    target.write_text("old\n")
    os.chown(target, NOBODY, NOGROUP)
    target.chmod(0o444)
    line = one_error_line(regress_as(["--out", str(target)], user=True))
    assert str(target) in line and "read-only" in line
    assert target.read_text() == "old\n" and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert sorted(p.name for p in shared_folder.iterdir()) == ["results.csv"]


def test_read_only_file_is_refused_for_root_too(tmp_path) -> None:
    """A file without any write bit is read-only to FactorDesk even when run as root."""
    target = tmp_path / "results.csv"
    target.write_text("old\n")
    target.chmod(0o444)
    with pytest.raises(InputError, match="read-only"):
        export_tables(TABLES, target, main="summary")
    assert target.read_text() == "old\n"


def test_colleagues_file_is_refused_without_privileges(shared_folder) -> None:
    """Someone else's file (root's, 0644) in a shared folder: refused, owner and mode unchanged."""
    target = shared_folder / "colleague.xlsx"
    target.write_bytes(b"their workbook")
    target.chmod(0o644)
    line = one_error_line(regress_as(["--out", str(target)], user=True))
    assert str(target) in line and "not yours" in line
    info = target.stat()
    assert target.read_bytes() == b"their workbook" and (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o644)
    assert sorted(p.name for p in shared_folder.iterdir()) == ["colleague.xlsx"]


def test_group_writable_file_keeps_its_mode_and_group(shared_folder) -> None:
    """A colleague's file the user may write (group nogroup, 0664) is replaced keeping mode and group."""
    target = shared_folder / "team.csv"
    target.write_text("old\n")
    os.chown(target, 0, NOGROUP)
    target.chmod(0o664)
    proc = regress_as(["--out", str(target)], user=True)
    assert proc.returncode == 0, proc.stderr
    info = target.stat()
    assert target.read_text().startswith("fund,alpha")
    assert (stat.S_IMODE(info.st_mode), info.st_gid) == (0o664, NOGROUP)


def test_replaced_file_keeps_its_permissions_and_owner(tmp_path) -> None:
    """A replaced file keeps its mode (0640, not 0600) and, where allowed, its owner and group."""
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, NOBODY, NOGROUP)
    export_tables(TABLES, target, main="summary")
    info = target.stat()
    assert target.read_text().startswith("fund,alpha") and stat.S_IMODE(info.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (NOBODY, NOGROUP)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_new_file_follows_the_umask(tmp_path, umask, mode, suffix) -> None:
    """A new export gets 0666 less the umask (it was always 0600)."""
    old = os.umask(umask)
    try:
        path = export_tables(TABLES, tmp_path / f"new{suffix}", main="summary")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_symlink_is_written_through(tmp_path) -> None:
    """Exporting to a symlink replaces the file it points to; the link stays a link."""
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "results.xlsx"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    export_tables(TABLES, link, main="summary")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert list(pd.read_excel(real, sheet_name=None)) == ["summary", "detail"]
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real_dir.iterdir()) == ["results.xlsx"]


_KILLED = """
import os, signal, sys
sys.path.insert(0, {root!r})
from analytics.data.paths import atomic_write
def write(tmp):
    tmp.write_bytes(b"half a workbook")
    print("WRITING", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
atomic_write({target!r}, write)
"""


def test_killed_export_leftovers_go_at_the_next_export(tmp_path) -> None:
    """A run killed mid-write leaves its temp file; the next export of that target removes it,
    and the leftover of an older version's run (``.name.XXXXXXXX.tmp``) too; other files stay."""
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-c", _KILLED.format(root=str(ROOT), target=str(target))],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == -signal.SIGKILL and "WRITING" in proc.stdout
    (tmp_path / ".out.xlsx.k2j4_9zq.tmp").write_bytes(b"old version's leftover")
    (tmp_path / ".other.xlsx.k2j4_9zq.tmp").write_bytes(b"another target's")
    (tmp_path / "notes.txt").write_text("user file")
    # each killed run already removed the one before it: the last one and the old version's remain
    assert target.read_bytes() == b"previous" and len(list(tmp_path.glob(".out.xlsx.*"))) == 2
    export_tables(TABLES, target, main="summary")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.xlsx.k2j4_9zq.tmp", "notes.txt", "out.xlsx"]


_SLOW_WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from analytics.data.paths import atomic_write
def write(tmp):
    tmp.write_text("slow writer")
    print("WRITING", flush=True)
    time.sleep(3)
atomic_write({target!r}, write)
print("DONE", flush=True)
"""


def test_running_writers_temp_file_is_left_alone(tmp_path) -> None:
    """A temp file still being written by another process is not a leftover: both exports finish."""
    target = tmp_path / "out.csv"
    with subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER.format(root=str(ROOT), target=str(target))],
        stdout=subprocess.PIPE,
        text=True,
    ) as slow:
        assert slow.stdout.readline().strip() == "WRITING"
        export_tables(TABLES, target, main="summary")
        assert slow.wait(timeout=60) == 0 and slow.stdout.read().strip() == "DONE"
    assert target.read_text() == "slow writer" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failure_inside_the_excel_writer_is_one_line(tmp_path, monkeypatch) -> None:
    """Any error raised inside the Excel engine (lxml raised SerialisationError, not an OSError)
    is an InputError naming the file; the old file and no temp file remain."""
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    class SerialisationError(Exception):
        pass

    def broken(*args, **kwargs):
        raise SerialisationError("unknown error -2")

    monkeypatch.setattr(pd.DataFrame, "to_excel", broken)
    with pytest.raises(InputError, match=r"out.xlsx: the Excel writer failed \(unknown error -2\)"):
        export_tables(TABLES, target, main="summary")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_file_and_folder_are_fsynced_around_the_rename(tmp_path, monkeypatch) -> None:
    """The temp file is fsynced before the rename, its folder after it."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write(tmp_path / "x.csv", lambda tmp: tmp.write_text("x"))
    assert events == ["fsync file", "rename", "fsync dir"]


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 1 MB tmpfs, unmounted afterwards; skipped where mounting is not permitted."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a small disk")
    mount = Path(tempfile.mkdtemp(prefix="fd-small-disk-"))
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=1777", "tmpfs", str(mount)],
        check=False,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        mount.rmdir()
        pytest.skip(f"mounting a tmpfs is not permitted here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)
        mount.rmdir()


def fill(disk: Path) -> None:
    """Fill ``disk`` to the last byte."""
    with open(disk / "filler.bin", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_full_target_disk_is_one_line(small_disk, suffix) -> None:
    """A full target disk: exit 2, one line saying so, no 'Exception ignored', old file and nothing else."""
    target = small_disk / f"out{suffix}"
    target.write_bytes(b"previous")
    fill(small_disk)
    line = one_error_line(regress_as(["--out", str(target)], user=False))
    assert "No space left on device" in line and "previous file is unchanged" in line
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler.bin", f"out{suffix}"]


def test_full_temp_folder_does_not_stop_an_excel_export(small_disk, tmp_path) -> None:
    """With the temp folder full, an .xlsx export still works (nothing is written there) and
    the temp folder holds nothing new."""
    fill(small_disk)
    target = tmp_path / "out.xlsx"
    proc = regress_as(["--out", str(target)], user=False, env={"TMPDIR": str(small_disk)})
    assert proc.returncode == 0, proc.stderr
    assert "Exception ignored" not in proc.stderr
    assert pd.read_excel(target, sheet_name=0)["fund"].tolist() == ["FUND"]
    assert [p.name for p in small_disk.iterdir()] == ["filler.bin"]
