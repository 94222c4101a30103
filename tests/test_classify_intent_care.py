"""Intent rules for how people write about home and mobile services: outages, churn, buying."""

from __future__ import annotations

import pytest

from classify import classify_text
from classify.cues import CueIndex, cue
from classify.text import to_words
from earmark.settings.classify import ClassifySettings

# Brand names a team would list as topic terms: the classifier sees them as "@user".
BRANDS = ClassifySettings(neutral_terms=["Zapnet", "Kestrel Mobile", "Orbitel"])


def names(text: str) -> list[str]:
    return classify_text(text, settings=BRANDS).intent_names


@pytest.mark.parametrize(
    "text",
    [
        "zapnet down in Norwich?",
        "Kestrel Mobile down again, third evening running",
        "Zapnet broadband down across the whole estate apparently",
        "@zapnethelp is the internet down? nothing since 7",
        "orbitel out in Cowley, anyone else or is it me",
        "power's out on our road and the router with it",
    ],
)
def test_a_service_down_or_out_is_an_outage(text):
    assert names(text)[0] == "outage"


@pytest.mark.parametrize(
    "text",
    [
        "no signal at all in the station car park since Monday",
        "I've been without internet for four days now",
        "still no internet this morning, rebooted twice",
        "Kestrel Mobile coverage in the valley is non-existent",
        "lost broadband about ten minutes ago, light is flashing",
        "no phone service in town since the storm",
    ],
)
def test_no_service_is_an_outage(text):
    assert names(text)[0] == "outage"


@pytest.mark.parametrize(
    "text",
    [
        "my connection drops every night around 9",
        "wifi keeps cutting out when the microwave is on",
        "phone drops to no signal in the tunnel every single day",
        "three evenings of packet loss and the status page is green",
        "in the middle of a film and Zapnet dies. thanks.",
    ],
)
def test_a_dropping_connection_is_an_outage(text):
    assert names(text)[0] == "outage"


@pytest.mark.parametrize(
    "text",
    [
        "the app says something went wrong every time I pay",
        "Zapnet app open but nothing loading at all",
        "is it just me or is Orbitel really slow tonight",
    ],
)
def test_errors_and_is_it_just_me_are_outages(text):
    assert names(text)[0] == "outage"


@pytest.mark.parametrize(
    "text",
    [
        "no wifi on a five hour flight, in this day and age",  # a missing amenity
        "Zapnet speed test says 900 down, 100 up. lovely",  # a speed, not a failure
        "turn it down for what",
        "customer service down at the Leeds store was great",
        "we touched down in Denver an hour late",
        "@zapnet the queue is out the door again",
    ],
)
def test_down_and_no_wifi_without_a_failure_are_not_outages(text):
    assert "outage" not in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "right. cancelling Zapnet first thing tomorrow",
        "I cancelled Orbitel after the third price rise",
        "I left Kestrel Mobile because the signal at home was hopeless",
        "ditching Zapnet for the first provider that answers the phone",
        "switched from Zapnet to Orbitel in March and it's been fine",
        "me after switching from Orbitel: so much calmer",
        "seriously thinking of switching providers after this month's bill",
        "renewal quote is £40. beat it or I'm going elsewhere",
        "that's it, I'm jumping ship",
        "bill up again, will be looking at the alternatives",
    ],
)
def test_leaving_the_brand_is_churn(text):
    assert names(text)[0] == "churn_risk"


@pytest.mark.parametrize(
    "text",
    [
        "we just left @heathrow, delayed but moving",  # a place, not the brand
        "the team needs to switch from email to chat support",
        "my flight was cancelled @zapnetair, what now?",
        "Just switched my dad to Orbitel, took ten minutes",
    ],
)
def test_leaving_a_place_or_switching_a_process_is_not_churn(text):
    assert "churn_risk" not in names(text)


def test_happy_switcher_praises_where_they_went():
    assert names("Switched to Orbitel last spring. Faster, cheaper, no regrets.") == [
        "churn_risk",
        "praise",
    ]
    assert "praise" in names("moved my broadband in May and never looked back")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thinking of getting Zapnet broadband, anyone tried it?", ["question", "purchase_intent"]),
        ("considering a second SIM for the car", ["purchase_intent"]),
        ("Are Orbitel's smart plugs any good?", ["question", "purchase_intent"]),
        ("is Zapnet or Orbitel better for a family of five?", ["question", "purchase_intent"]),
        ("Orbitel vs Zapnet fibre in Hull - which one?", ["question", "purchase_intent"]),
        ("deciding between the 30GB and the unlimited plan", ["purchase_intent"]),
        ("thanks all, leaning Orbitel then", ["purchase_intent"]),
        ("anyone with Kestrel Mobile in Truro? thinking about a contract", ["question"]),
        ("is the extra £5 worth paying for the faster tier?", ["question", "purchase_intent"]),
        ("should I just buy my own router instead?", ["question", "purchase_intent"]),
    ],
)
def test_weighing_up_a_purchase_is_purchase_intent(text, expected):
    result = names(text)
    assert result[: len(expected)] == expected
    assert "purchase_intent" in result


@pytest.mark.parametrize(
    "text",
    [
        "how do I get a refund for last month?",
        "when do I get my deposit back?",
        "have you tried turning it off and on again",
    ],
)
def test_getting_what_you_are_owed_is_not_purchase_intent(text):
    assert "purchase_intent" not in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "Day 4 of the Zapnet app asking me to 'try again later'",
        "third time I've explained this to a different agent",
        "engineer was a no-show again. took the morning off for nothing",
        "bill wrong three months in a row now",
        "a text to say the engineer was cancelled would have been nice",
        "another surprise fee on my bill. how is this even legal",
        "avoid Orbitel if you work from home, seriously",
    ],
)
def test_counting_failures_and_rhetoric_are_complaints(text):
    assert names(text)[0] == "complaint"


def test_a_repeat_visit_is_not_a_complaint():
    assert "complaint" not in names("second time flying with Orbitel Air this year, see you in May")


def test_a_cue_with_also_words_runs_only_when_both_word_sets_are_present():
    rule = cue(0.9, "down", r"\bdown\b", also="wifi broadband")
    index = CueIndex([("outage", rule)])
    for text, expected in [
        ("wifi down again", {"outage": 0.9}),
        ("broadband is down", {"outage": 0.9}),
        ("sat down for dinner", {}),  # trigger but no `also` word: the regex never runs
        ("wifi is fine", {}),
    ]:
        assert index.best_scores(text, to_words(text)) == expected
        assert rule.matches(text, to_words(text)) is bool(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my router reboots itself every night at 3am", "outage"),
        ("Zapnet hub keeps restarting since the update", "outage"),
        ("mobile data is crawling in the city centre tonight", "outage"),
        ("slow broadband again, 2mbps on a 'superfast' plan", "outage"),
        ("my bill went up £8 and nobody told me", "complaint"),
        ("they sent me a new router I didn't ask for, now I have to post it back", "complaint"),
        ("pretty sure that's not how any of this works", "complaint"),
        ("can I leave penalty free after the price rise?", "churn_risk"),
        ("how much would it cost to break my contract early", "churn_risk"),
        ("me after cancelling Zapnet: finally, peace", "churn_risk"),
    ],
)
def test_more_care_cues(text, expected):
    assert names(text)[0] == expected


def test_relief_after_leaving_is_churn_and_praise():
    assert names("switched from Zapnet to Orbitel last week: finally, peace") == [
        "churn_risk",
        "praise",
    ]


def test_a_rounding_error_is_not_an_outage():
    assert "outage" not in names("£2M fine is a rounding error for a company that size")


@pytest.mark.parametrize(
    "text",
    [
        "Hello, sorry for the delay. Kindly reach our support team on WhatsApp +44 7700 900000",
        "Cheap unlimited SIMs £4/month NO credit check DM now!!!",
    ],
)
def test_impersonators_and_ads_are_spam(text):
    assert names(text) == ["spam"]


def test_sending_a_dm_now_is_not_spam():
    assert "spam" not in names("@zapnethelp thanks, sending a DM now")


@pytest.mark.parametrize(
    "text",
    [
        "@sam_k Hi Sam, sorry about that. Please DM us your account number and we'll check. ^RT",
        "@jo Sorry for the wait, Jo. An engineer is booked for 8-12 tomorrow. ^MB",
        "@pat_q We're really sorry. Send us a DM with your postcode and we'll look into it.",
    ],
)
def test_the_care_teams_own_replies_are_other(text):
    assert names(text) == ["other"]


def test_a_customer_quoting_a_care_reply_keeps_their_intent():
    text = "thanks! RT @zapnethelp: @jo Sorry, the outage is fixed now. ^MB"
    assert names(text) != ["other"]


def test_how_much_later_in_a_post_is_a_remark_not_a_question():
    text = "Zapnet broadband down across the city. Time to find out how much I rely on wifi"
    assert names(text) == ["outage"]
    assert names("need to check how long delivery takes for the new router")[0] == "question"


def test_never_disappoints_is_praise():
    assert names("Orbitel never disappoints, engineer here by 9 and gone by 10") == ["praise"]
