"""Intents: one rule family per intent of LABELING.md, precedence order, custom intents."""

from __future__ import annotations

import pytest

from classify import classify_text
from classify.intent import detect_intents
from earmark.models import INTENT_PRECEDENCE
from earmark.settings.classify import ClassifySettings, IntentRule


def names(text: str, **kwargs) -> list[str]:
    return classify_text(text, **kwargs).intent_names


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        ("@acmebank your website is down again, can't log in to pay my bill", "outage"),
        ("the acme app keeps crashing when I open my statements", "outage"),
        ("I'm cancelling my account with @acmemobile after this", "churn_risk"),
        ("switching to another carrier next month, done with @acmemobile", "churn_risk"),
        ("never flying @acmeair again after that experience", "churn_risk"),
        ("Worst customer service ever @acmeair. Two hours at the desk.", "complaint"),
        ("@acmeshop how do I change the delivery address on my parcel?", "question"),
        ("thinking of getting the acme pro plan, is it worth it", "purchase_intent"),
        ("@acmeapp please add a dark mode to the app", "feature_request"),
        ("Thank you @acmeair for the upgrade, the crew was wonderful", "praise"),
        ("follow for follow!! giveaway of 5 phones, click here http://x.example", "spam"),
        ("Reading about the acme merger in the paper today", "other"),
    ],
)
def test_primary_intent_per_family(text, primary):
    assert names(text)[0] == primary


def test_failure_with_anger_is_outage_and_complaint():
    assert names("@acmebank app down AGAIN. This is ridiculous, fix it")[:2] == [
        "outage",
        "complaint",
    ]


def test_question_revealing_a_problem_is_complaint_and_question():
    assert names("@acmeshop why is my refund still not here after three weeks?") == [
        "complaint",
        "question",
    ]


def test_negative_post_without_cue_is_a_complaint():
    assert detect_intents("That flight was something else.", sentiment="negative") == [
        ("complaint", 0.6)
    ]


def test_thanks_in_a_negative_post_is_not_praise():
    assert "praise" not in names("thanks for nothing @acmeair, stranded in Denver overnight")


def test_churn_needs_a_stated_intention_to_leave():
    assert "churn_risk" not in names("@acmeair I am so angry about this delay")


def test_other_is_never_combined():
    for text in ("", "   ", "Reading about acme", "🙂", "12345"):
        result = names(text)
        assert "other" not in result or result == ["other"]


def test_intents_follow_precedence_order():
    result = names(
        "@acmebank app not working, I'm closing my account. Worst bank. How do I get my money?"
    )
    assert result == sorted(result, key=INTENT_PRECEDENCE.index)
    assert result[0] == "outage"


def test_custom_intent_from_settings():
    settings = ClassifySettings(
        intents=[IntentRule(name="billing", patterns=[r"\binvoice\b", r"\bbill(?:ed|ing)?\b"])]
    )
    result = classify_text("@acmemobile I was billed twice this month, why?", settings=settings)
    assert result.intent_names == ["complaint", "question", "billing"]
    assert dict(result.intents)["billing"] == 0.8
    assert "billing" not in names("@acmemobile I was billed twice this month, why?")


def test_statement_about_a_handle_is_not_a_question():
    assert names("@acmeair is the best, smooth flight and kind crew") == ["praise"]
    assert names("@acmeair is there wifi on the 6pm flight to Boston")[0] == "question"


def test_brand_names_still_count_as_someone_named():
    settings = ClassifySettings(neutral_terms=["Joy Mobile"])
    result = classify_text("switching to Joy Mobile next month, done with this", settings=settings)
    assert result.intent_names == ["churn_risk", "complaint"]
    assert result.sentiment == "neutral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@acmeshop tracking says delivered but there's nothing at my door", ["complaint"]),
        ("Is anyone else getting a 502 on the acme site right now?", ["outage", "question"]),
        ("@acmebank why won't it let me add my new card", ["outage", "complaint"]),
        ("@acmeair been sitting on the tarmac for 2 hours with no word", ["complaint"]),
        ("@acmeair used to be my favourite airline. not anymore", ["complaint"]),
        ("I have a question about my baggage allowance for next week @acmeair", ["question"]),
        ("shout out to the @acmeair crew on the Lisbon flight, lovely people", ["praise"]),
        ("NEVER EVER will I fly @acmeair, what a mess", ["churn_risk", "complaint"]),
    ],
)
def test_care_writing_patterns(text, expected):
    assert names(text)[: len(expected)] == expected


def test_words_may_be_any_iterable():
    from classify.intent import detect_intents

    text = "the wifi is down again"
    assert detect_intents(text, words=text.split()) == detect_intents(text)
