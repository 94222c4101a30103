"""`earmark next --claim`: the agent's most urgent item, picked and claimed in one transaction,
so agents asking at once never get the same item and none is passed over (both engines)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from exportdata import add_many
from killhelpers import subprocess_env
from pgclaimer import AGENTS, settings
from queue_fixtures import NOW

from earmark.cli import cli
from earmark.store import Store
from export.queues.routing import sync_agents

HERE = Path(__file__).resolve().parent
CONFIG = """
queues:
  - {name: support, match: {kinds: [brand]}, sla: 1h, strategy: manual}
agents:
  - {name: ana, queues: [support], capacity: 2}
  - {name: bob, queues: [support]}
"""


def pool_store(db: str, count: int) -> list[int]:
    with Store(db) as store:
        with store.transaction():
            ids = add_many(store, count)
            sync_agents(store, settings(), now=NOW)
    return ids


def statuses(db: str) -> dict[int, tuple[str, str | None]]:
    with Store(db) as store:
        items = store.queues.open_items(statuses=("open", "claimed", "resolved"), limit=100_000)
        return {item["id"]: (item["status"], item["agent"]) for item in items}


def run(db: str, config: Path, *args: str):
    return CliRunner().invoke(
        cli,
        ["-c", str(config), "--db", db, *args],
        env={"EARMARK_NOW": "2024-05-01T12:00:00Z", "EARMARK_AGENT": "", "USER": "lead"},
    )


def test_next_claim_takes_the_top_of_the_pool_then_shows_it_again(db, tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG)
    ids = pool_store(db, 3)
    oldest_first = list(reversed(ids))  # add_many makes each item a minute older than the last
    first = run(db, config, "next", "--claim", "--agent", "ana", "-f", "json")
    assert first.exit_code == 0, first.output
    record = json.loads(first.stdout)[0]
    assert (record["id"], record["status"], record["agent"], record["mine"]) == (
        oldest_first[0],
        "claimed",
        "ana",
        False,
    )
    assert statuses(db)[oldest_first[0]] == ("claimed", "ana")
    # Her own claimed item comes first again: shown, not claimed twice.
    again = run(db, config, "next", "--claim", "--agent", "ana", "-f", "json")
    assert (json.loads(again.stdout)[0]["id"], json.loads(again.stdout)[0]["mine"]) == (
        oldest_first[0],
        True,
    )
    # Plain `next` still only looks: bob sees the next pool item, which stays in the pool.
    look = run(db, config, "next", "--agent", "bob", "-f", "json")
    assert json.loads(look.stdout)[0]["id"] == oldest_first[1]
    assert statuses(db)[oldest_first[1]] == ("open", None)
    taken = run(db, config, "next", "--claim", "--agent", "bob", "-f", "table")
    assert taken.exit_code == 0, taken.output
    assert "pool of support" in taken.stdout and "claimed" in taken.stdout
    assert statuses(db)[oldest_first[1]] == ("claimed", "bob")
    with Store(db) as store:
        events = [e["type"] for e in store.events.events_for(oldest_first[1])]
    assert events == ["claimed"]  # add_many stores items without routing events


def test_next_claim_at_capacity_fails_in_one_line_and_claims_nothing(db, tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG.replace("capacity: 2", "capacity: 1"))
    held, pooled = pool_store(db, 2)
    with Store(db) as store:  # answered, so not "hers" for next, but it counts against capacity
        store.queues.update_opportunity(held, status="responded", agent="ana")
    full = run(db, config, "next", "--claim", "--agent", "ana")
    assert (full.exit_code, full.stdout) == (1, "")
    assert full.stderr == (
        f"Error: claim {pooled}: ana is at capacity (1/1); add --force to claim anyway\n"
    )
    assert statuses(db)[pooled] == ("open", None)
    empty = run(db, config, "next", "--claim", "--agent", "bob")
    assert empty.exit_code == 0
    assert statuses(db)[pooled] == ("claimed", "bob")
    nothing = run(db, config, "next", "--claim", "--agent", "ana")
    assert (nothing.exit_code, nothing.stdout, nothing.stderr) == (
        0,
        "",
        "next: nothing waiting for ana\n",
    )


def finish(processes: list[subprocess.Popen], timeout: float = 600) -> list[tuple[int, str, str]]:
    with ThreadPoolExecutor(len(processes)) as pool:
        outputs = list(pool.map(lambda p: p.communicate(timeout=timeout), processes))
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]


@pytest.mark.slow
def test_eight_processes_looping_next_claim_get_every_item_exactly_once(db):
    # PostgreSQL hands out about 7 a second here (each pick ranks the pool under the write
    # lock): 300 items keep the test near a minute; the 1,000-item claim test is in
    # test_pg_processes.py.
    total = 300 if db.startswith("postgresql://") else 1000
    ids = pool_store(db, total)
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "nextclaimer.py"), db, agent],
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for agent in AGENTS
    ]
    results = finish(workers)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(AGENTS), results
    handed: Counter = Counter()
    takers = set()
    locked = 0
    for agent, (_, out, _) in zip(AGENTS, results, strict=True):
        for line in out.splitlines():
            record = json.loads(line)
            if "locked" in record:
                locked += record["locked"]
                continue
            assert (record["status"], record["mine"]) == ("claimed", False)
            handed[record["id"]] += 1
            takers.add(agent)
    assert sorted(handed) == sorted(ids)  # none skipped
    assert set(handed.values()) == {1}  # none handed twice
    assert len(takers) > 1  # they really shared the pool
    # SQLite's busy wait is not a queue: under this load a writer may wait past the busy
    # timeout and be told to try again (exit 75). PostgreSQL's write lock is a queue.
    if db.startswith("postgresql://"):
        assert locked == 0
    final = statuses(db)
    assert Counter(status for status, _ in final.values()) == Counter({"resolved": total})
    with Store(db) as store:
        claimed = sorted(
            (ident, event["actor"])
            for ident in ids
            for event in store.events.events_for(ident)
            if event["type"] == "claimed"
        )
    assert len(claimed) == total and {ident for ident, _ in claimed} == set(ids)
