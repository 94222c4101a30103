"""SIGKILL in the middle of listen, classify and notify, then re-run: nothing lost or duplicated.

Real `python -m earmark run` subprocesses, on both engines (the `db` fixture: an SQLite file,
then a PostgreSQL database; the PostgreSQL runs skip, saying why, where no server can start).
Each test starts a run over a big generated import (or a Slack webhook on 127.0.0.1 that
answers slowly), polls the store until the first batch of the stage under test is committed,
kills the process with SIGKILL, re-runs to the end and compares everything stored (and
everything delivered) with one uninterrupted run on SQLite.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from dbconn import db_connect
from killhelpers import (
    FILE_SOURCE,
    SLACK,
    SlackHook,
    copy_input,
    count,
    is_postgres,
    kill_when,
    reference_run,
    rows,
    run_earmark,
    snapshot,
    spawn_earmark,
    subprocess_env,
    write_config,
    write_posts,
)

# Real earmark processes killed mid-run (SIGKILL), then re-run.
pytestmark = pytest.mark.slow

LINES = 10_000  # 10 listen batches of 1000 lines, 16 classify batches of 500 matched posts


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict]:
    """One uninterrupted run over the big import: its directory and what it stored."""
    directory = tmp_path_factory.mktemp("reference")
    return directory, reference_run(directory, LINES)


def resume_and_compare(config: Path, db: str, expected: dict) -> None:
    again = run_earmark(config, db, "run")
    assert (again.returncode, again.stdout) == (0, ""), again.stderr
    assert "Traceback" not in again.stderr
    assert snapshot(db) == expected
    assert rows(db, "SELECT status FROM runs ORDER BY id") == [("interrupted",), ("ok",)]
    if not is_postgres(db):  # PostgreSQL checks its own pages (docs/postgresql.md)
        with db_connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    quiet = run_earmark(config, db, "run")  # and the run after that has nothing to do
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_killed_while_listening_then_rerun_loses_and_duplicates_nothing(db, tmp_path, reference):
    reference_dir, expected = reference
    config = copy_input(reference_dir, tmp_path)
    process = spawn_earmark(config, db, "run")
    kill_when(process, lambda: count(db, "SELECT count(*) FROM posts") > 0)

    stored = count(db, "SELECT count(*) FROM posts")
    assert 0 < stored < len(expected["posts"])  # killed in the middle of listen
    assert count(db, "SELECT count(*) FROM classifications") == 0
    [(cursor,)] = rows(db, "SELECT value FROM cursors WHERE source = 'file'")
    assert json.loads(cursor)["line"] % 1000 == 0  # the cursor covers exactly the committed batches
    resume_and_compare(config, db, expected)


def test_killed_while_classifying_then_rerun_loses_and_duplicates_nothing(db, tmp_path, reference):
    reference_dir, expected = reference
    config = copy_input(reference_dir, tmp_path)
    process = spawn_earmark(config, db, "run")
    kill_when(process, lambda: count(db, "SELECT count(*) FROM classifications") > 0)

    classified = count(db, "SELECT count(*) FROM classifications")
    assert 0 < classified < len(expected["classified"])  # killed in the middle of classify
    assert count(db, "SELECT count(*) FROM opportunities") == 0
    resume_and_compare(config, db, expected)


def test_killed_while_notifying_then_rerun_sends_each_opportunity_once(db, tmp_path):
    """Slack answers each message after 0.5 s and earmark pauses 1 s between messages: the kill
    lands after the first message was accepted and recorded, before the second one is sent."""
    write_posts(tmp_path / "posts.jsonl", 400)  # about 200 opportunities: 5 Slack messages
    config = write_config(tmp_path, FILE_SOURCE, SLACK)

    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    shutil.copy(tmp_path / "posts.jsonl", reference_dir / "posts.jsonl")
    reference_config = write_config(reference_dir, FILE_SOURCE, SLACK)
    with SlackHook() as reference_hook:
        env = subprocess_env(TEST_SLACK_HOOK=reference_hook.url)
        done = run_earmark(reference_config, reference_dir / "x.db", "run", env=env)
    assert done.returncode == 0, done.stderr
    expected = snapshot(reference_dir / "x.db")
    assert len(reference_hook.messages) >= 3
    assert set(reference_hook.received.values()) == {1}

    with SlackHook(delay=0.5) as hook:
        env = subprocess_env(TEST_SLACK_HOOK=hook.url)
        process = spawn_earmark(config, db, "run", env=env)
        kill_when(process, lambda: count(db, "SELECT count(*) FROM exports") > 0, timeout=60)
        sent_before_kill = Counter(hook.received)
        recorded = count(db, "SELECT count(*) FROM exports")
        assert len(hook.messages) == 1  # killed between two messages
        assert 0 < recorded == sum(sent_before_kill.values()) < len(expected["exports"])

        again = run_earmark(config, db, "run", env=env)
        assert (again.returncode, again.stdout) == (0, ""), again.stderr
        quiet = run_earmark(config, db, "run", env=env)
        assert (quiet.returncode, quiet.stderr) == (0, "")

    assert snapshot(db) == expected
    opportunity_ids = [ident for (ident,) in rows(db, "SELECT id FROM opportunities")]
    exported = Counter(ident for (ident,) in rows(db, "SELECT opportunity_id FROM exports"))
    assert hook.received == Counter(opportunity_ids)  # every opportunity delivered once
    assert exported == Counter(opportunity_ids)  # and recorded once
    assert len(hook.received) == len(reference_hook.received)
