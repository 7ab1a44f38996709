"""Session fixture: a real PostgreSQL with a WRDS-shaped ``crsp`` schema, for a real ``wrds.Connection``.

The server starts once per session on a free loopback port in a temporary folder and is
stopped and deleted at session end (pytest finalizer, and ``atexit`` should pytest itself
die), also when tests fail. Without the PostgreSQL binaries the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.data.wrds_source import WrdsSettings, WrdsSource
from tests.wrds.wrds_crsp_seed import build_tables, seed
from tests.wrds.wrds_pg_server import DBNAME, PASSWORD, USER, PgServer, find_bin_dir, start_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A seeded server; skips when PostgreSQL (Debian package ``postgresql``) is not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin; apt-get install postgresql")
    if shutil.which("openssl") is None:
        pytest.skip("openssl not found (needed for the test server's SSL certificate); apt-get install openssl")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres account")
    import psycopg2

    began = time.perf_counter()
    server = start_server(bin_dir)
    try:
        admin = psycopg2.connect(f"host={server.base} port={server.port} dbname=postgres user=postgres")
        admin.autocommit = True  # CREATE DATABASE refuses to run inside a transaction
        with admin.cursor() as cur:
            cur.execute(f"CREATE ROLE {USER} LOGIN PASSWORD %s", (PASSWORD,))
            cur.execute(f"CREATE DATABASE {DBNAME} OWNER {USER}")
        admin.close()
        csv = Path(__file__).resolve().parents[3] / "shared" / "data" / "crsp_monthly_2019_2020.csv"
        with psycopg2.connect(server.socket_dsn()) as conn:
            seed(conn, build_tables(csv if csv.exists() else None))
        conn.close()
        print(f"\n[wrds tests] PostgreSQL up and seeded in {time.perf_counter() - began:.1f}s")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_settings(pg_server: PgServer) -> WrdsSettings:
    """Connection settings for the test server (the password comes from a pgpass file or an argument)."""
    return WrdsSettings(host="127.0.0.1", port=pg_server.port, user=USER, dbname=DBNAME, timeout=5)


@pytest.fixture
def pgpass(pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private pgpass file with the test password, the way WRDS users keep theirs."""
    path = tmp_path / "pgpass"
    path.write_text(f"127.0.0.1:{pg_server.port}:{DBNAME}:{USER}:{PASSWORD}\n", encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


@pytest.fixture
def source(pg_settings: WrdsSettings, pgpass: Path) -> Iterator[WrdsSource]:
    """A connected :class:`WrdsSource` on the test server."""
    src = WrdsSource(pg_settings)
    yield src
    src.close()


@pytest.fixture
def sql(pg_server: PgServer):
    """Run a query as the data owner over the socket (to check the tables from outside)."""
    import psycopg2

    def run(query: str, params: tuple = ()) -> list[tuple]:
        with psycopg2.connect(pg_server.socket_dsn()) as conn, conn.cursor() as cur:
            cur.execute(query, params)
            rows = cur.fetchall()
        conn.close()
        return rows

    return run
