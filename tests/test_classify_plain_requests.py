"""Plain posts to a brand that the rules must handle, one category of writing per test.

Each category is a general mechanism (a cue family), tested with several wordings and brands;
each test also holds a look-alike the family must leave alone. The brands are topic terms, so
the classifier sees them as "@user", as it does in the pipeline.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify import classify_text
from earmark.settings.classify import ClassifySettings

BRANDS = ["Zapnet", "ZapnetHelp", "Orbitel", "OrbitelCare", "Kestrel Mobile", "Acme", "AcmeHelp"]
SETTINGS = ClassifySettings(neutral_terms=[*BRANDS, "Globex"])


def classify(text: str):
    return classify_text(text, settings=SETTINGS, topic_kind="brand")


@pytest.mark.parametrize(
    "text,phone",
    [
        ("@AcmeHelp please call me back on 07700 900123, nobody answers", True),
        ("Zapnet can someone ring me on 0161 496 0018 about my account", True),
        ("text me on 07700 900456 when the Orbitel engineer is on the way", True),
        ("@OrbitelCare pls get back to me, it's about the contract", False),
        ("could you email me back about the missing parcel please", False),
        ("Kestrel Mobile, call me asap, locked out of my account", False),
    ],
)
def test_contact_requests_are_support_questions(text, phone):
    c = classify(text)
    assert "question" in c.intent_names
    assert c.opportunity == "support"
    assert c.sentiment != "positive"
    assert ("phone" in c.pii) is phone
    assert c.reply_privately is phone


@pytest.mark.parametrize(
    "text",
    ["please call me Dave, not David", "my mates call me the wifi whisperer", "call me maybe"],
)
def test_being_called_a_name_is_no_contact_request(text):
    assert "question" not in classify(text).intent_names


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp please call me back on 07700 900123, nobody answers",
        "nobody answers the Zapnet helpline, ever",
        "no one ever picks up at Orbitel",
        "rang Kestrel Mobile three times and nobody picked up",
    ],
)
def test_nobody_answering_is_a_complaint(text):
    c = classify(text)
    assert "complaint" in c.intent_names
    assert c.sentiment == "negative"
    assert c.opportunity == "support"


@pytest.mark.parametrize(
    "text",
    [
        "acme engineer didn't turn up. again.",
        "the Orbitel technician never showed, took the day off for nothing",
        "Zapnet engineer no-show again",
        "Kestrel Mobile stood us up for the install",
        "missed our installation appointment and nobody rang",
        "the Zapnet courier didn't turn up",
        "third time the Orbitel fitter hasn't come",
    ],
)
def test_missed_appointments_are_complaints(text):
    c = classify(text)
    assert c.intent_names[0] == "complaint"
    assert c.sentiment == "negative"
    assert c.opportunity == "support"


@pytest.mark.parametrize(
    "text",
    [
        "the band didn't turn up the volume",
        "the Zapnet engineer never showed us how to reset it, so we asked a neighbour",
    ],
)
def test_turning_something_up_is_no_missed_appointment(text):
    c = classify(text)
    assert "complaint" not in c.intent_names
    assert c.sentiment != "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Acme Home hub firmware bricked after update",
        "the latest Zapnet update bricked my router",
        "Orbitel box won't turn on since the firmware update",
        "my phone keeps rebooting after the Kestrel Mobile update",
        "the update broke the Zapnet app completely",
        "Orbitel app useless since the upgrade",
    ],
)
def test_devices_broken_by_updates_are_outages(text):
    c = classify(text)
    assert c.intent_names[0] == "outage"
    assert c.sentiment == "negative"
    assert c.opportunity == "support"


def test_an_update_that_helped_is_no_outage():
    c = classify("the Zapnet app is so much faster after the update, love it")
    assert "outage" not in c.intent_names
    assert c.sentiment == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "my acme bill went up 20 quid without warning",
        "our Orbitel broadband price has gone up again",
        "Zapnet hiked my broadband bill by 6 pounds",
        "Kestrel Mobile put up my contract price",
        "my Zapnet direct debit just doubled",
        "Orbitel changed my plan without any notice",
    ],
)
def test_price_rises_are_complaints(text):
    c = classify(text)
    assert "complaint" in c.intent_names
    assert "praise" not in c.intent_names
    assert c.sentiment == "negative"
    assert c.opportunity == "support"


@pytest.mark.parametrize(
    "text",
    [
        "acme down lol",
        "Zapnet down again lmao",
        "ZAPNET DOWN LOL",
        "orbitel app down haha",
        "Kestrel Mobile broadband down, lmfao",
        "zapnet outage lol",
    ],
)
def test_outage_slang_with_laughter_is_an_outage_not_praise(text):
    c = classify(text)
    assert c.intent_names[0] == "outage"
    assert c.sentiment != "positive"
    assert c.opportunity == "support"


FAILURES = [
    "{b} down",
    "{b} is down again",
    "{b} app down",
    "{b} outage",
    "{b} app keeps crashing",
    "{b} wifi not working",
    "can't log in to {b}",
    "getting error 500 on the {b} site",
    "{b} site is down",
    "{b} broadband down in my area",
    "my {b} router bricked",
    "{b} app stopped working after the update",
    "{b} payment failed again",
]
LAUGHS = ["lol", "lmao", "lmfao", "haha", "hahaha", "rofl", "lolol", "LOL", "lol lol", "😂", "🤣🤣"]


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    template=st.sampled_from(FAILURES),
    brand=st.sampled_from(BRANDS),
    laugh=st.sampled_from(LAUGHS),
    glue=st.sampled_from([" ", ", ", ". ", "... ", " 😂 "]),
    upper=st.booleans(),
)
def test_a_failure_report_with_laughter_is_never_positive(template, brand, laugh, glue, upper):
    text = template.format(b=brand) + glue + laugh
    if upper:
        text = text.upper()
    c = classify(text)
    assert c.sentiment != "positive", text
    assert "praise" not in c.intent_names, text
    assert c.opportunity == "support", text


def test_laughter_without_a_failure_still_reads_as_positive():
    assert classify("that Zapnet advert with the dancing dog lol").sentiment == "positive"


@pytest.mark.parametrize("text", ["ok", "k", "Cool.", "okay", "@ZapnetHelp ok", "ok!", "noted"])
def test_one_word_acknowledgements_are_no_opportunity(text):
    c = classify(text)
    assert c.sentiment == "neutral"
    assert c.intent_names == ["other"]
    assert c.opportunity is None


def test_an_acknowledgement_with_thanks_is_still_praise():
    c = classify("ok thanks, that fixed it, brilliant support")
    assert c.sentiment == "positive"
    assert c.opportunity == "advocacy"


@pytest.mark.parametrize(
    "text",
    [
        "acme sent me a refund without me even asking, nice one",
        "Orbitel refunded me without me having to ask, cheers",
        "Zapnet credited my account proactively, brilliant",
        "didn't even have to chase Kestrel Mobile, compensation arrived today",
    ],
)
def test_a_refund_given_unasked_is_praise(text):
    c = classify(text)
    assert "praise" in c.intent_names
    assert "complaint" not in c.intent_names
    assert c.sentiment != "negative"
    assert c.opportunity == "advocacy"


@pytest.mark.parametrize(
    "text",
    ["still no refund from Zapnet after 3 weeks", "Orbitel refund promised in May, nothing yet"],
)
def test_a_refund_still_owed_stays_a_complaint(text):
    c = classify(text)
    assert "complaint" in c.intent_names
    assert c.sentiment == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Acme vs Globex is like choosing which wisdom tooth to have out first",
        "Zapnet or Orbitel? pick your poison",
        "choosing between Zapnet and Orbitel is the lesser of two evils",
        "Zapnet vs Orbitel, like picking which leg to break",
        "between a rock and a hard place: Kestrel Mobile or Orbitel",
    ],
)
def test_lesser_of_two_evils_comparisons_are_negative(text):
    c = classify(text)
    assert c.sentiment == "negative"
    assert "praise" not in c.intent_names
    assert c.opportunity != "advocacy"
