"""A team on one PostgreSQL store: real processes at once, as on different hosts.

- eight agents (processes) work one queue of 1,000 items: each item is claimed exactly once,
  none is skipped, no process fails or deadlocks;
- two `earmark run` and two `notify` at once: nothing lost, nothing sent twice;
- a second `run` exits 75 at once while another holds the run lock; SIGKILL of the holder
  frees it (the lock dies with the holder's session);
- SIGKILL in the middle of listen, classify and notify, then a re-run: the store ends exactly
  as one uninterrupted run on SQLite leaves it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from deliveryhook import DeliveryHook
from exportdata import add_many
from killhelpers import (
    FILE_SOURCE,
    SLACK,
    SlackHook,
    copy_input,
    finish,
    kill_when,
    reference_run,
    run_earmark,
    spawn_earmark,
    subprocess_env,
    wait_until,
    write_config,
    write_posts,
)
from pgclaimer import AGENTS, settings
from pgprocs import pg_count, pg_rows, pg_snapshot
from queue_fixtures import NOW

from earmark.store import Store
from export.queues.routing import sync_agents

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
SECRET = "whsec-local-test-0123456789"
WEBHOOK = "notify:\n  webhook: {url_env: TEST_HOOK, signing_secret_env: TEST_SIGNING}\n"


def test_eight_agents_claim_a_thousand_items_each_exactly_once(pg_url):
    with Store(pg_url) as store:
        with store.transaction():
            ids = add_many(store, 1000)
            sync_agents(store, settings(), now=NOW)
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "pgclaimer.py"), pg_url, agent],
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for agent in AGENTS
    ]
    results = finish(workers)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(AGENTS), results
    claimed_by: dict[int, list[str]] = {}
    for agent, (_, out, _) in zip(AGENTS, results, strict=True):
        for line in out.splitlines():
            record = json.loads(line)
            if "id" in record:
                claimed_by.setdefault(record["id"], []).append(agent)
    assert sorted(claimed_by) == sorted(ids)  # none skipped
    assert {len(agents) for agents in claimed_by.values()} == {1}  # none claimed twice
    assert len({agents[0] for agents in claimed_by.values()}) > 1  # they really shared it
    claims = pg_rows(
        pg_url, "SELECT opportunity_id, actor FROM events WHERE type = 'claimed' ORDER BY 1"
    )
    assert claims == sorted((ident, agents[0]) for ident, agents in claimed_by.items())
    assert pg_rows(pg_url, "SELECT status, count(*) FROM opportunities GROUP BY 1") == [
        ("resolved", 1000)
    ]


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
            f"earmark run: another earmark run (pid {holder.pid} on {_hostname()}) is using "
            "this database; exiting\n"
        )
        assert pg_count(pg_url, "SELECT count(*) FROM runs") == 0  # it did nothing
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    # The server ends the dead holder's session, and its lock with it (pg_locks spans the
    # cluster: only this database's locks count).
    wait_until(
        lambda: (
            pg_count(
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
    assert pg_count(pg_url, "SELECT count(*) FROM posts") > 0
    assert pg_rows(pg_url, "SELECT status FROM runs") == [("ok",)]


def _hostname() -> str:
    import socket

    return socket.gethostname()


def test_two_runs_and_two_notifies_at_once_deliver_each_item_once(pg_url, tmp_path):
    write_posts(tmp_path / "posts.jsonl", 400)
    config = write_config(tmp_path, FILE_SOURCE, WEBHOOK)
    with DeliveryHook(delay=0.05, secret=SECRET) as hook:
        env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=SECRET)
        processes = []
        for command in (("run",), ("notify", "webhook"), ("run",), ("notify", "webhook")):
            processes.append(spawn_earmark(config, pg_url, *command, env=env))
            time.sleep(0.3)
        results = finish(processes)
        runs, notifies = results[0::2], results[1::2]
        assert sorted(code for code, _, _ in runs) in ([0, 0], [0, 75]), results
        assert [code for code, _, _ in notifies] == [0, 0], results
        assert all("Traceback" not in err and out == "" for _, out, err in results)
        last = run_earmark(config, pg_url, "notify", "webhook", env=env)  # whatever is left
        assert last.returncode == 0, last.stderr
        opportunities = [row[0] for row in pg_rows(pg_url, "SELECT id FROM opportunities")]
        assert len(opportunities) > 100
        assert hook.items == Counter(opportunities)  # nothing lost, nothing twice
        assert set(hook.deliveries.values()) == {1} and hook.bad_signatures == 0
    exported = Counter(row[0] for row in pg_rows(pg_url, "SELECT opportunity_id FROM exports"))
    assert exported == Counter(opportunities)


# -- SIGKILL, then a re-run -----------------------------------------------------------------

LINES = 6000  # 6 listen batches of 1000 lines, about 10 classify batches of 500 posts


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict]:
    """One uninterrupted run on SQLite: its directory and what it stored."""
    directory = tmp_path_factory.mktemp("reference")
    return directory, reference_run(directory, LINES)


def _resume_and_compare(config: Path, url: str, expected: dict) -> None:
    again = run_earmark(config, url, "run")
    assert (again.returncode, again.stdout) == (0, ""), again.stderr
    assert pg_snapshot(url) == expected
    statuses = [row[0] for row in pg_rows(url, "SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]
    quiet = run_earmark(config, url, "run")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("stage", "table", "later"),
    [("listen", "posts", "classifications"), ("classify", "classifications", "opportunities")],
)
def test_killed_mid_stage_then_rerun_ends_as_one_run_on_sqlite(
    stage, table, later, pg_url, tmp_path, reference
):
    reference_dir, expected = reference
    config = copy_input(reference_dir, tmp_path)
    process = spawn_earmark(config, pg_url, "run")
    kill_when(process, lambda: pg_count(pg_url, f"SELECT count(*) FROM {table}") > 0)
    assert 0 < pg_count(pg_url, f"SELECT count(*) FROM {table}") < len(expected[
        "posts" if stage == "listen" else "classified"
    ])  # fmt: skip
    assert pg_count(pg_url, f"SELECT count(*) FROM {later}") == 0
    _resume_and_compare(config, pg_url, expected)


def test_killed_while_notifying_then_rerun_sends_each_opportunity_once(pg_url, tmp_path):
    write_posts(tmp_path / "posts.jsonl", 400)  # about 200 opportunities: 5 Slack messages
    config = write_config(tmp_path, FILE_SOURCE, SLACK)
    with SlackHook(delay=0.5) as hook:
        env = subprocess_env(TEST_SLACK_HOOK=hook.url)
        process = spawn_earmark(config, pg_url, "run", env=env)
        kill_when(process, lambda: pg_count(pg_url, "SELECT count(*) FROM exports") > 0)
        recorded = pg_count(pg_url, "SELECT count(*) FROM exports")
        assert len(hook.messages) == 1  # killed between two messages
        assert 0 < recorded == sum(hook.received.values())
        again = run_earmark(config, pg_url, "run", env=env)
        assert (again.returncode, again.stdout) == (0, ""), again.stderr
    opportunities = [row[0] for row in pg_rows(pg_url, "SELECT id FROM opportunities")]
    assert len(hook.messages) >= 3
    assert hook.received == Counter(opportunities)  # every opportunity delivered once
    exported = Counter(row[0] for row in pg_rows(pg_url, "SELECT opportunity_id FROM exports"))
    assert exported == Counter(opportunities)


def test_two_routes_at_once_fill_each_agent_exactly_to_capacity(pg_url, tmp_path):
    """Routing reads the agents' loads in the transaction that assigns: two hosts routing the
    same backlog at once never give an agent more than their capacity."""
    write_posts(tmp_path / "posts.jsonl", 3000)  # a routing long enough for the two to overlap
    config = write_config(tmp_path, FILE_SOURCE)
    for command in ("listen", "classify"):
        done = run_earmark(config, pg_url, command)
        assert done.returncode == 0, done.stderr
    results = finish([spawn_earmark(config, pg_url, "route") for _ in range(2)])
    assert sorted(code for code, _, _ in results) in ([0, 0], [0, 75]), results
    held = pg_rows(
        pg_url,
        "SELECT agent, count(*) FROM opportunities WHERE agent IS NOT NULL "
        "AND status IN ('assigned', 'claimed', 'responded', 'escalated') GROUP BY 1 ORDER BY 1",
    )
    assert held == [("alice", 8), ("bob", 10)]  # the config's capacities, not twice them
    posts = pg_rows(pg_url, "SELECT count(*), count(DISTINCT post_id) FROM opportunity_posts")
    assert posts[0][0] == posts[0][1] > 100  # every post routed once
