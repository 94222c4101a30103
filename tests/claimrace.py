"""The claim races, for either engine: a pool of items in one queue, eight agent processes
(tests/claimworker.py) taking and resolving them at once, and the checks that every item was
handed out exactly once.

    ids = pool_store(db, 1000)                  # db: an SQLite path or a PostgreSQL URL
    outcome = claim_race(db, "claim", ids)      # asserts none skipped, none twice, no error
    assert outcome.locked == 0
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from claimworker import AGENTS, settings
from exportdata import add_many
from killhelpers import finish, subprocess_env
from queue_fixtures import NOW

from earmark.store import Store
from export.queues.routing import sync_agents

WORKER = Path(__file__).resolve().parent / "claimworker.py"


def pool_store(db: str, count: int) -> list[int]:
    """Put count open items in the support pool and the eight agents in the store."""
    with Store(db) as store:
        with store.transaction():
            ids = add_many(store, count)
            sync_agents(store, settings(), now=NOW)
    return ids


def statuses(db: str) -> dict[int, tuple[str, str | None]]:
    """Every item's (status, agent)."""
    with Store(db) as store:
        items = store.queues.open_items(statuses=("open", "claimed", "resolved"), limit=100_000)
        return {item["id"]: (item["status"], item["agent"]) for item in items}


@dataclass
class Outcome:
    handed: dict[int, list[str]]  # item id -> the agents it was handed to
    lost: int  # claims refused because another agent had just taken the item
    locked: int  # "busy, try again later" answers (exit 75 for `earmark`)


def claim_race(db: str, mode: str, ids: list[int]) -> Outcome:
    """Run the eight agents in `mode` (claimworker's `claim` or `next`) over the pool of ids
    until it is empty; assert every item was handed out, resolved and recorded exactly once."""
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), mode, db, agent],
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for agent in AGENTS
    ]
    results = finish(workers, timeout=600)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(AGENTS), results
    handed: dict[int, list[str]] = {}
    lost = locked = 0
    for agent, (_, out, _) in zip(AGENTS, results, strict=True):
        for line in out.splitlines():
            record = json.loads(line)
            if "locked" in record:
                lost += record["lost"]
                locked += record["locked"]
                continue
            assert (record["status"], record["mine"]) == ("claimed", False)
            handed.setdefault(record["id"], []).append(agent)
    assert sorted(handed) == sorted(ids)  # none skipped
    assert {len(agents) for agents in handed.values()} == {1}  # none handed twice
    assert len({agents[0] for agents in handed.values()}) > 1  # they really shared the pool
    assert Counter(status for status, _ in statuses(db).values()) == Counter({"resolved": len(ids)})
    with Store(db) as store:
        claims = sorted(
            (ident, event["actor"])
            for ident in ids
            for event in store.events.events_for(ident)
            if event["type"] == "claimed"
        )
    assert claims == sorted((ident, agents[0]) for ident, agents in handed.items())
    return Outcome(handed, lost, locked)
