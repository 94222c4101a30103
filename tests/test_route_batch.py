"""Routing writes new items in batches (export/queues/route_batch.py): a post joining an item
created earlier in the same pass gets the same rows, ids, events and event order as when each
item was written at once (both engines with EARMARK_TEST_STORE=postgres)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, events, make_config, make_store, opportunities

from export.queues import routing
from export.queues.routing import route_opportunities


@pytest.fixture
def store(tmp_path):
    with make_store(tmp_path) as store:
        yield store


@pytest.mark.parametrize("page", [1, 2, 500])
def test_joins_of_items_created_in_the_same_pass(store, monkeypatch, page):
    monkeypatch.setattr(routing, "ROUTE_STEP", page)  # a page boundary anywhere in the thread
    add_post(store, "root", thread_id="t1", priority=40, created_at=NOW - timedelta(minutes=9))
    add_post(store, "reply", thread_id="t1", priority=70, created_at=NOW - timedelta(minutes=3))
    add_post(store, "other", thread_id="t1", author="bo", created_at=NOW - timedelta(minutes=2))
    add_post(store, "again", thread_id="t1", priority=90, created_at=NOW - timedelta(minutes=1))
    report = route_opportunities(store, make_config(), now=NOW)
    assert (report.created, report.joined) == (2, 2)
    rows = opportunities(store)
    assert [(r["id"], r["post_id"], r["priority"], r["base_priority"]) for r in rows] == [
        (rows[0]["id"], "x:root", 90, 90),
        (rows[0]["id"] + 1, "x:other", 50, 50),
    ]
    assert store.queues.opportunity_post_ids(rows[0]["id"]) == ["x:root", "x:reply", "x:again"]
    log = [
        (e["opportunity_id"], e["type"], json.loads(e["detail"]).get("priority_before"))
        for e in events(store)
        if e["type"] in ("created", "joined")
    ]
    first, second = rows[0]["id"], rows[1]["id"]
    assert log == [
        (first, "created", None),
        (first, "joined", 40),
        (second, "created", None),
        (first, "joined", 70),
    ]
    assert [e["id"] for e in events(store)] == sorted(e["id"] for e in events(store))
