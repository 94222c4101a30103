"""Assignment: strategies, every constraint, blended capacity and the recorded reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_fixtures import NOW, add_post, agent_of, events, make_config, make_store, opportunities

from export.queues.assign import effective_capacity
from export.queues.routing import route_opportunities


@pytest.fixture
def store(tmp_path):
    with make_store(tmp_path) as store:
        yield store


def _queue(strategy: str) -> list[dict]:
    return [{"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h", "strategy": strategy}]


def _posts(store, count: int, **kwargs) -> list[str]:
    # distinct authors so nothing groups; priorities descend so the order is known
    return [
        add_post(store, str(i), author=f"u{i}", priority=90 - i, **kwargs) for i in range(count)
    ]


@pytest.mark.parametrize(
    ("capacity", "model", "share", "expected"),
    [
        (10, "designated", 1.0, 10),
        (10, "designated", 0.5, 10),
        (10, "blended", 0.5, 5),
        (5, "blended", 0.5, 2),
        (3, "blended", 0.1, 1),
        (0, "blended", 0.5, 0),
        (0, "designated", 1.0, 0),
    ],
)
def test_effective_capacity(capacity, model, share, expected):
    assert effective_capacity(capacity, model, share) == expected


def test_least_loaded_balances_by_load_relative_to_capacity(store):
    config = make_config(
        agents=[
            {"name": "alice", "queues": ["support"], "capacity": 4},
            {"name": "bob", "queues": ["support"], "capacity": 2},
        ]
    )
    ids = _posts(store, 6)
    report = route_opportunities(store, config, now=NOW)
    assert (report.assigned, report.waiting) == (6, 0)
    # 0/4 = 0/2 tie -> alice (never assigned either, so by name); 1/4 > 0/2 -> bob;
    # 1/4 < 1/2 -> alice; 2/4 = 1/2 and both assigned this same minute -> alice by name;
    # 3/4 > 1/2 -> bob; bob is then at capacity 2/2 -> alice.
    owners = agent_of(store)
    assert [owners[i] for i in ids] == ["alice", "bob", "alice", "alice", "bob", "alice"]
    detail = events(store, 4)[-1]["detail"]
    assert (detail["strategy"], detail["matched"]) == ("least_loaded", {"kinds": ["brand"]})
    assert detail["candidates"] == [
        {"agent": "alice", "load": 2, "capacity": 4, "rejected": None},
        {"agent": "bob", "load": 1, "capacity": 2, "rejected": None},
    ]
    assert detail["tie_break"] == (
        "tied on load/capacity and last assignment (alice, bob); first by name"
    )


def test_least_loaded_tie_goes_to_least_recently_assigned(store):
    config = make_config(
        agents=[{"name": "alice", "queues": ["support"]}, {"name": "bob", "queues": ["support"]}]
    )
    add_post(store, "1", author="u1")
    route_opportunities(store, config, now=NOW)  # alice (tie on name), alice now busier
    store.queues.update_opportunity(1, status="resolved")
    add_post(store, "2", author="u2")
    route_opportunities(store, config, now=NOW + timedelta(minutes=1))
    assert agent_of(store)["x:2"] == "bob"
    detail = events(store, 2)[-1]["detail"]
    assert detail["tie_break"] == (
        "tied on load/capacity (bob, alice); least recently assigned (never assigned)"
    )


def test_round_robin_rotates_in_config_order_across_runs(store):
    config = make_config(
        queues=_queue("round_robin"),
        agents=[
            {"name": "zed", "queues": ["support"]},
            {"name": "amy", "queues": ["support"]},
            {"name": "kim", "queues": ["support"], "active": False},
        ],
    )
    add_post(store, "1", author="u1", priority=90)
    add_post(store, "2", author="u2", priority=80)
    add_post(store, "3", author="u3", priority=70)
    route_opportunities(store, config, now=NOW)
    add_post(store, "4", author="u4", priority=60)
    route_opportunities(store, config, now=NOW + timedelta(minutes=1))
    owners = agent_of(store)
    assert [owners[f"x:{i}"] for i in range(1, 5)] == ["zed", "amy", "zed", "amy"]
    detail = events(store, 4)[-1]["detail"]
    assert detail["tie_break"] == "round robin: next in config order after zed"
    assert detail["candidates"][2] == {
        "agent": "kim",
        "load": 0,
        "capacity": 10,
        "rejected": "inactive",
    }


def test_manual_queue_keeps_items_in_the_pool(store):
    config = make_config(queues=_queue("manual"), agents=[{"name": "alice", "queues": ["support"]}])
    _posts(store, 2)
    report = route_opportunities(store, config, now=NOW)
    assert (report.assigned, report.waiting) == (0, 2)
    assert {r["status"] for r in opportunities(store)} == {"open"}


def test_never_beyond_capacity_and_assigned_when_capacity_frees(store):
    config = make_config(agents=[{"name": "alice", "queues": ["support"], "capacity": 2}])
    ids = _posts(store, 3)
    report = route_opportunities(store, config, now=NOW)
    assert (report.assigned, report.waiting) == (2, 1)
    assert agent_of(store)[ids[2]] is None  # the lowest priority waits
    store.queues.update_opportunity(1, status="resolved")
    report = route_opportunities(store, config, now=NOW + timedelta(minutes=1))
    assert (report.assigned, report.waiting) == (1, 0)
    assert agent_of(store)[ids[2]] == "alice"


def test_blended_share_limits_capacity(store):
    config = make_config(
        agents=[
            {"name": "bea", "queues": ["support"], "capacity": 5, "model": "blended", "share": 0.5}
        ]
    )
    _posts(store, 4)
    report = route_opportunities(store, config, now=NOW)
    assert (report.assigned, report.waiting) == (2, 2)


def test_language_inactive_expert_and_queue_constraints(store):
    config = make_config(
        queues=[
            {"name": "support", "match": {"kinds": ["brand"]}},
            {"name": "sales", "match": {"kinds": ["competitor"]}},
        ],
        agents=[
            {"name": "ana", "queues": ["support"], "languages": ["en"]},
            {"name": "ben", "queues": ["support"], "languages": ["es"], "active": False},
            {"name": "dana", "role": "expert", "queues": ["support"], "languages": ["es"]},
            {"name": "sam", "queues": ["sales"], "languages": ["es"]},
        ],
    )
    add_post(store, "es", language="es", text="mi pedido de acme no llega")
    report = route_opportunities(store, config, now=NOW)
    assert (report.assigned, report.waiting) == (0, 1)
    add_post(store, "en", language="en-GB", author="bo")
    report = route_opportunities(store, config, now=NOW)
    assert agent_of(store) == {"x:es": None, "x:en": "ana"}
    assert events(store, 2)[-1]["detail"]["candidates"] == [
        {"agent": "ana", "load": 0, "capacity": 10, "rejected": None},
        {"agent": "ben", "load": 0, "capacity": 10, "rejected": "inactive"},
        {
            "agent": "dana",
            "load": 0,
            "capacity": 10,
            "rejected": "expert (takes escalations only)",
        },
        {"agent": "sam", "load": 0, "capacity": 10, "rejected": "does not work queue support"},
    ]


def test_language_rejection_is_recorded_for_explain(store):
    from export.queues.views import explain, render_explanation

    config = make_config(agents=[{"name": "ana", "queues": ["support"], "languages": ["en"]}])
    add_post(store, "es", language="es")
    route_opportunities(store, config, now=NOW)
    record = explain(store, config, 1, NOW)
    assert record["waiting"]["candidates"] == [
        {"agent": "ana", "load": 0, "capacity": 10, "rejected": "does not speak es"}
    ]
    assert render_explanation(record)[-1] == (
        "waiting: nobody fits now: ana 0/10 rejected: does not speak es"
    )


def test_highest_priority_is_assigned_first(store):
    config = make_config(agents=[{"name": "ana", "queues": ["support"], "capacity": 1}])
    add_post(store, "low", author="u1", priority=20)
    add_post(store, "high", author="u2", priority=95)
    route_opportunities(store, config, now=NOW)
    assert agent_of(store) == {"x:low": None, "x:high": "ana"}


def test_skills_naming_a_queue_count_as_serving_it(store):
    config = make_config(agents=[{"name": "ana", "skills": ["support"]}])
    add_post(store, "1")
    route_opportunities(store, config, now=NOW)
    assert agent_of(store) == {"x:1": "ana"}


def test_agent_queues_for_the_demo(store):
    import io

    from earmark.cli.queue_tables import write_agent_queues
    from export.queues.views import agent_queues

    config = make_config(
        agents=[
            {"name": "ana", "queues": ["support"], "capacity": 1},
            {"name": "dana", "role": "expert"},
        ]
    )
    _posts(store, 2)
    route_opportunities(store, config, now=NOW)
    queues = agent_queues(store, config, NOW)
    assert {name: [r["id"] for r in rows] for name, rows in queues.items()} == {
        "ana": [1],
        "dana": [],
        "(pool)": [2],
    }
    assert queues["ana"][0]["sla_left"] == "1h00m"
    out = io.StringIO()
    write_agent_queues(store, config, NOW, out)
    text = out.getvalue()
    assert "ana: 1/1 open" in text and "dana: 0/10 open (expert)" in text
    assert "(pool): 1 waiting" in text
