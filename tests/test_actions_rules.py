"""Agent actions apply the routing rules (holder, queue, language, capacity), a lead's --force
overrides them and is recorded, resolving counts as the response, escalation needs the skill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, events, make_config, make_store

from export.queues import actions
from export.queues.actions import QueueError
from export.queues.metrics import compute_stats
from export.queues.routing import route_opportunities
from export.queues.views import item_record

LATER = NOW + timedelta(minutes=10)
QUEUES = [
    {"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h", "strategy": "manual"},
    {"name": "sales", "match": {"kinds": ["competitor"]}, "sla": "4h", "strategy": "manual"},
]
AGENTS = [
    {"name": "alice", "queues": ["support"], "languages": ["en", "de"], "capacity": 5},
    {"name": "bob", "queues": ["sales"], "languages": ["en"], "capacity": 1},
    {"name": "dana", "role": "expert", "skills": ["outage"]},
]
CONFIG = make_config(queues=QUEUES, agents=AGENTS)


@pytest.fixture
def store(tmp_path):
    with make_store(tmp_path) as store:
        _three_posts(store)
        route_opportunities(store, CONFIG, now=NOW)
        yield store


def _three_posts(store):
    """Store 1: support in German, 2: sales, 3: support in English (ids in that order)."""
    add_post(store, "a", language="de", created_at=NOW - timedelta(minutes=3))
    add_post(
        store,
        "b",
        kind="competitor",
        opportunity="sales",
        author="s",
        created_at=NOW - timedelta(minutes=2),
    )
    add_post(store, "c", author="e", created_at=NOW - timedelta(minutes=1))


def _refused(call, message):
    with pytest.raises(QueueError) as error:
        call()
    assert str(error.value) == message


def test_claim_refuses_what_routing_would_refuse(store):
    _refused(
        lambda: actions.claim(store, CONFIG, 1, actor="bob", now=LATER),
        "claim 1: bob does not work queue support; add --force to claim anyway",
    )
    actions.claim(store, CONFIG, 2, actor="bob", now=LATER)  # bob is now at capacity (1/1)
    add_post(store, "lead2", kind="competitor", opportunity="sales", author="t")
    route_opportunities(store, CONFIG, now=LATER)
    _refused(
        lambda: actions.claim(store, CONFIG, 4, actor="bob", now=LATER),
        "claim 4: bob is at capacity (1/1); add --force to claim anyway",
    )
    _refused(
        lambda: actions.respond(store, CONFIG, 4, actor="dana", now=LATER),
        "respond 4: dana is an expert (takes escalations only: use `earmark escalate`); "
        "add --force to respond anyway",
    )
    assert [e["type"] for e in events(store, 1)] == ["created"]


def test_claim_refuses_an_agent_without_the_language(tmp_path):
    agents = [{"name": "cy", "queues": ["support"], "languages": ["en"]}]
    config = make_config(queues=QUEUES, agents=agents)
    with make_store(tmp_path) as store:
        add_post(store, "de", language="de")
        route_opportunities(store, config, now=NOW)
        _refused(
            lambda: actions.claim(store, config, 1, actor="cy", now=LATER),
            "claim 1: cy does not speak de; add --force to claim anyway",
        )


def test_a_leads_force_overrides_and_is_recorded(store):
    item = actions.claim(store, CONFIG, 1, actor="bob", now=LATER, force=True)
    assert (item["status"], item["agent"]) == ("claimed", "bob")
    assert events(store, 1)[-1]["detail"]["forced"] == "bob does not work queue support"
    item = actions.resolve(store, CONFIG, 1, actor="lead", now=LATER, force=True)
    assert item["status"] == "resolved"
    assert events(store, 1)[-1]["actor"] == "lead"
    assert events(store, 1)[-1]["detail"]["forced"] == "held by bob"


def test_only_the_holder_resolves_or_dismisses(store):
    actions.claim(store, CONFIG, 3, actor="alice", now=LATER)
    _refused(
        lambda: actions.resolve(store, CONFIG, 3, actor="bob", now=LATER),
        "resolve 3: assigned to alice, not bob; ask alice, or add --force to resolve it anyway",
    )
    _refused(
        lambda: actions.dismiss(store, CONFIG, 3, actor="bob", now=LATER, reason="spam"),
        "dismiss 3: assigned to alice, not bob; ask alice, or add --force to dismiss it anyway",
    )
    assert store.queues.get_opportunity(3)["status"] == "claimed"
    assert actions.resolve(store, CONFIG, 3, actor="alice", now=LATER)["status"] == "resolved"


def _resolved_13_minutes_early(store, config):
    for other in (1, 2):  # dismissed items never count as breaches
        actions.dismiss(store, config, other, actor="lead", now=LATER, reason="test")
    actions.claim(store, config, 3, actor="alice", now=LATER)
    actions.resolve(store, config, 3, actor="alice", now=NOW + timedelta(minutes=47))
    later = NOW + timedelta(hours=2)
    record = item_record(store.queues.get_opportunity(3), later, 0.2)
    stats = compute_stats(store, config, now=later, since=NOW - timedelta(days=1))[0]
    return record["sla"], stats["breaches"]


def test_resolving_counts_as_the_response(store):
    assert _resolved_13_minutes_early(store, CONFIG) == ("met", 0)
    assert events(store, 3)[-1]["detail"]["counts_as_response"] is True
    assert events(store, 3)[-1]["detail"]["within_sla"] is True


def test_unless_the_config_says_otherwise(tmp_path):
    config = make_config(
        queues=QUEUES, agents=AGENTS, routing={"resolve_counts_as_response": False}
    )
    with make_store(tmp_path) as store:
        _three_posts(store)
        route_opportunities(store, config, now=NOW)
        assert _resolved_13_minutes_early(store, config) == ("breached", 1)


def test_escalate_needs_an_expert_with_the_skill(store):
    _refused(
        lambda: actions.escalate(store, CONFIG, 3, actor="alice", now=LATER),
        "escalate 3: no expert has a skill for complaint, support (experts: dana: outage); "
        "add one to the config or name one with --to NAME",
    )
    assert store.queues.get_opportunity(3)["status"] == "open"


def test_escalate_says_when_the_skilled_experts_are_busy(tmp_path):
    agents = [
        {"name": "dana", "role": "expert", "skills": ["outage"]},
        {"name": "eve", "role": "expert", "skills": ["complaint"], "capacity": 0},
    ]
    config = make_config(queues=QUEUES, agents=agents)
    with make_store(tmp_path) as store:
        add_post(store, "en")
        route_opportunities(store, config, now=NOW)
        _refused(
            lambda: actions.escalate(store, config, 1, actor="lead", now=LATER),
            "escalate 1: no expert with a skill for complaint, support is available "
            "(eve: at capacity (0/0)); name one with --to NAME",
        )
        add_post(store, "out", author="o", intents=(("outage", 0.9),))
        route_opportunities(store, config, now=LATER)
        assert actions.escalate(store, config, 2, actor="lead", now=LATER)["agent"] == "dana"
