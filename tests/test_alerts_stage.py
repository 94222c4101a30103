"""The alerts stage over synthetic time series stored in a real database."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from alertseries import (
    HOUR,
    NOW,
    ONE_HOUR,
    STEADY,
    add_history,
    add_hour,
    add_opportunity,
    add_series,
    make_config,
)

from earmark.store import Store
from export.alerts.detect import AlertError
from export.alerts.stage import explain_alerts, run_alerts


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "a.db") as opened:
        yield opened


def steady_history(store, topic="acme"):
    """Twelve steady baseline hours before NOW - 1h, and posts from well before."""
    add_history(store, topic, NOW - 14 * HOUR)
    add_series(store, topic, NOW - HOUR, STEADY)


def run(store, alerts=None, now=NOW, **options):
    config = make_config(alerts if alerts is not None else ONE_HOUR)
    return run_alerts(store, config, now=now, notify=False, **options)


def test_counts_per_bucket_put_each_post_in_its_hour(store):
    add_hour(store, "acme", NOW, 3)
    add_hour(store, "acme", NOW - 2 * HOUR, 2)
    add_hour(store, "other", NOW + HOUR, 4)  # in the future of NOW: not counted
    counts = store.alerts.count_topic_buckets(NOW, HOUR, 4)
    assert counts == {"acme": [3, 0, 2, 0]}


def test_a_post_exactly_one_window_old_belongs_to_the_baseline(store):
    add_hour(store, "acme", NOW - HOUR + timedelta(minutes=30), 1)  # created at NOW - 1h
    add_hour(store, "acme", NOW + timedelta(minutes=30), 1)  # created at NOW
    assert store.alerts.count_topic_buckets(NOW, HOUR, 2) == {"acme": [1, 1]}


def test_no_alert_on_steady_traffic(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 7)
    assert run(store) == []
    assert store.alerts.alert_states() == {}


def test_alert_on_a_spike_with_the_statistics_terms_and_examples(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 24, text="acme login down again, error 503 on checkout")
    alerts = run(store)
    assert len(alerts) == 1
    record = alerts[0].to_record()
    assert record["key"] == "spike:acme:all:1h/12h"
    assert record["status"] == "firing"
    assert record["observed"] == 24
    assert record["window"] == "1h" and record["baseline"] == "12h" and record["buckets"] == 12
    assert record["baseline_mean"] == 5.92  # mean of STEADY
    assert record["baseline_std"] == 0.76
    # the deviation used is the Poisson floor sqrt(5.92) = 2.43, above the measured 0.76
    assert record["z"] == 7.43
    # Every term is in all 24 spike posts and no baseline post; "acme" is everywhere.
    assert record["terms"] == ["503", "checkout", "down", "error", "login"]
    assert len(record["examples"]) == 3
    assert record["examples"][0]["text"] == "acme login down again, error 503 on checkout"
    assert record["examples"][0]["url"].startswith("https://x.example/status/")
    assert alerts.fired == alerts


def test_no_alert_below_min_count_even_from_a_silent_baseline(store):
    add_history(store, "acme", NOW - 14 * HOUR)
    add_series(store, "acme", NOW - HOUR, [0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    add_hour(store, "acme", NOW, 4)  # z = 3.75 but under min_count 5
    assert run(store) == []
    add_hour(store, "acme", NOW, 1)
    assert [a.observed for a in run(store)] == [5]


def test_no_alert_during_warm_up_before_the_baseline_is_covered(store):
    # Listening started 6 hours ago: half the baseline is empty because nobody looked.
    add_series(store, "acme", NOW - HOUR, STEADY[:5])
    add_hour(store, "acme", NOW, 40, text="acme is down")
    assert run(store) == []


def test_no_alert_during_warm_up_with_too_few_baseline_buckets_with_data(store):
    add_history(store, "acme", NOW - 14 * HOUR)
    add_series(store, "acme", NOW - HOUR, [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0])
    add_hour(store, "acme", NOW, 40, text="acme is down")
    assert run(store, {**ONE_HOUR, "warm_up": 3}) == []
    assert len(run(store, {**ONE_HOUR, "warm_up": 2})) == 1


def test_one_incident_one_alert_then_all_clear_once(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 30, text="acme outage")
    assert [a.status for a in run(store)] == ["firing"]
    # Same incident, next cron runs: nothing new while it lasts.
    assert run(store) == []
    add_hour(store, "acme", NOW + timedelta(minutes=20), 10, text="acme outage")
    assert run(store, now=NOW + timedelta(minutes=20)) == []
    state = store.alerts.alert_states()["spike:acme:all:1h/12h"]
    assert state["state"] == "firing"
    assert state["since"] == "2026-11-20T12:00:00Z"
    # The next hour is calm: one all-clear, then silence.
    add_hour(store, "acme", NOW + 2 * HOUR, 6)
    cleared = run(store, now=NOW + 2 * HOUR)
    assert [a.status for a in cleared] == ["all_clear"]
    record = cleared[0].to_record()
    assert record["fired_at"] == "2026-11-20T12:00:00Z"
    assert record["observed"] == 6
    assert cleared.fired == []
    assert run(store, now=NOW + 2 * HOUR) == []
    assert store.alerts.alert_states()["spike:acme:all:1h/12h"]["state"] == "ok"


def test_a_topic_gone_silent_gets_its_all_clear(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 30)
    assert len(run(store)) == 1
    # Nothing at all for 14 hours: the topic has no counts left in the window.
    later = NOW + 14 * HOUR
    assert [(a.topic, a.status, a.observed) for a in run(store, now=later)] == [
        ("acme", "all_clear", 0)
    ]


def test_a_new_spike_within_the_cooldown_is_not_sent(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 30)
    settings = {**ONE_HOUR, "cooldown": "6h"}
    assert len(run(store, settings)) == 1
    add_hour(store, "acme", NOW + 2 * HOUR, 5)
    assert [a.status for a in run(store, settings, now=NOW + 2 * HOUR)] == ["all_clear"]
    add_hour(store, "acme", NOW + 3 * HOUR, 40)
    assert run(store, settings, now=NOW + 3 * HOUR) == []  # 3h after the last alert
    add_hour(store, "acme", NOW + 7 * HOUR, 60)
    assert [a.status for a in run(store, settings, now=NOW + 7 * HOUR)] == ["firing"]


def test_dry_run_reports_but_keeps_no_state(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 30)
    assert len(run(store, dry_run=True)) == 1
    assert store.alerts.alert_states() == {}
    assert len(run(store, dry_run=True)) == 1


def test_intent_breakdown_fires_when_total_volume_is_flat(store):
    add_history(store, "acme", NOW - 14 * HOUR)
    for hour in range(1, 13):
        end = NOW - hour * HOUR
        outages = 1 if hour % 2 else 0
        add_hour(store, "acme", end, 9 - outages, intent="question")
        add_hour(store, "acme", end, outages, intent="outage", text="acme app is down")
    add_hour(store, "acme", NOW, 2, intent="question")
    add_hour(store, "acme", NOW, 7, intent="outage", text="acme app is down, login fails")
    alerts = run(store, {**ONE_HOUR, "per": ["intent:outage", "sentiment:negative"]})
    assert [(a.key, a.observed) for a in alerts] == [("spike:acme:intent=outage:1h/12h", 7)]
    assert alerts[0].breakdown == "intent:outage"
    assert all("question" not in e["text"] for e in alerts[0].examples)


def test_sentiment_breakdown_counts_only_that_sentiment(store):
    steady_history(store)
    add_hour(store, "acme", NOW - 3 * HOUR, 1, sentiment="negative")
    add_hour(store, "acme", NOW - 5 * HOUR, 1, sentiment="negative")
    add_hour(store, "acme", NOW - 8 * HOUR, 1, sentiment="negative")
    add_hour(store, "acme", NOW, 8, sentiment="negative", text="acme support is awful")
    alerts = run(store, {**ONE_HOUR, "per": ["sentiment:negative"]})
    # 8 posts in all is ordinary traffic; 8 negative ones against 3 in 12 hours is not.
    assert [(a.key, a.observed) for a in alerts] == [("spike:acme:sentiment=negative:1h/12h", 8)]


def test_unknown_intent_in_per_is_an_error(store):
    with pytest.raises(AlertError) as caught:
        run(store, {**ONE_HOUR, "per": ["intent:outgae"]})
    assert str(caught.value) == "alerts.per[0]: unknown intent 'outgae'"


def test_threshold_on_open_items_per_topic_and_queue(store):
    for _ in range(3):
        add_opportunity(store, "acme", queue="urgent")
    add_opportunity(store, "acme", queue="urgent", status="resolved")
    add_opportunity(store, "rival", queue="support")
    settings = {
        "windows": [],
        "thresholds": [
            {"topic": "acme", "max_open": 2},
            {"queue": "urgent", "max_open": 3},
            {"queue": "support", "max_open": 0},
        ],
    }
    alerts = run(store, settings)
    assert [(a.key, a.observed, a.limit) for a in alerts] == [
        ("threshold:open:topic=acme", 3, 2),
        ("threshold:open:queue=support", 1, 0),
    ]
    assert run(store, settings) == []  # still over: no second alert
    store.conn.execute("UPDATE opportunities SET status = 'resolved' WHERE queue = 'support'")
    assert [(a.key, a.status) for a in run(store, settings)] == [
        ("threshold:open:queue=support", "all_clear")
    ]


def test_threshold_on_sla_breaches(store):
    past, future = NOW - timedelta(minutes=5), NOW + HOUR
    add_opportunity(store, "acme", queue="urgent", sla_due=past)
    add_opportunity(store, "acme", queue="urgent", status="assigned", sla_due=past)
    add_opportunity(store, "acme", queue="urgent", sla_due=past, first_response_at=past)
    add_opportunity(store, "acme", queue="urgent", status="dismissed", sla_due=past)
    add_opportunity(store, "acme", queue="support", sla_due=future)
    add_opportunity(store, "rival", queue="support", sla_due=past)
    settings = {
        "windows": [],
        "thresholds": [
            {"sla_breaches": 2},
            {"queue": "urgent", "sla_breaches": 2},
            {"topic": "rival", "sla_breaches": 0},
        ],
    }
    alerts = run(store, settings)
    assert [(a.key, a.observed) for a in alerts] == [
        ("threshold:sla_breaches:all", 3),
        ("threshold:sla_breaches:topic=rival", 1),
    ]
    assert alerts[0].to_record()["metric"] == "sla_breaches"


def test_thresholds_and_topics_must_name_configured_ones(store):
    config = make_config(
        {"windows": [], "thresholds": [{"queue": "urgnet", "max_open": 1}]},
        queues=[{"name": "urgent"}],
    )
    with pytest.raises(AlertError) as caught:
        run_alerts(store, config, now=NOW, notify=False)
    assert str(caught.value) == "alerts.thresholds[0].queue: unknown queue 'urgnet'"
    with pytest.raises(AlertError) as caught:
        run(store, {**ONE_HOUR, "topics": ["acne"]})
    assert str(caught.value) == "alerts.topics[0]: unknown topic 'acne'"


def test_explain_lists_every_check_without_changing_state(store):
    steady_history(store)
    add_hour(store, "acme", NOW, 30)
    add_hour(store, "rival", NOW, 2)
    settings = {**ONE_HOUR, "thresholds": [{"max_open": 0}]}
    rows = explain_alerts(store, make_config(settings), now=NOW)
    assert [(r["key"], r["observed"], r["warm"], r["action"]) for r in rows] == [
        ("spike:acme:all:1h/12h", 30, True, "fire"),
        ("spike:rival:all:1h/12h", 2, False, ""),
        ("threshold:open:all", 0, None, ""),
    ]
    assert rows[0]["buckets_with_data"] == "12/12"
    assert store.alerts.alert_states() == {}


@pytest.fixture
def new_york(monkeypatch):
    """Run with a local time zone that is not UTC (naive datetimes would be read in it)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_naive_now_is_taken_as_utc(store, new_york):
    add_hour(store, "acme", NOW, 3)
    naive = NOW.replace(tzinfo=None)
    assert store.alerts.count_topic_buckets(naive, HOUR, 2) == {"acme": [3, 0]}
