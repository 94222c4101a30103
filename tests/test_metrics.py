"""Metrics on a hand-checked event log; every expected number is worked out in the comments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from queue_fixtures import NOW, add_post, make_config, make_store

from export.queues import actions
from export.queues.metrics import compute_stats, percentile, table_columns, to_table_rows
from export.queues.routing import route_opportunities
from export.queues.sparkline import render_sparkline

CONFIG = make_config(
    queues=[
        {"name": "urgent", "match": {"intents": ["outage"]}, "sla": "15m", "strategy": "manual"},
        {"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h", "strategy": "manual"},
    ],
    agents=[{"name": "ana", "queues": ["support"]}, {"name": "bob", "queues": ["support"]}],
)
STATS_AT = NOW + timedelta(hours=2)


def _at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def store(tmp_path):
    """Five opportunities, all created at 12:00 (SLA: support 1h -> 13:00, urgent 15m)."""
    with make_store(tmp_path) as store:
        for i in range(1, 6):
            add_post(
                store,
                str(i),
                author=f"u{i}",
                platform="reddit" if i == 4 else "x",
                intents=(("outage", 0.9),) if i == 4 else (("complaint", 0.9),),
                created_at=NOW - timedelta(minutes=10 - i),
            )
        add_post(store, "noise", author="n", opportunity=None)  # volume only
        route_opportunities(store, CONFIG, now=NOW)
        # 1 support: ana claims +10m, responds +20m, resolves +30m
        actions.claim(store, CONFIG, 1, actor="ana", now=_at(10))
        actions.respond(store, CONFIG, 1, actor="ana", now=_at(20))
        actions.resolve(store, CONFIG, 1, actor="ana", now=_at(30))
        # 2 support: bob claims +5m, responds +70m (after the 13:00 deadline: a breach)
        actions.claim(store, CONFIG, 2, actor="bob", now=_at(5))
        actions.respond(store, CONFIG, 2, actor="bob", now=_at(70))
        # 3 support: ana claims +30m, never answers (past 13:00 at 14:00: a breach)
        actions.claim(store, CONFIG, 3, actor="ana", now=_at(30))
        # 4 urgent: bob (a lead's override: he works support) claims +2m, responds +4m,
        # resolves +6m
        actions.claim(store, CONFIG, 4, actor="bob", now=_at(2), force=True)
        actions.respond(store, CONFIG, 4, actor="bob", now=_at(4))
        actions.resolve(store, CONFIG, 4, actor="bob", now=_at(6))
        # 5 support: dismissed at +1m unanswered (not a breach, never assigned)
        actions.dismiss(store, CONFIG, 5, actor="lead", now=_at(1), reason="spam")
        yield store


def test_percentile_interpolates_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([1, 3], 0.5) == 2
    assert percentile([10, 20, 30, 40, 50], 0.9) == 46  # position 3.6: 40 + 0.6 * 10


def test_overall_stats(store):
    [record] = compute_stats(store, CONFIG, now=STATS_AT, since=STATS_AT - timedelta(days=1))
    # assignment: 600, 300, 1800, 120 s -> sorted 120 300 600 1800
    #   p50 = (300 + 600) / 2 = 450; p90 at position 2.7 = 600 + 0.7 * 1200 = 1440
    # first response: 1200, 4200, 240 s -> sorted 240 1200 4200
    #   p50 = 1200; p90 at position 1.8 = 1200 + 0.8 * 3000 = 3600
    assert record == {
        "scope": "all",
        "posts": 6,
        "created": 5,
        "assign_p50": 450,
        "assign_p90": 1440,
        "response_p50": 1200,
        "response_p90": 3600,
        "breaches": 2,
        "resolved": 2,
        "resolution_rate": 0.4,
        "backlog": 2,
        "load": 2,
        "capacity": 20,
    }


def test_stats_by_queue(store):
    records = compute_stats(
        store, CONFIG, now=STATS_AT, since=STATS_AT - timedelta(days=1), by="queue"
    )
    # support: assignment 600 300 1800 -> p50 600, p90 at 1.8 = 600 + 0.8 * 1200 = 1560
    #          response 1200 4200 -> p50 2700, p90 at 0.9 = 1200 + 0.9 * 3000 = 3900
    assert records == [
        {
            "queue": "support",
            "posts": 4,
            "created": 4,
            "assign_p50": 600,
            "assign_p90": 1560,
            "response_p50": 2700,
            "response_p90": 3900,
            "breaches": 2,
            "resolved": 1,
            "resolution_rate": 0.25,
            "backlog": 2,
        },
        {
            "queue": "urgent",
            "posts": 1,
            "created": 1,
            "assign_p50": 120,
            "assign_p90": 120,
            "response_p50": 240,
            "response_p90": 240,
            "breaches": 0,
            "resolved": 1,
            "resolution_rate": 1.0,
            "backlog": 0,
        },
    ]


def test_stats_by_agent_include_load_against_capacity(store):
    records = compute_stats(
        store, CONFIG, now=STATS_AT, since=STATS_AT - timedelta(days=1), by="agent"
    )
    by_name = {r["agent"]: r for r in records}
    assert list(by_name) == ["ana", "bob", "(pool)"]
    # ana holds 1 and 3: assignment 600 1800 -> p50 1200, p90 600 + 0.9 * 1200 = 1680
    assert by_name["ana"] == {
        "agent": "ana",
        "posts": 2,
        "created": 2,
        "assign_p50": 1200,
        "assign_p90": 1680,
        "response_p50": 1200,
        "response_p90": 1200,
        "breaches": 1,
        "resolved": 1,
        "resolution_rate": 0.5,
        "backlog": 1,
        "load": 1,
        "capacity": 10,
    }
    # bob holds 2 and 4: assignment 300 120 -> p50 210, p90 120 + 0.9 * 180 = 282
    #                    response 4200 240 -> p50 2220, p90 240 + 0.9 * 3960 = 3804
    assert (
        by_name["bob"]["assign_p50"],
        by_name["bob"]["assign_p90"],
        by_name["bob"]["response_p50"],
        by_name["bob"]["response_p90"],
    ) == (210, 282, 2220, 3804)
    assert (by_name["(pool)"]["created"], by_name["(pool)"]["load"]) == (1, None)


def test_stats_by_platform(store):
    records = compute_stats(
        store, CONFIG, now=STATS_AT, since=STATS_AT - timedelta(days=1), by="platform"
    )
    assert [(r["platform"], r["posts"], r["created"], r["backlog"]) for r in records] == [
        ("reddit", 1, 1, 0),
        ("x", 5, 4, 2),
    ]


def test_the_window_excludes_older_opportunities(store):
    records = compute_stats(store, CONFIG, now=STATS_AT, since=NOW + timedelta(minutes=1))
    assert (records[0]["created"], records[0]["backlog"]) == (0, 2)


def test_table_rows_are_readable(store):
    [row] = to_table_rows(
        compute_stats(store, CONFIG, now=STATS_AT, since=STATS_AT - timedelta(days=1)), None
    )
    assert {k: row[k] for k in table_columns(None)} == {
        "scope": "all",
        "posts": 6,
        "created": 5,
        "backlog": 2,
        "assign_p50": "7m",
        "assign_p90": "24m",
        "response_p50": "20m",
        "response_p90": "1h00m",
        "breaches": 2,
        "resolution_rate": "40%",
        "load": "2/20",
    }


def test_topic_stats_share_of_voice_and_trend(tmp_path):
    now = datetime(2024, 5, 3, 12, 0, tzinfo=timezone.utc)
    config = make_config()
    config.topics = []
    with make_store(tmp_path) as store:
        posts = [
            ("a1", "acme", "brand", "negative", "2024-04-30T13:00"),
            ("a2", "acme", "brand", "positive", "2024-05-01T09:00"),
            ("a3", "acme", "brand", "neutral", "2024-05-01T10:00"),
            ("a4", "acme", "brand", "positive", "2024-05-03T08:00"),
            ("g1", "globex", "competitor", "negative", "2024-05-02T08:00"),
            ("old", "globex", "competitor", "negative", "2024-04-20T08:00"),
        ]
        for ident, topic, kind, sentiment, when in posts:
            add_post(
                store,
                ident,
                topic=topic,
                kind=kind,
                sentiment=sentiment,
                opportunity=None,
                created_at=datetime.fromisoformat(when).replace(tzinfo=timezone.utc),
            )
        records = compute_stats(store, config, now=now, since=now - timedelta(days=3), by="topic")
        table = to_table_rows(records, "topic")
    assert records == [
        {
            "topic": "acme",
            "kind": "brand",
            "posts": 4,
            "negative": 1,
            "neutral": 1,
            "positive": 2,
            "share_of_voice": 0.8,
            "vs_brand": None,
            "per_day": [1, 2, 0, 1],
        },
        {
            "topic": "globex",
            "kind": "competitor",
            "posts": 1,
            "negative": 1,
            "neutral": 0,
            "positive": 0,
            "share_of_voice": 0.2,
            "vs_brand": {"acme": 0.8},
            "per_day": [0, 0, 1, 0],
        },
    ]
    assert table[0]["sentiment"] == "neg 25% neu 25% pos 50%"
    assert table[0]["trend"] == "▅█▁▅"
    assert (table[1]["share_of_voice"], table[1]["vs_brand"]) == ("20%", "acme 80%")


def test_sparkline():
    assert render_sparkline([]) == ""
    assert render_sparkline([0, 0]) == "▁▁"
    assert render_sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"


def test_render_stats_for_the_demo(store):
    import io

    from earmark.cli.queue_tables import render_stats

    out = io.StringIO()
    records = compute_stats(
        store, CONFIG, now=STATS_AT, since=STATS_AT - timedelta(days=1), by="queue"
    )
    render_stats(records, "queue", title="queues", out=out)
    lines = out.getvalue().splitlines()
    assert lines[0].strip() == "queues"
    assert any("support" in line and "25%" in line for line in lines)
