"""Routing: queue rules, idempotent re-runs, thread grouping and agent sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, events, make_config, make_store, opportunities

from earmark.config import QueueMatch
from export.queues.routing import match_rule, route_opportunities, thread_key


@pytest.fixture
def store(tmp_path):
    with make_store(tmp_path) as store:
        yield store


def _post(**overrides) -> dict:
    post = {
        "post_id": "x:1",
        "platform": "x",
        "text": "My #Acme order is late",
        "kinds": ["brand"],
        "topics": ["acme"],
        "intents": ["complaint", "question"],
        "sentiment": "negative",
        "opportunity": "support",
        "priority": 60,
        "language": "en-US",
    }
    post.update(overrides)
    return post


@pytest.mark.parametrize(
    ("rule", "matches"),
    [
        ({}, True),
        ({"kinds": ["brand"]}, True),
        ({"kinds": ["competitor"]}, False),
        ({"intents": ["question"]}, True),
        ({"intents": ["outage"]}, False),
        ({"sentiments": ["negative"]}, True),
        ({"sentiments": ["positive"]}, False),
        ({"opportunities": ["sales"]}, False),
        ({"min_priority": 60}, True),
        ({"min_priority": 61}, False),
        ({"platforms": ["x"]}, True),
        ({"platforms": ["reddit"]}, False),
        ({"languages": ["en"]}, True),
        ({"languages": ["es"]}, False),
        ({"terms": ["#acme"]}, True),
        ({"terms": ["late"]}, True),
        ({"terms": ["lat"]}, False),
        ({"topics": ["acme"]}, True),
        ({"topics": ["globex"]}, False),
        ({"kinds": ["brand"], "intents": ["outage"]}, False),
    ],
)
def test_every_rule_condition(rule, matches):
    assert (match_rule(QueueMatch(**rule), _post()) is not None) is matches


def test_match_reports_what_matched():
    rule = QueueMatch(intents=["outage", "question"], terms=["late"], min_priority=50)
    assert match_rule(rule, _post()) == {
        "intents": ["question"],
        "terms": ["late"],
        "min_priority": "60 >= 50",
    }


def test_first_matching_queue_wins_and_sla_runs_from_routing(store):
    config = make_config(
        queues=[
            {"name": "urgent", "match": {"intents": ["outage"], "min_priority": 70}, "sla": "15m"},
            {"name": "support", "match": {"kinds": ["brand"]}, "sla": "2h"},
        ]
    )
    add_post(store, "1", intents=(("outage", 0.9),), priority=80)
    add_post(store, "2", intents=(("outage", 0.9),), priority=60, author="bo")
    report = route_opportunities(store, config, now=NOW)
    assert (report.created, report.unrouted) == (2, 0)
    rows = opportunities(store)
    assert [(r["post_id"], r["queue"], r["sla_due"]) for r in rows] == [
        ("x:1", "urgent", "2024-05-01T12:15:00Z"),
        ("x:2", "support", "2024-05-01T14:00:00Z"),
    ]
    created = events(store, rows[0]["id"])[0]
    assert created["type"] == "created"
    assert created["detail"]["matched"] == {"intents": ["outage"], "min_priority": "80 >= 70"}


def test_posts_without_opportunity_or_matching_queue_are_not_routed(store):
    add_post(store, "1", opportunity=None)
    add_post(store, "2", kind="competitor", author="bo")
    report = route_opportunities(store, make_config(), now=NOW)
    assert (report.created, report.unrouted) == (0, 1)
    assert opportunities(store) == []


def test_rerouting_is_idempotent(store):
    config = make_config(agents=[{"name": "alice", "queues": ["support"]}])
    add_post(store, "1")
    add_post(store, "2", author="bo")
    first = route_opportunities(store, config, now=NOW)
    assert (first.created, first.assigned) == (2, 2)
    second = route_opportunities(store, config, now=NOW + timedelta(minutes=1))
    assert (second.created, second.joined, second.assigned) == (0, 0, 0)
    assert not second.changed
    assert len(opportunities(store)) == 2
    assert len(events(store)) == 4  # two created, two assigned


def test_same_author_same_thread_joins_the_open_opportunity(store):
    config = make_config()
    add_post(store, "root", thread_id="t1", priority=40, created_at=NOW - timedelta(minutes=9))
    route_opportunities(store, config, now=NOW)
    add_post(store, "reply", thread_id="t1", priority=70, created_at=NOW - timedelta(minutes=2))
    add_post(store, "other", thread_id="t1", author="bo", created_at=NOW - timedelta(minutes=1))
    report = route_opportunities(store, config, now=NOW)
    assert (report.created, report.joined) == (1, 1)
    rows = opportunities(store)
    assert [(r["post_id"], r["thread_key"]) for r in rows] == [
        ("x:root", "x:t1|ann"),
        ("x:other", "x:t1|bo"),
    ]
    assert (rows[0]["priority"], rows[0]["base_priority"]) == (70, 70)
    assert store.queues.opportunity_post_ids(rows[0]["id"]) == ["x:root", "x:reply"]
    joined = events(store, rows[0]["id"])[-1]
    assert (joined["type"], joined["detail"]["post_id"]) == ("joined", "x:reply")
    assert (joined["detail"]["priority_before"], joined["detail"]["priority"]) == (40, 70)


def test_parent_chain_defines_the_thread_and_closed_items_are_not_joined(store):
    config = make_config()
    add_post(store, "a", created_at=NOW - timedelta(minutes=9))
    add_post(store, "b", parent_id="a", opportunity=None, created_at=NOW - timedelta(minutes=8))
    add_post(store, "c", parent_id="x:b", created_at=NOW - timedelta(minutes=7))
    assert (
        thread_key(store, {"post_id": "x:c", "platform": "x", "parent_id": "x:b", "author": "ann"})
        == "x:a|ann"
    )
    report = route_opportunities(store, config, now=NOW)
    assert (report.created, report.joined) == (1, 1)
    store.queues.update_opportunity(1, status="resolved")
    add_post(store, "d", parent_id="c", created_at=NOW - timedelta(minutes=1))
    report = route_opportunities(store, config, now=NOW)
    assert (report.created, report.joined) == (1, 0)


def test_posts_without_author_are_never_grouped(store):
    add_post(store, "1", author=None, thread_id="t")
    add_post(store, "2", author=None, thread_id="t")
    report = route_opportunities(store, make_config(), now=NOW)
    assert (report.created, report.joined) == (2, 0)


def test_sync_agents_keeps_removed_agents_and_returns_their_work(store):
    both = make_config(
        agents=[{"name": "alice", "queues": ["support"]}, {"name": "bob", "queues": ["support"]}]
    )
    add_post(store, "1")
    add_post(store, "2", author="bo")
    report = route_opportunities(store, both, now=NOW)
    assert report.agents_added == ["alice", "bob"]
    assert sorted(r["agent"] for r in opportunities(store)) == ["alice", "bob"]
    only_alice = make_config(agents=[{"name": "alice", "queues": ["support"], "capacity": 1}])
    later = NOW + timedelta(minutes=5)
    report = route_opportunities(store, only_alice, now=later)
    assert report.agents_removed == ["bob"]
    assert report.returned == 1
    rows = {r["name"]: r for r in store.agents.agent_rows()}
    assert rows["bob"]["removed_at"] == "2024-05-01T12:05:00Z"
    assert rows["alice"]["removed_at"] is None
    bob_item = next(r for r in opportunities(store) if r["agent"] is None)
    kinds = [e["type"] for e in events(store, bob_item["id"])]
    assert kinds == ["created", "assigned", "returned"]
    assert events(store, bob_item["id"])[-1]["detail"]["reason"] == "agent removed"
    # bob's history stays: his assignment event still names him
    assert events(store, bob_item["id"])[1]["detail"]["agent"] == "bob"
    readded = route_opportunities(store, both, now=later + timedelta(minutes=1))
    assert readded.agents_added == ["bob"]
    assert {r["name"]: r["removed_at"] for r in store.agents.agent_rows()} == {
        "alice": None,
        "bob": None,
    }


def test_a_follow_up_after_our_answer_is_new_work_for_the_same_agent(store):
    from export.queues.actions import respond
    from export.queues.metrics import compute_stats

    config = make_config(agents=[{"name": "ana", "queues": ["support"]}])
    add_post(store, "1", thread_id="t", created_at=NOW - timedelta(minutes=9))
    route_opportunities(store, config, now=NOW)
    respond(store, config, 1, actor="ana", now=NOW + timedelta(minutes=5))
    add_post(store, "2", thread_id="t", created_at=NOW + timedelta(minutes=6))
    route_opportunities(store, config, now=NOW + timedelta(minutes=7))
    row = opportunities(store)[0]
    assert (row["status"], row["agent"], row["first_response_at"]) == (
        "claimed",
        "ana",
        "2024-05-01T12:05:00Z",
    )
    joined = events(store, 1)[-1]
    assert (joined["type"], joined["detail"]["to_status"]) == ("joined", "claimed")
    [stats] = compute_stats(store, config, now=NOW + timedelta(minutes=8), since=NOW)
    assert (stats["created"], stats["backlog"], stats["response_p50"]) == (1, 1, 300)
