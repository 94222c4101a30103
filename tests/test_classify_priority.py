"""Priority score with its reason in words, and the kind of opportunity."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify import classify_text
from classify.priority import (
    AGE_POINTS,
    _age_points,
    age_part,
    content_part,
    format_age,
    format_reach,
    reach_points,
    score_priority,
    to_opportunity,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_reason_lists_every_component():
    priority, reason = score_priority(
        [("outage", 0.9)],
        "negative",
        -0.4,
        topic_kind="brand",
        author_reach=12_000,
        created_at=NOW - timedelta(hours=2),
        now=NOW,
    )
    assert (
        reason == "outage (+40), negative (+15), brand topic (+5), 12k followers (+8), 2h old (+5)"
    )
    assert priority == 10 + 40 + 15 + 5 + 8 + 5


def test_outage_outranks_question_outranks_praise():
    def prio(intent):
        return score_priority([(intent, 0.9)], "neutral", 0.0)[0]

    assert prio("outage") > prio("churn_risk") > prio("complaint") > prio("question")
    assert prio("question") > prio("praise")


def test_priority_is_clamped_and_spam_is_zero():
    high, _ = score_priority(
        [("outage", 0.9), ("churn_risk", 0.9), ("complaint", 0.9), ("question", 0.9)],
        "negative",
        -0.99,
        topic_kind="support",
        author_reach=50_000_000,
        created_at=NOW,
        now=NOW,
    )
    assert high == 100
    assert score_priority([("spam", 0.9)], "neutral", 0.0) == (0, "spam")


def test_old_posts_lose_points():
    fresh, _ = score_priority([("question", 0.8)], "neutral", 0.0, created_at=NOW, now=NOW)
    old, reason = score_priority(
        [("question", 0.8)], "neutral", 0.0, created_at=NOW - timedelta(days=5), now=NOW
    )
    assert fresh - old == 25
    assert reason == "question (+20), 5d old (-15)"


@pytest.mark.parametrize(
    ("reach", "points", "text"),
    [(None, 0, None), (5, 0, None), (950, 6, "950"), (12_400, 8, "12k")],
)
def test_reach_is_log_scaled(reach, points, text):
    assert reach_points(reach) == points
    if text:
        assert format_reach(reach) == text


@pytest.mark.parametrize(
    ("intents", "kind", "expected"),
    [
        (["complaint"], "brand", ("support", "complaint about the brand")),
        (["question"], "support", ("support", "question on a support topic")),
        (["churn_risk", "complaint"], "competitor", ("sales", "churn risk about a competitor")),
        (["complaint"], "competitor", ("sales", "complaint about a competitor")),
        (["purchase_intent"], "brand", ("sales", "purchase intent about the brand")),
        (["purchase_intent"], "competitor", ("sales", "purchase intent about a competitor")),
        (["praise"], "brand", ("advocacy", "praise about the brand")),
        (["praise"], "competitor", (None, "praise about a competitor")),
        (["spam"], "brand", (None, "spam: nothing to act on")),
        (["other"], None, (None, "other: nothing to act on")),
    ],
)
def test_opportunity_kind(intents, kind, expected):
    assert to_opportunity([(name, 0.8) for name in intents], kind) == expected


def test_classify_text_fills_priority_and_opportunity():
    result = classify_text(
        "@acmebank app is down, cannot log in to pay rent!!",
        topic_kind="brand",
        author_reach=3000,
        created_at=NOW - timedelta(minutes=20),
        now=NOW,
    )
    assert result.opportunity == "support"
    assert result.priority >= 70
    assert result.priority_reason.startswith("outage (+40)")
    assert result.priority_reason.endswith("20m old (+10)")


def test_a_post_the_rules_cannot_read_still_reaches_a_person_on_our_topics():
    from classify import classify_text

    text = "Llevo 3 días sin internet y @AcmeHelp no responde. Pésimo servicio."
    ours = classify_text(text, lang="es", topic_kind="support")
    assert (ours.language, ours.sentiment) == ("es", "unsupported_language")
    assert ours.opportunity == "support"
    assert ours.opportunity_reason == "written in es, which the rules do not read"
    assert ours.priority == 50
    assert ours.priority_reason == "unread language (+30), support topic (+10)"
    theirs = classify_text(text, lang="es", topic_kind="competitor")
    assert theirs.opportunity is None


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=0, max_value=400 * 86400, allow_nan=False))
def test_age_part_is_the_age_points_and_words_of_the_exact_age(age):
    points = _age_points(age)
    sign = f" (+{points})" if points > 0 else (f" ({points})" if points < 0 else "")
    assert age_part(age) == (points, f"{format_age(age)} old{sign}")


@pytest.mark.parametrize("limit", [limit for limit, _ in AGE_POINTS])
def test_age_part_changes_exactly_at_each_age_limit(limit):
    assert age_part(limit - 0.5)[0] == _age_points(limit - 0.5)
    assert age_part(limit)[0] == _age_points(limit)
    assert _age_points(limit - 0.5) != _age_points(limit)


def test_content_part_takes_intents_as_lists_too():
    as_lists = content_part([["complaint", 0.7]], "negative", -0.7, "brand")
    assert as_lists == content_part((("complaint", 0.7),), "negative", -0.7, "brand")
