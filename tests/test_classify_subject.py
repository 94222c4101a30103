"""Which topic a post naming both the brand and a competitor is about (classify.subject).

The posts here are written for these tests: brand only, competitor only, both with the
complaint on each side, churn from each side, comparisons and questions about both.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classify import ClassifySettings, classify_text
from classify.subject import decide_subject, parse_matches

ACME = ("acme", "brand", ("acme",))
GLOBEX = ("globex", "competitor", ("globex",))
HELP = ("acmehelp", "support", ("@acmehelp",))
BOTH = (ACME, GLOBEX)
# As Config.classify_settings() makes them: topic terms carry no sentiment.
SETTINGS = ClassifySettings(neutral_terms=["acme", "globex", "acmehelp"])


def classified(text: str, topics=BOTH):
    return classify_text(text, topics=topics, settings=SETTINGS)


# (post, opportunity, the reason's start, the topic it is about)
TWO_SIDED = [
    # churn from the competitor: a sales lead, never a complaint about the brand
    (
        "thinking of leaving globex ... is acme any better?",
        "sales",
        "churn from a competitor",
        "globex",
    ),
    ("done with globex, is acme any better?", "sales", "churn from a competitor", "globex"),
    (
        "switching from globex to acme because globex support is awful",
        "sales",
        "churn from a competitor",
        "globex",
    ),
    (
        "my globex contract ends in may and I'm cancelling globex. moving to acme",
        "sales",
        "churn from a competitor",
        "globex",
    ),
    (
        "globex has been down all week, might switch to acme",
        "sales",
        "churn from a competitor",
        "globex",
    ),
    # churn from the brand: support
    (
        "thinking of leaving acme ... is globex any better?",
        "support",
        "churn risk about the brand",
        "acme",
    ),
    (
        "cancelling acme and switching to globex, done paying more for less",
        "support",
        "churn risk about the brand",
        "acme",
    ),
    ("acme has been down all week, might switch to globex", "support", "outage", "acme"),
    # the complaint on each side
    (
        "globex is terrible, their router keeps crashing. glad I stayed with acme",
        "sales",
        "",
        "globex",
    ),
    ("acme is terrible, my router keeps crashing. globex never did this", "support", "", "acme"),
    # praise on each side: a competitor's is nobody's work
    ("I love acme, so much better than globex", "advocacy", "praise about the brand", "acme"),
    ("I love globex, so much better than acme", None, "praise about a competitor", "globex"),
]


@pytest.mark.parametrize(("text", "opportunity", "reason", "topic"), TWO_SIDED)
def test_a_post_naming_both_sides_is_about_the_topic_its_cues_point_at(
    text, opportunity, reason, topic
):
    result = classified(text)
    assert result.opportunity == opportunity, result.opportunity_reason
    assert result.opportunity_reason.startswith(reason), result.opportunity_reason
    assert f"(about {topic}: " in result.opportunity_reason


def test_competitor_churn_reason_says_which_topic_and_why():
    result = classified("thinking of leaving globex ... is acme any better?")
    assert (result.opportunity, result.opportunity_reason) == (
        "sales",
        "churn from a competitor (about globex: leaving it)",
    )


def test_when_unsure_the_brand_is_the_subject():
    result = classified("does anyone here use acme or globex? which one is it for fibre?")
    assert result.opportunity_reason.endswith("(about acme: unsure, our side by default)")
    assert result.opportunity in ("support", "sales")  # a question or purchase intent


def test_our_side_keeps_the_support_kind_when_the_brand_is_named_too():
    text = "@acmehelp acme has been down all day, switching to globex"
    result = classified(text, topics=(ACME, HELP, GLOBEX))
    assert result.opportunity == "support"
    assert result.opportunity_reason.startswith("outage on a support topic (about acme: ")
    assert "support topic (+10)" in result.priority_reason


def test_the_support_handle_counts_as_our_side():
    text = "@acmehelp I'm leaving globex next month, can you match their price?"
    result = classified(text, topics=(HELP, GLOBEX))
    assert result.opportunity == "sales"
    assert "(about globex: leaving it)" in result.opportunity_reason
    assert decide_subject(text, (HELP, ACME), result.intents) is None  # one side only


@pytest.mark.parametrize(
    "text",
    [
        "globex is terrible, their router keeps crashing",
        "leaving globex, done with them",
        "I love globex, best provider",
        "is globex any good for gaming?",
    ],
)
def test_competitor_only_posts_keep_their_behaviour(text):
    """A post matching only the competitor is handled as before (the old kind precedence)."""
    alone = classified(text, topics=(GLOBEX,))
    by_kind = classify_text(text, topic_kind="competitor", settings=SETTINGS)
    assert (alone.opportunity, alone.opportunity_reason) == (
        by_kind.opportunity,
        by_kind.opportunity_reason,
    )
    assert "(about " not in alone.opportunity_reason


def test_match_terms_find_handles_phrases_and_wildcards():
    topics = (("acme", "brand", ("acme home", "#acme")), ("globex", "competitor", ("glob*",)))
    subject = decide_subject(
        "cancelling my globexfibre plan, is acme   home any better? #acme", topics, ["question"]
    )
    assert subject is not None
    assert (subject.topic, subject.kind, subject.why) == ("globex", "competitor", "leaving it")


def test_nothing_to_act_on_needs_no_decision():
    subject = decide_subject("leaving globex for acme", BOTH, [("other", 0.5)])
    assert subject is not None
    assert (subject.topic, subject.why) == ("acme", "unsure, our side by default")
    decided = decide_subject("leaving globex for acme", BOTH, [("churn_risk", 0.9)])
    assert decided is not None
    assert (decided.topic, decided.why) == ("globex", "leaving it")


def test_parse_matches_reads_the_store_json_and_ignores_anything_else():
    assert parse_matches('[["acme", "brand", ["acme"]], ["globex", "competitor", []]]') == [
        ("acme", "brand", ("acme",)),
        ("globex", "competitor", ()),
    ]
    for bad in (None, "", "not json", "{}", "[1, 2]", '[["a", "b"]]'):
        assert parse_matches(bad) == []


# -- properties -------------------------------------------------------------------------------

# Clauses with a cue attached to {a} or {b}, and filler without names or cues.
CUE_CLAUSES = [
    "thinking of leaving {a}",
    "done with {a}",
    "switching from {a} to {b}",
    "cancelling {a} next month",
    "{a} has been down all day",
    "{a} is terrible",
    "{a} support is awful",
    "is {b} any better?",
    "might switch to {b}",
    "{a} is way worse than {b}",
    "{b} is so much better than {a}",
    "I love {b}",
    "{b} is great",
]
FILLER = ["tbh", "honestly", "contract is up in june", "three engineers came", "anyone know"]


@st.composite
def two_sided_posts(draw):
    clauses = draw(st.lists(st.sampled_from(CUE_CLAUSES), min_size=1, max_size=3))
    filler = draw(st.lists(st.sampled_from(FILLER), max_size=2))
    parts = draw(st.permutations(clauses + filler))
    joints = draw(st.lists(st.sampled_from([". ", ", ", " ", "! "]), min_size=len(parts)))
    text = "".join(part + joint for part, joint in zip(parts, joints, strict=False))
    if "{b}" not in text:
        text += " what about {b}"
    if "{a}" not in text:
        text = "{a}. " + text
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=two_sided_posts(), flip=st.booleans())
def test_swapping_the_names_swaps_the_subject(template, flip):
    brand, rival = ("acme", "globex") if not flip else ("globex", "acme")
    text = template.format(a=brand, b=rival)
    swapped = template.format(a=rival, b=brand)
    first, second = classified(text), classified(swapped)
    assert first.intents == second.intents  # the names carry no sentiment or intent
    one = decide_subject(text, BOTH, first.intents)
    two = decide_subject(swapped, BOTH, second.intents)
    assert one is not None and two is not None
    if one.why.startswith("unsure"):
        assert two == one  # a tie is a tie both ways: our side by default
    else:
        other = {"acme": "globex", "globex": "acme"}
        assert (two.topic, two.why.replace(rival, "X").replace(brand, "X")) == (
            other[one.topic],
            one.why.replace(rival, "X").replace(brand, "X"),
        )


@settings(max_examples=20, deadline=None)
@given(clause=st.sampled_from([c for c in CUE_CLAUSES if "{b}" not in c]))
def test_a_clear_cue_decides_without_the_default(clause):
    """The swap property is not vacuous: one cue on one side always decides the subject."""
    text = clause.format(a="globex") + ". acme"
    subject = decide_subject(text, BOTH, ["complaint"])
    assert subject is not None
    assert subject.topic == "globex", subject


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(max_size=120)
    | st.sampled_from([c.format(a="acme", b="globex") for c in CUE_CLAUSES]),
    topics=st.sampled_from([(ACME,), (GLOBEX,), (HELP,), (ACME, HELP), (HELP, ACME)]),
)
def test_a_post_naming_one_side_always_decides_that_side(text, topics):
    kinds = [kind for _, kind, _ in topics]
    kind = "support" if "support" in kinds else kinds[0]
    assert decide_subject(text, topics, ["complaint"]) is None
    result = classify_text(text, topics=topics, settings=SETTINGS)
    assert result == classify_text(text, topic_kind=kind, settings=SETTINGS)
    assert "(about " not in result.opportunity_reason


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(max_size=200),
    intents=st.lists(
        st.sampled_from(["complaint", "praise", "question", "churn_risk", "other"]), max_size=3
    ),
)
def test_any_text_gets_a_subject_on_one_of_its_topics(text, intents):
    subject = decide_subject(text, BOTH, intents)
    assert subject is not None
    assert (subject.topic, subject.kind) in (("acme", "brand"), ("globex", "competitor"))
    assert subject.why
