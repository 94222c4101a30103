"""The pure API: classify_text never raises; classify_many caches by distinct text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

import classify
from classify import CLASSIFIER_VERSION, ClassifyError, ClassifyItem, classify_many, classify_text
from earmark.models import INTENTS, SENTIMENTS, UNSUPPORTED_LANGUAGE, Post

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_classify_text_never_raises(text):
    result = classify_text(text)
    assert result.sentiment in (*SENTIMENTS, UNSUPPORTED_LANGUAGE)
    assert -1.0 <= result.compound <= 1.0
    assert 0 <= result.priority <= 100
    assert result.intents and all(name in INTENTS for name in result.intent_names)
    assert result.version == CLASSIFIER_VERSION


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")), st.integers(min_value=-5, max_value=10**9))
def test_classify_text_takes_any_context(text, reach):
    classify_text(text, topic_kind="competitor", author_reach=reach, lang="xx", now=NOW)


def test_classify_many_scores_each_distinct_text_once(monkeypatch):
    calls = []
    real = classify._classify_content

    def counting(text, lang, settings, *cache):
        calls.append(text)
        return real(text, lang, settings, *cache)

    monkeypatch.setattr(classify, "_classify_content", counting)
    spam = "WIN a free phone!! follow for follow http://spam.example"
    items = [
        ClassifyItem(spam, topic_kind="brand", author_reach=10, post_id="x:1"),
        ClassifyItem("@acmeair my bag is lost", topic_kind="brand", post_id="x:2"),
        ClassifyItem(spam, topic_kind="brand", author_reach=2_000_000, post_id="x:3"),
    ]
    results = list(classify_many(items, now=NOW))
    assert calls == [spam, "@acmeair my bag is lost"]
    assert [r.post_id for r in results] == ["x:1", "x:2", "x:3"]
    assert results[0].intents == results[2].intents
    assert results[1].primary_intent == "complaint"


def test_classify_many_scores_texts_that_differ_only_in_handles_and_links_once(monkeypatch):
    scored = []
    real = classify._score_clean

    def counting(clean, words, lang, settings, *layer):
        scored.append(clean)
        return real(clean, words, lang, settings, *layer)

    monkeypatch.setattr(classify, "_score_clean", counting)
    texts = [
        "@acmeair my bag is lost, call me on 07700 900123",
        "@acmeair my bag is lost https://t.co/abc",
        "@otherair my bag is lost",
    ]
    results = list(classify_many(ClassifyItem(text) for text in texts))
    assert scored == ["@user my bag is lost, call me on 07700 900123", "@user my bag is lost"]
    assert [r.primary_intent for r in results] == ["complaint"] * 3
    # Personal data is still read from each post's own text.
    assert [r.pii for r in results] == [["phone"], [], []]
    assert [r.reply_privately for r in results] == [True, False, False]


def test_classify_many_accepts_posts_and_post_kind_pairs():
    post = Post(
        platform="mastodon",
        native_id="42",
        text="@acmeair thinking of booking the premium seats for my trip, worth it?",
        created_at=NOW - timedelta(hours=1, minutes=5),
        author_reach=1500,
    )
    plain, competitor = classify_many([post, (post, "competitor")], now=NOW)
    assert plain.post_id == competitor.post_id == "mastodon:42"
    assert plain.opportunity == competitor.opportunity == "sales"
    assert plain.priority_reason.endswith("1h old (+5)")


def test_classify_many_rejects_other_objects():
    try:
        list(classify_many(["just a string"]))
    except ClassifyError as error:
        assert str(error) == "classify: cannot classify a str; pass ClassifyItem or Post objects"
    else:
        raise AssertionError("expected ClassifyError")
