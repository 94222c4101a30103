"""assign_pending reads only reachable pools yet assigns exactly as a full scan of the pool does."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from queue_fixtures import NOW, make_config, make_store

from earmark.models import to_iso
from earmark.store import Store
from export.queues.assign import (
    SYSTEM_ACTOR,
    assign_pending,
    consider,
    load_agents,
    pick_least_loaded,
    pick_round_robin,
)
from export.queues.routing import sync_agents


def _full_scan(store, config, *, now):
    """The assignment pass as it was before: examine every pool item, in rank order."""
    at = to_iso(now)
    agents = load_agents(store, config)
    order = [a.name for a in agents if not a.removed]
    queues = {q.name: q for q in config.queues}
    loads = store.queues.agent_loads()
    last_assigned = store.events.last_assigned_at()
    assigned = waiting = 0
    pool = list(store.queues.iter_pool_opportunities([*queues, "orphan"], batch=10**9))
    for item in pool:
        queue = queues.get(item["queue"])
        strategy = queue.strategy if queue else "manual"
        if strategy == "manual":
            waiting += 1
            continue
        candidates = consider(
            agents, item, loads, returned_from=store.events.returned_from(item["id"])
        )
        if not any(c["rejected"] is None for c in candidates):
            waiting += 1
            continue
        if strategy == "round_robin":
            name, why = pick_round_robin(
                candidates, order, store.events.last_round_robin_agent(item["queue"])
            )
        else:
            name, why = pick_least_loaded(candidates, last_assigned)
        store.queues.update_opportunity(
            item["id"], status="assigned", agent=name, assigned_at=at, updated_at=at
        )
        store.events.add_event(
            item["id"],
            "assigned",
            SYSTEM_ACTOR,
            at,
            {
                "agent": name,
                "queue": item["queue"],
                "matched": store.events.matched_rule(item["id"]),
                "strategy": strategy,
                "priority": item["priority"],
                "candidates": candidates,
                "tie_break": why,
            },
        )
        loads[name] = loads.get(name, 0) + 1
        last_assigned[name] = at
        assigned += 1
    return assigned, waiting


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
    store.conn.execute("PRAGMA foreign_keys=OFF")  # bare opportunity rows, no posts needed
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
def test_reachable_pools_assign_like_a_full_scan(tmp_path, seed, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    reference, config = _build(tmp_path / "a", seed)
    fast, _ = _build(tmp_path / "b", seed)
    with reference.transaction():
        expected = _full_scan(reference, config, now=NOW)
    small_batches = Store.iter_pool_opportunities
    monkeypatch.setattr(
        Store, "iter_pool_opportunities", lambda self, queues: small_batches(self, queues, batch=2)
    )
    with fast.transaction():
        got = assign_pending(fast, config, now=NOW)
    assert got == expected
    assert _state(fast) == _state(reference)
    reference.close()
    fast.close()
