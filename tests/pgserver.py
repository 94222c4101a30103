"""A PostgreSQL server for the tests: $EARMARK_TEST_PG_URL when CI started one (.ci/postgres.sh),
else a throwaway cluster started by that same script for this test session, else none (every
PostgreSQL test then skips, saying why). Each test gets a new empty database of its own.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "postgres.sh"
URL_ENV = "EARMARK_TEST_PG_URL"


class PgServer:
    """A running server: its admin URL, and new databases on it."""

    def __init__(self, url: str, directory: str | None = None) -> None:
        self.url = url
        self.directory = directory  # set when this session started the cluster

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))

    def new_database(self, prefix: str = "t") -> str:
        """Create an empty database; return its URL."""
        import psycopg

        name = f"earmark_{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.directory:
            subprocess.run(["bash", str(SCRIPT), "stop", self.directory], check=False)
            self.directory = None


def start_server() -> tuple[PgServer | None, str]:
    """Return (a server, "") or (None, why PostgreSQL tests skip)."""
    try:
        import psycopg
    except ImportError:
        return None, "psycopg is not installed (pip install -e '.[test]')"
    url = os.environ.get(URL_ENV)
    if url:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as error:
            return None, f"${URL_ENV} does not answer: {' '.join(str(error).split())}"
        return PgServer(url), ""
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=180
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"cannot start a throwaway PostgreSQL cluster ({error})"
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        return None, f"PostgreSQL unavailable, its tests skip ({last})"
    url, directory = done.stdout.split()
    return PgServer(url, directory), ""
