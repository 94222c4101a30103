"""Sentiment: VADER with customer-care adjustments (handles, politeness, care phrases)."""

from __future__ import annotations

import pytest

from classify.sentiment import (
    find_care_cues,
    get_analyzer,
    score_sentiment,
    score_stock,
    to_label,
)
from classify.text import compile_terms, to_scoring_text
from earmark.settings.classify import ClassifySettings


def score(text: str, terms: tuple[str, ...] = ()) -> str:
    return score_sentiment(to_scoring_text(text, compile_terms(terms))).label


def test_handle_that_is_a_sentiment_word_carries_no_sentiment():
    text = "@united flight 409 lands at gate 12"
    assert score_stock(text).label == "positive"  # the trap: VADER scores "united" +1.8
    assert score(text) == "neutral"


def test_neutral_terms_are_stripped_before_scoring():
    text = "Booked Joy Airlines for the weekend trip"
    assert score_stock(text).label == "positive"  # "joy" is +2.8 in VADER's lexicon
    assert score(text, ("Joy Airlines",)) == "neutral"


def test_links_and_entities_are_removed():
    cleaned = to_scoring_text("Fares &amp; fees https://t.co/xyz @acmehelp #acme")
    assert cleaned == "Fares & fees @user acme"


def test_polite_complaint_is_negative():
    text = "@acmeair thanks, but my bag is still missing after 3 days. please help"
    assert score_stock(text).label == "positive"
    assert score(text) == "negative"


def test_polite_request_without_feeling_is_neutral():
    assert score("@acmeair please help me change my seat on tomorrow's flight") == "neutral"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("been on hold for 45 minutes with @acmebank", "waiting"),
        ("Still waiting on a callback from your team", "waiting"),
        ("no response to my email from last week", "no_response"),
        ("our 6am flight got cancelled and nobody told us", "disruption"),
        ("lost my bag on the connection in Denver", "lost"),
        ("where is my refund for order 5521", "money"),
        ("the app is not working since the update", "failure"),
        ("the agent at the desk was rude to my mother", "bad_service"),
    ],
)
def test_care_phrases_push_negative(text, cue):
    assert cue in find_care_cues(text)
    assert score(text) == "negative"


def test_sarcastic_praise_next_to_care_phrase_is_negative():
    assert score("Great service as always @acmeair, 2 hours on hold and then cut off") == "negative"


def test_plain_praise_stays_positive():
    assert score("@acmeair thank you for the smooth flight and the friendly crew!") == "positive"


def test_thresholds_come_from_settings():
    strict = ClassifySettings(positive_threshold=0.5, negative_threshold=-0.5)
    assert to_label(0.3) == "positive"
    assert to_label(0.3, strict) == "neutral"
    assert to_label(-0.6, strict) == "negative"


def test_one_analyzer_per_process():
    assert get_analyzer() is get_analyzer()
    assert get_analyzer().lexicon["united"] == 0.0


def test_payment_words_are_not_losses():
    assert score_stock("@acmeshop can I pay with Apple Pay at checkout?").label == "negative"
    assert score("@acmeshop can I pay with Apple Pay at checkout?") == "neutral"


def test_mildly_worded_question_is_neutral():
    assert score_stock("@acmeair can I get a window seat please?").label == "positive"
    assert score("@acmeair can I get a window seat please?") == "neutral"
