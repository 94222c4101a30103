"""refresh_sla reads only items whose check time has come yet flags exactly as a full scan does."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from queue_fixtures import NOW, make_config, make_store

from earmark.models import OPEN_STATUSES, parse_duration, parse_iso, to_iso
from earmark.store import queues as store_queues
from export.queues.actions import return_to_pool
from export.queues.sla import SLA_BUMPS, _bump, refresh_sla, sla_state


def _full_scan(store, config, *, now):
    """refresh_sla as it was before: look at every unanswered open item, every time."""
    at = to_iso(now)
    fraction = config.routing.at_risk_fraction
    items = [
        dict(r)
        for r in store.db.query(
            "SELECT * FROM opportunities WHERE first_response_at IS NULL ORDER BY id"
        )
        if r["status"] in OPEN_STATUSES
    ]
    seen = store.events.event_types_for([i["id"] for i in items], ("sla_at_risk", "sla_breached"))
    counts = {"at_risk": 0, "breached": 0, "returned": 0}
    for item in items:
        state = sla_state(item, now, fraction)
        if state in SLA_BUMPS and (item["id"], f"sla_{state}") not in seen:
            _bump(store, item, state, at)
            counts[state] += 1
    return_after = parse_duration(config.routing.return_after)
    for row in store.db.query("SELECT * FROM opportunities WHERE status = 'assigned' ORDER BY id"):
        item = dict(row)
        if item["assigned_at"] and now - parse_iso(item["assigned_at"]) >= return_after:
            return_to_pool(
                store,
                item,
                at=at,
                reason="unanswered",
                detail={
                    "assigned_at": item["assigned_at"],
                    "return_after": config.routing.return_after,
                },
            )
            counts["returned"] += 1
    return counts


def _build(tmp_path, seed: int):
    rng = random.Random(seed)
    store = make_store(tmp_path)
    # Bare opportunity rows, no posts needed (EARMARK_TEST_STORE=postgres: no FK triggers).
    if store.engine == "postgresql":
        store.conn.execute("SET session_replication_role = replica")
    else:
        store.conn.execute("PRAGMA foreign_keys=OFF")
    with store.transaction():
        for i in range(40):
            created = NOW - timedelta(seconds=rng.randint(0, 7200))
            status = rng.choice(["open", "open", "assigned", "claimed", "closed"])
            store.queues.insert_opportunity(
                {
                    "post_id": f"x:{i}",
                    "kind": "support",
                    "queue": "support",
                    "status": status,
                    "agent": None if status in ("open", "closed") else "ann",
                    "priority": rng.choice([10, 50, 95]),
                    "base_priority": rng.choice([None, 10, 50]),
                    "created_at": to_iso(created),
                    "sla_due": rng.choice(
                        [None, to_iso(created + timedelta(seconds=rng.randint(60, 10800)))]
                    ),
                    "assigned_at": to_iso(created) if status == "assigned" else None,
                    "first_response_at": to_iso(created) if rng.random() < 0.1 else None,
                    "updated_at": to_iso(created),
                }
            )
    return store


def _state(store) -> tuple[list, list]:
    rows = [
        {k: v for k, v in dict(r).items() if not k.startswith("sla_check")}
        for r in store.db.query("SELECT * FROM opportunities ORDER BY id")
    ]
    events = [dict(r) for r in store.db.query("SELECT * FROM events ORDER BY id")]
    return rows, events


def test_the_sla_index_terms_name_every_open_status():
    assert store_queues._SLA_WATCHED == (
        "first_response_at IS NULL AND status IN ("
        + ", ".join(f"'{s}'" for s in OPEN_STATUSES)
        + ")"
    )


@pytest.mark.parametrize("seed", range(25))
def test_due_checks_flag_like_a_full_scan(tmp_path, seed):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    reference, fast = _build(tmp_path / "a", seed), _build(tmp_path / "b", seed)
    runs = [(0, 0.2), (600, 0.2), (601, 0.2), (1800, 0.5), (2400, 0.1), (3600, 0.1), (9000, 0.1)]
    for seconds, fraction in runs:
        config = make_config(routing={"at_risk_fraction": fraction, "return_after": "30m"})
        now = NOW + timedelta(seconds=seconds, microseconds=500)
        with reference.transaction():
            expected = _full_scan(reference, config, now=now)
        with fast.transaction():
            got = refresh_sla(fast, config, now=now)
        assert (got.at_risk, got.breached, got.returned) == tuple(expected.values())
        assert _state(fast) == _state(reference)
    reference.close()
    fast.close()
