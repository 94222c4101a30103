"""assign_pending reads only the reachable pools, a page at a time, and assigns as the rules say."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta
from fractions import Fraction

import pytest
from queue_fixtures import NOW, make_config, make_store

from earmark.models import to_iso
from earmark.store import Store
from earmark.store.queues import SQLiteQueues
from export.queues.assign import SYSTEM_ACTOR, assign_pending
from export.queues.routing import sync_agents

# Statuses that hold an agent's capacity (docs/queues.md: "open items at once").
HELD = {"assigned", "claimed", "responded", "escalated"}


def _assignments_by_the_rules(store: Store, config) -> tuple[dict, list]:
    """Who gets each pool item, worked out from docs/queues.md's assignment rules alone.

    Pool items (open, nobody's) are taken highest priority first, then oldest. An agent fits
    when active, not an expert, working the item's queue (queues or skills), speaking its
    language (an unknown language, or an agent with no languages listed, fits), below capacity,
    and not one who left this item unanswered before. least_loaded picks the lowest
    load/capacity, then the least recently assigned (everything in one pass is assigned at the
    same instant, later than any agent never assigned), then by name; round_robin picks the next
    fitting agent in config order after the queue's previous one; manual queues, and queues no
    longer in the config, wait. Returns every item's agent after the pass, and the assignments
    as (id, agent, strategy) in the order they happen.
    """
    rows = [dict(r) for r in store.db.query("SELECT * FROM opportunities")]
    returned: dict[int, set[str]] = {}
    for event in store.db.query(
        "SELECT opportunity_id, detail FROM events WHERE type = 'returned'"
    ):
        detail = json.loads(event["detail"])
        if detail.get("reason") == "unanswered":
            returned.setdefault(event["opportunity_id"], set()).add(detail["agent"])
    strategies = {queue.name: queue.strategy for queue in config.queues}
    order = [agent.name for agent in config.agents]
    loads = Counter(row["agent"] for row in rows if row["status"] in HELD and row["agent"])
    assigned_now: set[str] = set()
    previous: dict[str, str] = {}  # queue -> its last round-robin assignee
    agents = {row["id"]: row["agent"] for row in rows}
    done = []
    pool = [row for row in rows if row["status"] == "open" and row["agent"] is None]
    for item in sorted(pool, key=lambda row: (-row["priority"], row["created_at"], row["id"])):
        strategy = strategies.get(item["queue"], "manual")
        if strategy == "manual":
            continue
        fit = [
            agent
            for agent in config.agents
            if agent.active
            and agent.role != "expert"
            and item["queue"] in (*agent.queues, *agent.skills)
            and (
                item["language"] is None
                or not agent.languages
                or item["language"] in agent.languages
            )
            and loads[agent.name] < agent.capacity
            and agent.name not in returned.get(item["id"], set())
        ]
        if not fit:
            continue
        if strategy == "round_robin":
            names = {agent.name for agent in fit}
            last = previous.get(item["queue"])
            start = order.index(last) + 1 if last else 0
            name = next(n for n in order[start:] + order[:start] if n in names)
            previous[item["queue"]] = name
        else:
            name = min(
                fit,
                key=lambda a: (Fraction(loads[a.name], a.capacity), a.name in assigned_now, a.name),
            ).name
        loads[name] += 1
        assigned_now.add(name)
        agents[item["id"]] = name
        done.append((item["id"], name, strategy))
    return agents, done


def _build(tmp_path, seed: int):
    rng = random.Random(seed)
    config = make_config(
        queues=[
            {"name": "support", "match": {}, "sla": "1h"},
            {"name": "sales", "match": {}, "sla": "2h", "strategy": "round_robin"},
            {"name": "vip", "match": {}, "sla": "1h", "strategy": "manual"},
            {"name": "social", "match": {}, "sla": "1h"},
        ],
        agents=[
            {
                "name": f"agent{i}",
                "queues": rng.sample(["support", "sales", "vip", "social"], rng.randint(0, 3)),
                "languages": rng.choice([[], ["en"], ["es", "en"], ["fr"]]),
                "capacity": rng.randint(0, 8),
                "role": rng.choice(["agent", "agent", "agent", "expert"]),
                "active": rng.random() > 0.1,
            }
            for i in range(rng.randint(1, 6))
        ],
    )
    store = make_store(tmp_path)
    with store.transaction():
        sync_agents(store, config, now=NOW)
    # Bare opportunity rows, no posts needed (EARMARK_TEST_STORE=postgres: no FK triggers).
    if store.engine == "postgresql":
        store.conn.execute("SET session_replication_role = replica")
    else:
        store.conn.execute("PRAGMA foreign_keys=OFF")
    names = [a.name for a in config.agents]
    with store.transaction():
        for i in range(rng.randint(0, 60)):
            held = rng.random() < 0.1
            created = to_iso(NOW - timedelta(minutes=rng.randint(0, 5)))
            opportunity_id = store.queues.insert_opportunity(
                {
                    "post_id": f"x:{i}",
                    "kind": "support",
                    "queue": rng.choice(["support", "sales", "vip", "social", "orphan"]),
                    "status": "claimed" if held else "open",
                    "agent": rng.choice(names) if held else None,
                    "priority": rng.choice([10, 50, 50, 90]),
                    "language": rng.choice([None, "en", "es", "fr"]),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if not held and rng.random() < 0.3:
                store.events.add_event(
                    opportunity_id,
                    "returned",
                    SYSTEM_ACTOR,
                    created,
                    {"agent": rng.choice(names), "reason": "unanswered"},
                )
    return store, config


def _state(store: Store) -> tuple[list, list]:
    rows = [dict(r) for r in store.db.query("SELECT * FROM opportunities ORDER BY id")]
    events = [dict(r) for r in store.db.query("SELECT * FROM events ORDER BY id")]
    return rows, events


@pytest.mark.parametrize("seed", range(40))
def test_reachable_pools_assign_as_the_rules_say(tmp_path, seed, monkeypatch):
    store, config = _build(tmp_path, seed)
    pool = store.queues.pool_count()
    expected_agents, expected_assignments = _assignments_by_the_rules(store, config)
    # Small batches, so the pass reads the pools page by page while it assigns.
    small_batches = SQLiteQueues.iter_pool_opportunities
    monkeypatch.setattr(
        SQLiteQueues,
        "iter_pool_opportunities",
        lambda self, queues: small_batches(self, queues, batch=2),
    )
    with store.transaction():
        got = assign_pending(store, config, now=NOW)
    rows, events = _state(store)
    assert got == (len(expected_assignments), pool - len(expected_assignments))
    assert {row["id"]: row["agent"] for row in rows} == expected_agents
    assigned = [
        (event["opportunity_id"], json.loads(event["detail"]))
        for event in events
        if event["type"] == "assigned"
    ]
    assert [(i, d["agent"], d["strategy"]) for i, d in assigned] == expected_assignments
    at = to_iso(NOW)
    for row in rows:
        if row["id"] in {i for i, _, _ in expected_assignments}:
            assert (row["status"], row["assigned_at"]) == ("assigned", at)
    store.close()
