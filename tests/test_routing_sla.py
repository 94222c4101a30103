"""SLA states, re-prioritisation and return-to-pool of unanswered assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, events, make_config, make_store, opportunities

from export.queues.actions import claim
from export.queues.routing import route_opportunities
from export.queues.sla import sla_state


@pytest.fixture
def store(tmp_path):
    with make_store(tmp_path) as store:
        yield store


ITEM = {"created_at": "2024-05-01T12:00:00Z", "sla_due": "2024-05-01T13:40:00Z"}


@pytest.mark.parametrize(
    ("minutes", "state"),
    [
        (0, "on_track"),
        (79, "on_track"),  # the window is 100 minutes; the last 20% starts at minute 80
        (80, "at_risk"),
        (99, "at_risk"),
        (100, "breached"),
        (500, "breached"),
    ],
)
def test_sla_state_over_the_window(minutes, state):
    assert sla_state(ITEM, NOW + timedelta(minutes=minutes), 0.2) == state


def test_answered_items_report_met_or_late():
    assert sla_state({**ITEM, "first_response_at": "2024-05-01T13:40:00Z"}, NOW) == "met"
    assert sla_state({**ITEM, "first_response_at": "2024-05-01T13:41:00Z"}, NOW) == "late"


def test_at_risk_and_breached_items_are_reprioritised_once(store):
    config = make_config()  # no agents: items stay in the pool
    add_post(store, "1", priority=50)
    add_post(store, "2", priority=95, author="bo")
    route_opportunities(store, config, now=NOW)
    report = route_opportunities(store, config, now=NOW + timedelta(minutes=50))
    assert (report.at_risk, report.breached) == (2, 0)
    assert [r["priority"] for r in opportunities(store)] == [60, 100]
    again = route_opportunities(store, config, now=NOW + timedelta(minutes=55))
    assert (again.at_risk, again.breached, again.changed) == (0, 0, False)
    report = route_opportunities(store, config, now=NOW + timedelta(hours=1))
    assert (report.at_risk, report.breached) == (0, 2)
    assert [r["priority"] for r in opportunities(store)] == [70, 100]
    log = events(store, 1)
    assert [e["type"] for e in log] == ["created", "sla_at_risk", "sla_breached"]
    assert log[1]["detail"]["priority_before"] == 50
    assert log[1]["detail"]["priority"] == 60
    assert log[2]["detail"]["priority"] == 70


def test_answered_items_are_not_bumped(store):
    config = make_config(agents=[{"name": "ana", "queues": ["support"]}])
    add_post(store, "1")
    route_opportunities(store, config, now=NOW)
    store.queues.update_opportunity(1, status="responded", first_response_at="2024-05-01T12:10:00Z")
    report = route_opportunities(store, config, now=NOW + timedelta(hours=2))
    assert (report.at_risk, report.breached) == (0, 0)


def test_unanswered_assignment_returns_to_the_pool_and_goes_to_someone_else(store):
    config = make_config(
        agents=[{"name": "ana", "queues": ["support"]}, {"name": "bob", "queues": ["support"]}],
        routing={"return_after": "30m"},
    )
    add_post(store, "1")
    route_opportunities(store, config, now=NOW)
    assert opportunities(store)[0]["agent"] == "ana"
    report = route_opportunities(store, config, now=NOW + timedelta(minutes=29))
    assert report.returned == 0
    report = route_opportunities(store, config, now=NOW + timedelta(minutes=30))
    assert (report.returned, report.assigned) == (1, 1)
    row = opportunities(store)[0]
    assert (row["status"], row["agent"]) == ("assigned", "bob")
    log = events(store, 1)
    assert [e["type"] for e in log] == ["created", "assigned", "returned", "assigned"]
    assert log[2]["detail"] == {
        "agent": "ana",
        "assigned_at": "2024-05-01T12:00:00Z",
        "from_status": "assigned",
        "reason": "unanswered",
        "return_after": "30m",
    }
    assert log[3]["detail"]["candidates"][0]["rejected"] == "left this item unanswered before"


def test_claimed_items_stay_with_their_agent(store):
    config = make_config(
        agents=[{"name": "ana", "queues": ["support"]}], routing={"return_after": "30m"}
    )
    add_post(store, "1")
    route_opportunities(store, config, now=NOW)
    claim(store, config, 1, actor="ana", now=NOW + timedelta(minutes=5))
    report = route_opportunities(store, config, now=NOW + timedelta(hours=3))
    assert report.returned == 0
    assert opportunities(store)[0]["agent"] == "ana"


def test_inactive_agents_work_goes_back_to_the_pool(store):
    active = make_config(agents=[{"name": "ana", "queues": ["support"]}])
    add_post(store, "1")
    route_opportunities(store, active, now=NOW)
    away = make_config(agents=[{"name": "ana", "queues": ["support"], "active": False}])
    report = route_opportunities(store, away, now=NOW + timedelta(minutes=1))
    assert (report.returned, report.assigned, report.waiting) == (1, 0, 1)
    assert events(store, 1)[-1]["detail"]["reason"] == "agent inactive"


def test_render_sla_reads_naturally():
    from export.queues.views import render_sla

    assert render_sla({"sla": "on_track", "sla_left": "47m"}) == "on_track (47m left)"
    assert render_sla({"sla": "breached", "sla_left": "-1h05m"}) == "breached (1h05m overdue)"
    assert render_sla({"sla": "met", "sla_left": ""}) == "met"
