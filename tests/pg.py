"""A throwaway PostgreSQL server for tests, from Debian's `postgresql` package.

`HANDOFF_TEST_PG_URL` points at an existing server instead. Each test gets its
own database on it, so tests never see each other's threads.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from contextlib import contextmanager

import psycopg

from tests.browser import free_port


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; Debian's package creates the postgres user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class ThrowawayPostgres:
    """initdb + pg_ctl on loopback, in a temporary directory; stop() and start() again."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError(
                "PostgreSQL is not installed: run ./scripts/test.sh (it installs Debian's "
                "postgresql) or set HANDOFF_TEST_PG_URL to a server."
            )
        self.bindir = os.path.dirname(found[-1])
        self.root = tempfile.mkdtemp(prefix="hs-pg-")
        self.data, self.port = os.path.join(self.root, "data"), free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            _as_postgres([f"{self.bindir}/{tool}", *args]), check=True, capture_output=True
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            self.data,
            "-l",
            os.path.join(self.root, "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_server():
    """Yield an admin URL of a running server, started here unless one is given."""
    given = os.environ.get("HANDOFF_TEST_PG_URL")
    if given:
        yield given
        return
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        server.remove()


def fresh_database(admin_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    name = "hs_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name
