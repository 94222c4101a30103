"""store.queues.open_items pages through the rank indexes: same rows, same order as a full sort."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, make_store

from earmark.models import OPEN_STATUSES
from earmark.store import Store

STATUSES = (*OPEN_STATUSES, "resolved", "dismissed")
QUEUES = ("urgent", "support", "sales")
AGENTS = (None, None, "alice", "bob")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request, tmp_path_factory):
    if request.param == "postgres":
        store = Store(request.getfixturevalue("pg_server").new_database("order"))
    else:
        store = make_store(tmp_path_factory.mktemp("order"))
    rng = random.Random(3)
    for i in range(120):
        post_id = add_post(store, str(i))
        status = rng.choice(STATUSES)
        store.queues.insert_opportunity(
            {
                "post_id": post_id,
                "kind": "support",
                "queue": rng.choice(QUEUES),
                "status": status,
                "agent": None if status == "open" else rng.choice(AGENTS),
                "priority": rng.choice((10, 50, 50, 90)),  # ties, broken by age then id
                "created_at": (NOW - timedelta(minutes=rng.choice((1, 2, 3)))).isoformat(),
            }
        )
    yield store
    store.close()


def expected(store, *, queue=None, agent=None, statuses=OPEN_STATUSES, unassigned=False,
             queues=None, limit=None, offset=0):  # fmt: skip
    rows = [dict(r) for r in store.db.query("SELECT * FROM opportunities")]
    rows = [
        r
        for r in rows
        if r["status"] in statuses
        and (queue is None or r["queue"] == queue)
        and (agent is None or r["agent"] == agent)
        and (not unassigned or r["agent"] is None)
        and (queues is None or r["queue"] in queues)
    ]
    rows.sort(key=lambda r: (-r["priority"], r["created_at"], r["id"]))
    ids = [r["id"] for r in rows]
    return ids[offset:] if limit is None else ids[offset : offset + limit]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"limit": 7},
        {"limit": 5, "offset": 9},
        {"statuses": ("open",), "unassigned": True, "limit": 4},
        {
            "statuses": ("open",),
            "unassigned": True,
            "queues": ["sales", "support"],
            "limit": 6,
            "offset": 3,
        },  # fmt: skip
        {"queue": "urgent", "limit": 3},
        {"agent": "alice"},
        {"agent": "bob", "statuses": ("assigned", "claimed", "escalated"), "limit": 1},
        {"statuses": ("resolved",), "limit": 2, "offset": 1},
        {"queues": []},
        {"agent": "alice", "statuses": ()},
    ],
)
def test_open_items_pages_match_a_full_sort(store, options):
    assert [item["id"] for item in store.queues.open_items(**options)] == expected(store, **options)


def test_open_items_carry_the_post_and_labels(store):
    item = store.queues.open_items(limit=1)[0]
    assert item["text"] == "acme my order never arrived"
    assert item["primary_intent"] == "complaint"
    assert item["post_created_at"] == "2024-05-01T11:55:00Z"
