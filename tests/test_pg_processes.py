"""The run lock on a PostgreSQL store: real processes at once, as on different hosts.

A second `run` exits 75 at once while another holds the run lock; SIGKILL of the holder frees
it (the lock dies with the holder's session). SQLite's file lock has its own tests in
test_run_cli.py. The races and kill -9 tests run on both engines: test_team_races.py,
test_delivery_processes.py and test_kill_resume.py.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest
from killhelpers import (
    FILE_SOURCE,
    count,
    rows,
    run_earmark,
    wait_until,
    write_config,
    write_posts,
)

pytestmark = pytest.mark.slow


def hold_run_lock(url: str) -> subprocess.Popen:
    """Start a process that takes the store's run lock and keeps it (until killed)."""
    code = (
        "import sys, time\n"
        "from earmark.store.pglock import PgRunLock\n"
        "lock = PgRunLock(sys.argv[1]).acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_run_exits_75_at_once_and_a_killed_holder_frees_the_lock(pg_url, tmp_path):
    write_posts(tmp_path / "posts.jsonl", 50)
    config = write_config(tmp_path, FILE_SOURCE)
    holder = hold_run_lock(pg_url)
    try:
        locked = run_earmark(config, pg_url, "run")
        assert locked.returncode == 75
        assert locked.stdout == ""
        assert locked.stderr == (
            f"earmark run: another earmark run (pid {holder.pid} on {socket.gethostname()}) "
            "is using this database; exiting\n"
        )
        assert count(pg_url, "SELECT count(*) FROM runs") == 0  # it did nothing
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    # The server ends the dead holder's session, and its lock with it (pg_locks spans the
    # cluster: only this database's locks count).
    wait_until(
        lambda: (
            count(
                pg_url,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            == 0
        ),
        timeout=30,
    )
    done = run_earmark(config, pg_url, "run")
    assert done.returncode == 0, done.stderr
    assert count(pg_url, "SELECT count(*) FROM posts") > 0
    assert rows(pg_url, "SELECT status FROM runs") == [("ok",)]
