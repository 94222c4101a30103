"""Agent actions: every transition with its event, and the invalid ones with exact errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, events, make_config, make_store

from export.queues import actions
from export.queues.actions import QueueError, resolve_actor
from export.queues.routing import route_opportunities
from export.queues.views import next_item

LATER = NOW + timedelta(minutes=10)
CONFIG = make_config(
    queues=[
        {"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h", "strategy": "manual"},
    ],
    agents=[
        {"name": "ana", "queues": ["support"], "capacity": 2},
        {"name": "bob", "queues": ["support"], "languages": ["en", "es"]},
        {"name": "cy", "queues": ["support"], "active": False},
        {"name": "dana", "role": "expert", "skills": ["outage"]},
        {"name": "eve", "role": "expert", "skills": ["billing"]},
    ],
)


@pytest.fixture
def store(tmp_path):
    with make_store(tmp_path) as store:
        add_post(store, "1", priority=40)
        add_post(store, "2", priority=80, author="bo", intents=(("outage", 0.9),))
        route_opportunities(store, CONFIG, now=NOW)
        yield store


def _last(store, ident):
    event = events(store, ident)[-1]
    return event["type"], event["actor"], event["at"], event["detail"]


def test_claim_from_the_pool(store):
    item = actions.claim(store, CONFIG, 1, actor="ana", now=LATER)
    assert (item["status"], item["agent"], item["assigned_at"]) == (
        "claimed",
        "ana",
        "2024-05-01T12:10:00Z",
    )
    assert _last(store, 1) == (
        "claimed",
        "ana",
        "2024-05-01T12:10:00Z",
        {"agent": "ana", "from_status": "open", "queue": "support"},
    )


def test_respond_marks_first_response_only_once(store):
    actions.claim(store, CONFIG, 1, actor="ana", now=LATER)
    item = actions.respond(store, CONFIG, 1, actor="ana", now=LATER + timedelta(minutes=5))
    assert (item["status"], item["first_response_at"]) == ("responded", "2024-05-01T12:15:00Z")
    assert _last(store, 1)[3] == {
        "agent": "ana",
        "first": True,
        "from_status": "claimed",
        "sla_due": "2024-05-01T13:00:00Z",
        "within_sla": True,
    }
    item = actions.respond(store, CONFIG, 1, actor="ana", now=LATER + timedelta(hours=2))
    assert item["first_response_at"] == "2024-05-01T12:15:00Z"
    assert _last(store, 1)[3]["first"] is False


def test_resolve_with_note_dismiss_with_reason(store):
    item = actions.resolve(store, CONFIG, 1, actor="lead", now=LATER, note="refund sent")
    assert (item["status"], item["closed_at"]) == ("resolved", "2024-05-01T12:10:00Z")
    assert _last(store, 1) == (
        "resolved",
        "lead",
        "2024-05-01T12:10:00Z",
        {
            "agent": None,
            "counts_as_response": True,
            "from_status": "open",
            "note": "refund sent",
            "within_sla": True,
        },
    )
    item = actions.dismiss(store, CONFIG, 2, actor="lead", now=LATER, reason=" spam ")
    assert item["status"] == "dismissed"
    assert _last(store, 2)[3] == {"agent": None, "from_status": "open", "reason": "spam"}


def test_reassign_and_its_checks(store):
    item = actions.reassign(store, CONFIG, 1, to="bob", actor="lead", now=LATER)
    assert (item["status"], item["agent"]) == ("assigned", "bob")
    assert _last(store, 1)[:2] == ("reassigned", "lead")
    assert _last(store, 1)[3] == {
        "agent": "bob",
        "from_agent": None,
        "from_status": "open",
        "queue": "support",
    }
    with pytest.raises(QueueError) as error:
        actions.reassign(store, CONFIG, 1, to="bob", actor="lead", now=LATER)
    assert str(error.value) == "reassign 1: already with bob"
    with pytest.raises(QueueError) as error:
        actions.reassign(store, CONFIG, 1, to="cy", actor="lead", now=LATER)
    assert str(error.value) == "reassign 1: agent cy is inactive (active: false in the config)"
    with pytest.raises(QueueError) as error:
        actions.reassign(store, CONFIG, 1, to="zoe", actor="lead", now=LATER)
    assert str(error.value) == (
        "reassign 1: 'zoe' is not a known agent (agents: ana, bob, cy, dana, eve)"
    )


def test_reassign_respects_capacity_unless_forced(store):
    actions.reassign(store, CONFIG, 1, to="ana", actor="lead", now=LATER)
    actions.reassign(store, CONFIG, 2, to="ana", actor="lead", now=LATER)
    add_post(store, "3", author="cy")
    route_opportunities(store, CONFIG, now=LATER)
    with pytest.raises(QueueError) as error:
        actions.reassign(store, CONFIG, 3, to="ana", actor="lead", now=LATER)
    assert str(error.value) == (
        "reassign 3: ana is at capacity (2/2); add --force to reassign anyway"
    )
    item = actions.reassign(store, CONFIG, 3, to="ana", actor="lead", now=LATER, force=True)
    assert item["agent"] == "ana"


def test_reassign_refuses_an_agent_without_the_language(store):
    add_post(store, "es", author="cy", language="es")
    route_opportunities(store, CONFIG, now=LATER)
    with pytest.raises(QueueError) as error:
        actions.reassign(store, CONFIG, 3, to="ana", actor="lead", now=LATER)
    assert str(error.value) == "reassign 3: ana does not speak es; add --force to reassign anyway"
    assert actions.reassign(store, CONFIG, 3, to="bob", actor="lead", now=LATER)["agent"] == "bob"


def test_escalate_picks_the_skilled_expert(store):
    item = actions.escalate(store, CONFIG, 2, actor="ana", now=LATER)
    assert (item["status"], item["agent"]) == ("escalated", "dana")
    kind, actor, _, detail = _last(store, 2)
    assert (kind, actor, detail["agent"], detail["from_status"]) == (
        "escalated",
        "ana",
        "dana",
        "open",
    )
    assert [c["rejected"] for c in detail["candidates"]] == [None, "no matching skill"]
    # the expert answers and resolves
    actions.respond(store, CONFIG, 2, actor="dana", now=LATER)
    assert actions.resolve(store, CONFIG, 2, actor="dana", now=LATER)["status"] == "resolved"


def test_escalate_to_a_named_expert(store):
    item = actions.escalate(store, CONFIG, 1, actor="ana", now=LATER, to="eve")
    assert (item["status"], item["agent"]) == ("escalated", "eve")
    with pytest.raises(QueueError) as error:
        actions.escalate(store, CONFIG, 1, actor="ana", now=LATER, to="eve")
    assert str(error.value) == "escalate 1: already escalated to eve"


def test_reopen_goes_back_to_the_last_agent_or_the_pool(store):
    actions.claim(store, CONFIG, 1, actor="ana", now=LATER)
    actions.resolve(store, CONFIG, 1, actor="ana", now=LATER)
    item = actions.reopen(store, CONFIG, 1, actor="ana", now=LATER + timedelta(hours=1))
    assert (item["status"], item["agent"], item["closed_at"]) == ("assigned", "ana", None)
    assert _last(store, 1)[3] == {
        "agent": "ana",
        "from_status": "resolved",
        "to_status": "assigned",
    }
    actions.dismiss(store, CONFIG, 2, actor="lead", now=LATER, reason="spam")
    item = actions.reopen(store, CONFIG, 2, actor="lead", now=LATER)
    assert (item["status"], item["agent"]) == ("open", None)


def test_every_action_is_one_event_with_actor_and_time(store):
    actions.claim(store, CONFIG, 1, actor="ana", now=NOW + timedelta(minutes=1))
    actions.respond(store, CONFIG, 1, actor="ana", now=NOW + timedelta(minutes=2))
    actions.escalate(store, CONFIG, 1, actor="ana", now=NOW + timedelta(minutes=3), to="dana")
    actions.reassign(store, CONFIG, 1, to="bob", actor="lead", now=NOW + timedelta(minutes=4))
    actions.resolve(store, CONFIG, 1, actor="bob", now=NOW + timedelta(minutes=5))
    actions.reopen(store, CONFIG, 1, actor="lead", now=NOW + timedelta(minutes=6))
    actions.dismiss(
        store,
        CONFIG,
        1,
        actor="lead",
        now=NOW + timedelta(minutes=7),
        reason="duplicate",
        force=True,
    )
    assert [(e["type"], e["actor"], e["at"][11:16]) for e in events(store, 1)] == [
        ("created", "earmark", "12:00"),
        ("claimed", "ana", "12:01"),
        ("responded", "ana", "12:02"),
        ("escalated", "ana", "12:03"),
        ("reassigned", "lead", "12:04"),
        ("resolved", "bob", "12:05"),
        ("reopened", "lead", "12:06"),
        ("dismissed", "lead", "12:07"),
    ]


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (
            [("dismiss",)],
            ("resolve",),
            "resolve 1: cannot resolve a dismissed item; reopen it first with `earmark reopen 1`",
        ),
        (
            [("resolve",)],
            ("claim", "ana"),
            "claim 1: cannot claim a resolved item; reopen it first with `earmark reopen 1`",
        ),
        (
            [("resolve",)],
            ("dismiss",),
            "dismiss 1: cannot dismiss a resolved item; reopen it first with `earmark reopen 1`",
        ),
        (
            [],
            ("reopen",),
            "reopen 1: cannot reopen an open item; "
            "only resolved or dismissed items can be reopened",
        ),
        (
            [("reassign", "bob")],
            ("claim", "ana"),
            "claim 1: assigned to bob, not ana; ask a lead to run `earmark reassign 1 --to ana`",
        ),
        (
            [("reassign", "bob")],
            ("respond", "ana"),
            "respond 1: assigned to bob, not ana; ask a lead to run `earmark reassign 1 --to ana`",
        ),
        ([("claim", "bob")], ("claim", "ana"), "claim 1: already claimed by bob"),
        ([("claim", "bob")], ("claim", "bob"), "claim 1: already claimed by you (bob)"),
        (
            [("claim", "bob"), ("respond", "bob")],
            ("claim", "bob"),
            "claim 1: cannot claim a responded item (held by bob)",
        ),
        ([], ("claim", "cy"), "claim 1: agent cy is inactive (active: false in the config)"),
        (
            [],
            ("claim", "zed"),
            "claim 1: 'zed' is not a known agent (agents: ana, bob, cy, dana, eve)",
        ),
    ],
)
def test_invalid_transitions_are_clear_errors(store, setup, action, message):
    def run(step):
        name, *args = step
        if name in ("claim", "respond"):
            return getattr(actions, name)(store, CONFIG, 1, actor=args[0], now=LATER)
        if name == "reassign":
            return actions.reassign(store, CONFIG, 1, to=args[0], actor="lead", now=LATER)
        if name == "dismiss":
            return actions.dismiss(store, CONFIG, 1, actor="lead", now=LATER, reason="spam")
        if name == "reopen":
            return actions.reopen(store, CONFIG, 1, actor="lead", now=LATER)
        return actions.resolve(store, CONFIG, 1, actor="lead", now=LATER)

    for step in setup:
        run(step)
    before = len(events(store, 1))
    with pytest.raises(QueueError) as error:
        run(action)
    assert str(error.value) == message
    assert len(events(store, 1)) == before  # nothing recorded


def test_unknown_id_and_missing_reason(store):
    with pytest.raises(QueueError) as error:
        actions.resolve(store, CONFIG, 99, actor="lead", now=LATER)
    assert (
        str(error.value) == "resolve 99: no such opportunity (list open ones with `earmark queue`)"
    )
    with pytest.raises(QueueError) as error:
        actions.dismiss(store, CONFIG, 1, actor="lead", now=LATER, reason="  ")
    assert str(error.value) == "dismiss 1: give a reason with --reason"


def test_resolve_actor_order():
    assert resolve_actor("ana", {"EARMARK_AGENT": "bob", "USER": "cy"}) == "ana"
    assert resolve_actor(None, {"EARMARK_AGENT": "bob", "USER": "cy"}) == "bob"
    assert resolve_actor(None, {"USER": "cy"}) == "cy"
    with pytest.raises(QueueError) as error:
        resolve_actor(None, {})
    assert str(error.value) == (
        "no agent name: pass --agent NAME (or --as NAME) or set EARMARK_AGENT"
    )


def test_next_shows_own_items_first_then_the_pool(store):
    record, mine = next_item(store, CONFIG, "ana", LATER)
    assert (record["id"], mine) == (2, False)  # highest priority in the pool
    actions.claim(store, CONFIG, 1, actor="ana", now=LATER)
    record, mine = next_item(store, CONFIG, "ana", LATER)
    assert (record["id"], mine, record["sla"], record["sla_left"]) == (1, True, "on_track", "50m")
    actions.respond(store, CONFIG, 1, actor="ana", now=LATER)
    assert next_item(store, CONFIG, "ana", LATER)[0]["id"] == 2  # answered: back to the pool
    assert next_item(store, CONFIG, "dana", LATER) is None  # experts take escalations only
    actions.escalate(store, CONFIG, 2, actor="ana", now=LATER, to="dana")
    assert next_item(store, CONFIG, "dana", LATER)[0]["id"] == 2


def test_next_skips_pool_items_in_languages_the_agent_lacks(store):
    actions.dismiss(store, CONFIG, 1, actor="lead", now=LATER, reason="x")
    actions.dismiss(store, CONFIG, 2, actor="lead", now=LATER, reason="x")
    add_post(store, "es", author="zz", language="es", priority=99)
    route_opportunities(store, CONFIG, now=LATER)
    assert next_item(store, CONFIG, "ana", LATER) is None
    assert next_item(store, CONFIG, "bob", LATER)[0]["id"] == 3
