"""A throwaway PostgreSQL server for the WRDS tests: loopback port, temporary folder.

Debian's ``postgresql`` package provides the binaries (``/usr/lib/postgresql/<v>/bin``).
``initdb`` and ``postgres`` refuse to run as root, so under root (CI) they run as the
``postgres`` account the package creates, in a folder that account owns. The server uses
SSL with a self-signed certificate because ``wrds`` connects with ``sslmode=require``;
TCP logins need a password (scram), the Unix socket (used only for seeding) is trusted.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PgServer", "find_bin_dir", "free_port", "start_server"]

USER = "wrdsuser"
PASSWORD = "s3cret-Pass"
DBNAME = "wrds"


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` holding initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgServer:
    """A running server; :meth:`stop` (idempotent) shuts it down and deletes its folder."""

    base: Path
    bin_dir: Path
    port: int
    prefix: list[str]
    stopped: bool = field(default=False)

    @property
    def data(self) -> Path:
        return self.base / "data"

    def socket_dsn(self, user: str = USER) -> str:
        """libpq DSN over the trusted Unix socket (seeding only)."""
        return f"host={self.base} port={self.port} dbname={DBNAME} user={user}"

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        subprocess.run(
            [*self.prefix, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}")


def start_server(bin_dir: Path) -> PgServer:
    """initdb + SSL certificate + pg_ctl start; stopped again at interpreter exit at the latest."""
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="factordesk-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    server = PgServer(base, bin_dir, free_port(), prefix)
    atexit.register(server.stop)
    try:
        _run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(server.data),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ]
        )
        key, crt = base / "server.key", base / "server.crt"
        _run(
            [
                *prefix,
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(crt),
            ]
        )
        _run([*prefix, "chmod", "600", str(key)])
        options = (
            f"-c port={server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} "
            f"-c ssl=on -c ssl_cert_file={crt} -c ssl_key_file={key} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        _run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(server.data),
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        )
    except BaseException:
        server.stop()
        raise
    return server
