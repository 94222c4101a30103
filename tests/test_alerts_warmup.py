"""Breakdown alerts warm up on the topic's traffic: an hour with posts of the topic but none of
the breakdown is a zero, not a missing value (stored series in a real database)."""

from __future__ import annotations

import pytest
from alertseries import HOUR, NOW, ONE_HOUR, STEADY, add_history, add_hour, add_series, make_config

from earmark.store import Store
from export.alerts.stage import explain_alerts, run_alerts

NEGATIVE = {**ONE_HOUR, "per": ["sentiment:negative"]}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "a.db") as opened:
        yield opened


def test_a_negativity_burst_fires_from_a_quiet_baseline(store):
    add_history(store, "acme", NOW - 14 * HOUR)
    add_series(store, "acme", NOW - HOUR, STEADY, sentiment="neutral")  # never negative
    add_hour(store, "acme", NOW, 8, sentiment="negative", text="acme support is awful")
    alerts = run_alerts(store, make_config(NEGATIVE), now=NOW, notify=False)
    assert [(a.key, a.observed) for a in alerts] == [("spike:acme:sentiment=negative:1h/12h", 8)]
    assert alerts[0].z == 8.0  # (8 - 0) / max(0, sqrt(0), 1)


def test_a_breakdown_stays_cold_while_the_topic_itself_is(store):
    add_history(store, "acme", NOW - 14 * HOUR)
    add_series(store, "acme", NOW - HOUR, [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0], sentiment="neutral")
    add_hour(store, "acme", NOW, 8, sentiment="negative", text="acme support is awful")
    config = make_config(NEGATIVE)
    assert run_alerts(store, config, now=NOW, notify=False) == []
    rows = {row["key"]: row for row in explain_alerts(store, config, now=NOW)}
    negative = rows["spike:acme:sentiment=negative:1h/12h"]
    assert (negative["buckets_with_data"], negative["warm"]) == ("2/12", False)
