"""Routing writes new items in batches (export/queues/route_batch.py): a post joining an item
created earlier in the same pass gets the same rows, ids, events and event order as when each
item was written at once, and so does every other path of a pass, compared byte for byte with
routing one step at a time (both engines with EARMARK_TEST_STORE=postgres). On PostgreSQL the
batches are arrays (earmark/store/pgbatch.py) and a growing table is analyzed mid-pass."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from queue_fixtures import NOW, add_post, events, make_config, make_store, opportunities
from route_reference import dump, route_one_at_a_time

from earmark.store import Store, pgbatch
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


# -- the batched writes against routing one step at a time (tests/route_reference.py) ---------

# (thread, author, priority, kind, minutes before the pass); kind "other" matches no queue.
POST = st.tuples(
    st.sampled_from([None, "t1", "t2", "t3"]),
    st.sampled_from(["ann", "bo", None]),
    st.integers(0, 100),
    st.sampled_from(["brand", "brand", "other"]),
    st.integers(1, 25),
)
# A pass whose `now` is not on a whole second, as cron's is not: the SLA check times stored with
# new items are rounded down to the second, as refresh_sla rounds them.
SECOND_PASS = NOW + timedelta(minutes=40, microseconds=500_000)


def _config(sla: str, fraction: float):
    return make_config(
        queues=[{"name": "support", "match": {"kinds": ["brand"]}, "sla": sla}],
        agents=[{"name": "ann", "queues": ["support"], "capacity": 2}],
        routing={"at_risk_fraction": fraction},
    )


def _add(store, posts, first: int, now) -> None:
    for number, (thread, author, priority, kind, minutes) in enumerate(posts, start=first):
        add_post(
            store,
            f"p{number}",
            thread_id=thread,
            author=author,
            priority=priority,
            kind=kind,
            created_at=now - timedelta(minutes=minutes, seconds=number),
        )


def _two_passes(store, route, earlier, later, statuses, config) -> list:
    """Route earlier posts, move some stored items on (answered, resolved), route later ones."""
    reports = []
    _add(store, earlier, 0, NOW)
    reports.append(route(store, config, now=NOW))
    for row, status in zip(opportunities(store), statuses, strict=False):
        if status != "open":
            store.queues.update_opportunity(row["id"], status=status, agent="ann")
    _add(store, later, len(earlier), SECOND_PASS)
    reports.append(route(store, config, now=SECOND_PASS))
    return reports


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    earlier=st.lists(POST, max_size=8),
    later=st.lists(POST, min_size=1, max_size=10),
    statuses=st.lists(st.sampled_from(["open", "responded", "resolved"]), max_size=8),
    page=st.sampled_from([1, 2, 3, 500]),
    sla=st.sampled_from(["1h", "1s"]),
    fraction=st.sampled_from([0.2, 0.9]),
)
# Two posts of one page join an item stored before the pass (answered: it goes back to claimed).
@example(
    earlier=[("t1", "ann", 40, "brand", 20)],
    later=[("t1", "ann", 70, "brand", 10), ("t1", "ann", 90, "brand", 5)],
    statuses=["responded"],
    page=500,
    sla="1h",
    fraction=0.2,
)
# A new item at risk as soon as it is created (the 1s SLA's at-risk point is already past).
@example(
    earlier=[],
    later=[(None, "bo", 50, "brand", 3)],
    statuses=[],
    page=500,
    sla="1s",
    fraction=0.9,
)
def test_batched_routing_writes_what_one_step_at_a_time_writes(
    earlier, later, statuses, page, sla, fraction
):
    """New items, joins of items created in the pass and stored before it (answered ones go
    back to claimed), SLA checks stored with new items (a 1s SLA is at risk at once): every
    table the same byte for byte, and the same report."""
    config = _config(sla, fraction)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(routing, "ROUTE_STEP", page)
        (Path(tmp) / "a").mkdir()
        (Path(tmp) / "b").mkdir()
        with make_store(Path(tmp) / "a") as batched, make_store(Path(tmp) / "b") as reference:
            got = _two_passes(batched, route_opportunities, earlier, later, statuses, config)
            want = _two_passes(reference, route_one_at_a_time, earlier, later, statuses, config)
            assert got == want
            assert dump(batched) == dump(reference)


def _spread_posts(store, count: int) -> None:
    for number in range(count):
        add_post(
            store,
            f"s{number}",
            thread_id=f"t{number % 7}" if number % 3 else None,
            author=["ann", "bo"][number % 2],
            priority=number % 100,
            created_at=NOW - timedelta(minutes=30, seconds=-number),
        )


@pytest.fixture
def postgres_store(pg_url):
    with Store(pg_url) as store:
        yield store


def _reltuples(store) -> float:
    return store.conn.execute(
        "SELECT reltuples FROM pg_class WHERE oid = 'opportunities'::regclass"
    ).fetchone()[0]


def test_postgres_routing_analyzes_the_table_it_grows_with_the_same_result(
    postgres_store, pg_server, monkeypatch, tmp_path
):
    """ANALYZE inside the routing transaction (every 10 new items here) changes no row."""
    monkeypatch.setattr(pgbatch, "ANALYZE_AFTER", 10)
    monkeypatch.setattr(routing, "ROUTE_STEP", 7)
    _spread_posts(postgres_store, 60)
    with Store(pg_server.new_database("ref")) as reference:
        _spread_posts(reference, 60)
        assert _reltuples(postgres_store) < 0  # never analyzed: no statistics yet
        got = route_opportunities(postgres_store, make_config(), now=NOW)
        want = route_one_at_a_time(reference, make_config(), now=NOW)
        assert got == want and got.created > 10
        assert dump(postgres_store) == dump(reference)
    assert _reltuples(postgres_store) > 0  # analyzed, its own new rows counted


def test_postgres_routing_skips_analyze_rather_than_wait_for_the_table_lock(
    postgres_store, pg_url, monkeypatch
):
    """A VACUUM (here its lock, held by another session) never makes routing wait."""
    import psycopg

    monkeypatch.setattr(pgbatch, "ANALYZE_AFTER", 5)
    _spread_posts(postgres_store, 30)
    with psycopg.connect(pg_url) as other:  # a transaction holding VACUUM's table lock
        other.execute("LOCK TABLE opportunities IN SHARE UPDATE EXCLUSIVE MODE")
        report = route_opportunities(postgres_store, make_config(), now=NOW)
        other.rollback()
    assert report.created > 5
    assert len(opportunities(postgres_store)) == report.created
    assert _reltuples(postgres_store) < 0  # not analyzed
