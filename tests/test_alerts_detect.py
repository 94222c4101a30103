"""Alert settings and the pure detection functions: statistics, state machine, terms."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earmark.configload import ConfigError
from earmark.settings.alerts import AlertSettings, AlertWindow, load_alert_settings
from export.alerts.detect import baseline_stats, check_spike, next_state, z_score
from export.alerts.terms import pick_examples, tokenize, top_terms

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
COOLDOWN = timedelta(hours=2)


def test_defaults_compare_an_hour_with_12_hours_and_a_day_with_14_days():
    settings = load_alert_settings(None)
    assert [(w.recent, w.baseline, w.buckets) for w in settings.windows] == [
        ("1h", "12h", 12),
        ("1d", "14d", 14),
    ]
    assert (settings.sensitivity, settings.min_count, settings.warm_up) == (2.0, 5, 3)
    assert settings.cooldown_delta == timedelta(hours=2)


def test_full_settings_load():
    settings = load_alert_settings(
        {
            "windows": [{"recent": "15m", "baseline": "6h"}],
            "sensitivity": 3,
            "min_count": 10,
            "warm_up": 12,
            "cooldown": "4h",
            "topics": ["acme"],
            "per": ["intent:outage", "sentiment:negative"],
            "thresholds": [{"queue": "urgent", "max_open": 20}, {"sla_breaches": 5}],
            "notify": ["slack", "email"],
        }
    )
    assert settings.windows[0].buckets == 24
    assert settings.sensitivity == 3.0
    assert [t.key for t in settings.thresholds] == [
        "threshold:open:queue=urgent",
        "threshold:sla_breaches:all",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sensitivty": 2}, "alerts.sensitivty: unknown key (did you mean 'sensitivity'?)"),
        ({"sensitivity": 0}, "alerts.sensitivity: must be above 0 (e.g. 1.5, 2 or 3)"),
        ({"min_count": 0}, "alerts.min_count: must be 1 or more"),
        (
            {"cooldown": "soon"},
            "alerts.cooldown: invalid duration 'soon': use a number and a unit, e.g. 15m, 2h, 1d",
        ),
        (
            {"windows": [{"recent": "1h", "baseline": "90m"}]},
            "alerts.windows[0].baseline: must be at least twice as long as recent",
        ),
        (
            {"windows": [{"recent": "10s"}]},
            "alerts.windows[0].recent: must be at least 1m, not '10s'",
        ),
        ({"warm_up": 13}, "alerts.windows[0]: warm_up 13 exceeds the 12 baseline buckets"),
        (
            {"per": ["intent"]},
            "alerts.per[0]: expected intent:NAME or sentiment:NAME, not 'intent'",
        ),
        (
            {"per": ["sentiment:angry"]},
            "alerts.per[0]: unknown sentiment 'angry'; known: negative, neutral, positive",
        ),
        (
            {"notify": ["pager"]},
            "alerts.notify[0]: must be one of slack, email, webhook, not 'pager'",
        ),
        (
            {"thresholds": [{"topic": "acme"}]},
            "alerts.thresholds[0].max_open: give exactly one of max_open or sla_breaches",
        ),
        (
            {"thresholds": [{"topic": "acme", "queue": "q", "max_open": 1}]},
            "alerts.thresholds[0].queue: give a topic or a queue, not both",
        ),
        (
            {"windows": [], "thresholds": []},
            "alerts.windows: give at least one window or threshold",
        ),
    ],
)
def test_invalid_settings_name_the_key(data, message):
    with pytest.raises(ConfigError) as caught:
        load_alert_settings(data)
    assert str(caught.value) == message


def test_baseline_stats_are_mean_and_population_deviation():
    assert baseline_stats([2, 4, 4, 4, 5, 5, 7, 9]) == (5.0, 2.0)
    assert baseline_stats([]) == (0.0, 0.0)


def test_z_score_floors_the_deviation():
    assert z_score(5, 0.0, 0.0) == 5.0  # silent baseline: floor 1, not a division by zero
    assert z_score(24, 16.0, 0.0) == 2.0  # flat baseline of 16: Poisson floor sqrt(16) = 4
    assert z_score(30, 10.0, 5.0) == 4.0  # a real deviation above the floor is used as is


@given(
    st.lists(st.integers(0, 500), min_size=1, max_size=30),
    st.integers(0, 1000),
)
def test_z_score_is_finite_and_grows_with_the_observed_count(baseline, observed):
    mean, std = baseline_stats(baseline)
    z = z_score(observed, mean, std)
    assert math.isfinite(z)
    assert z_score(observed + 1, mean, std) > z


@given(
    st.lists(st.integers(0, 50), min_size=3, max_size=25),
    st.booleans(),
    st.floats(0.5, 4),
    st.integers(1, 20),
)
def test_never_fires_cold_or_under_min_count(counts, covered, k, min_count):
    settings = AlertSettings(windows=[AlertWindow()], sensitivity=k, min_count=min_count, warm_up=2)
    check = check_spike(counts, settings, history_covers_baseline=covered)
    if check.firing:
        assert covered and check.observed >= min_count and check.z >= k
        assert check.buckets_with_data >= 2
        assert not check.calm


def test_check_spike_has_a_band_between_half_k_and_k():
    settings = AlertSettings(sensitivity=2.0, min_count=5, warm_up=3)
    baseline = [16] * 12  # floor sqrt(16) = 4
    assert check_spike([24, *baseline], settings, history_covers_baseline=True).firing
    band = check_spike([22, *baseline], settings, history_covers_baseline=True)
    assert (band.z, band.firing, band.calm) == (1.5, False, False)
    calm = check_spike([19, *baseline], settings, history_covers_baseline=True)
    assert (calm.z, calm.calm) == (0.75, True)
    cold = check_spike([40, *baseline], settings, history_covers_baseline=False)
    assert (cold.warm, cold.firing) == (False, False)


def state(name, since, last):
    return {"state": name, "since": since, "last_fired_at": last}


@pytest.mark.parametrize(
    ("previous", "firing", "calm", "action", "new_state"),
    [
        (None, False, True, None, "ok"),
        (None, True, False, "fire", "firing"),
        (
            state("firing", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
            True,
            False,
            None,
            "firing",
        ),
        (
            state("firing", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
            False,
            False,
            None,
            "firing",
        ),
        (
            state("firing", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
            False,
            True,
            "clear",
            "ok",
        ),
        (
            state("ok", "2026-11-20T11:00:00Z", "2026-11-20T10:30:00Z"),
            True,
            False,
            "suppress",
            "ok",
        ),
        (
            state("ok", "2026-11-20T11:00:00Z", "2026-11-20T10:00:00Z"),
            True,
            False,
            "fire",
            "firing",
        ),
        (state("ok", "2026-11-20T11:00:00Z", "2026-11-20T09:00:00Z"), False, True, None, "ok"),
    ],
)
def test_state_machine(previous, firing, calm, action, new_state):
    transition = next_state(previous, firing=firing, calm=calm, now=NOW, cooldown=COOLDOWN)
    assert (transition.action, transition.state) == (action, new_state)
    if action == "fire":
        assert transition.since == transition.last_fired_at == NOW
    if action == "clear":
        assert transition.last_fired_at == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)


def test_tokenize_keeps_words_tags_handles_and_error_codes():
    text = "RT @AcmeHelp: Checkout DOWN again?! error 503 #acmefail https://t.co/xyz order 123456"
    assert tokenize(text) == ["@acmehelp", "checkout", "down", "error", "503", "#acmefail", "order"]


def test_top_terms_rank_what_is_new_in_the_spike():
    baseline = ["acme works fine today", "acme billing question", "love acme"] * 10
    recent = [
        "acme app down, login fails",
        "acme login broken",
        "cannot login to acme",
        "acme app slow",
        "acme billing question",
        "one-off unusual word",
    ]
    # login: 3 of 6 recent posts, none of 30 before; app: 2; billing is as common as before.
    assert top_terms(recent, baseline) == ["login", "app"]
    assert top_terms([], baseline) == []


def test_examples_prefer_posts_with_the_top_terms_and_are_cut_clean():
    posts = [
        {"id": "x:1", "text": "unrelated praise", "url": None},
        {"id": "x:2", "text": "login down\n\u202etxt.exe " + "x" * 300, "url": "https://x/2"},
        {"id": "x:3", "text": "login page", "url": "https://x/3"},
    ]
    examples = pick_examples(posts, ["login", "down"], n=2)
    assert [e["id"] for e in examples] == ["x:2", "x:3"]
    assert examples[0]["text"].startswith("login down txt.exe xxx")
    assert len(examples[0]["text"]) == 200 and examples[0]["text"].endswith("…")
