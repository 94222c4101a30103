"""Topic matching: terms, all, exclude, languages; case, accents, word boundaries, handles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from earmark.config import Topic
from earmark.models import Post, utcnow
from listen.matcher import TopicError, check_examples, compile_topic, compile_topics, match_topics
from listen.textnorm import normalize

NOW = utcnow()


def post(text: str, lang: str | None = None, **fields) -> Post:
    return Post(platform="x", native_id="1", text=text, created_at=NOW, lang=lang, **fields)


def matched_terms(topic: Topic, text: str, lang: str | None = None) -> list[str] | None:
    matches = match_topics(post(text, lang), [compile_topic(topic)])
    return matches[0].terms if matches else None


ACME = Topic(name="acme", terms=["acme", "acme home", "@acmehelp", "#acmefail"])


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("ACME is down again", ["acme"]),
        ("acme's app", ["acme"]),
        ("(acme)", ["acme"]),
        ("love #acme", ["acme"]),  # a bare word also matches its hashtag
        ("thanks @acme", ["acme"]),
        ("Acme  Home keeps rebooting", ["acme", "acme home"]),
        ("acme-home install", ["acme", "acme home"]),
        ("@AcmeHelp still waiting", ["@acmehelp"]),
        ("so #AcmeFail today", ["#acmefail"]),
        ("Ácmé, really", ["acme"]),
    ],
)
def test_terms_match_whole_words_in_any_case_and_accent(text, terms):
    assert matched_terms(ACME, text) == terms


@pytest.mark.parametrize(
    "text",
    [
        "acmeist poetry",
        "the Acmeist movement",
        "xacme",
        "acme_bot",
        "mail support@acmehelp.com",  # an e-mail address is not the handle
        "@acmehelpdesk",
        "acmefail without the hash",  # a #tag term only matches the tag
        "",
    ],
)
def test_terms_do_not_match_inside_words(text):
    assert matched_terms(ACME, text) is None


def test_quoted_phrases_and_wildcards():
    topic = Topic(name="refunds", terms=['"money back"', "refund*"])
    assert matched_terms(topic, "I want my MONEY back") == ["money back"]
    assert matched_terms(topic, "refunded yet?") == ["refund*"]
    assert matched_terms(topic, "Refunds!") == ["refund*"]
    assert matched_terms(topic, "no refun") is None
    assert matched_terms(topic, "money is back") is None


def test_all_terms_must_each_match_and_are_reported():
    topic = Topic(name="outage", terms=["acme"], all=["down", "leeds"])
    assert matched_terms(topic, "Acme down in Leeds") == ["acme", "down", "leeds"]
    assert matched_terms(topic, "Acme down in Bradford") is None


def test_excluded_terms_veto_a_match():
    topic = Topic(name="acme", terms=["acme"], exclude=["acme anvil meme", "wile"])
    assert matched_terms(topic, "the acme anvil meme again") is None
    assert matched_terms(topic, "Wile E. Coyote buys Acme") is None
    assert matched_terms(topic, "acme anvil sale") == ["acme"]


def test_languages_filter_posts_with_a_known_language():
    topic = Topic(name="acme", terms=["acme"], languages=["en", "ES"])
    assert matched_terms(topic, "acme", "en") == ["acme"]
    assert matched_terms(topic, "acme", "en-GB") == ["acme"]
    assert matched_terms(topic, "acme", "es") == ["acme"]
    assert matched_terms(topic, "acme", "fr") is None
    # No language given by the platform: kept, so recall does not depend on metadata.
    assert matched_terms(topic, "acme", None) == ["acme"]


def test_a_query_replaces_terms_while_all_exclude_and_languages_still_apply():
    topic = Topic(
        name="q",
        query="acme AND (outage OR refund*)",
        exclude=["meme"],
        languages=["en"],
    )
    assert matched_terms(topic, "acme outage", "en") == ["acme", "outage"]
    assert matched_terms(topic, "acme refunds", "en") == ["acme", "refund*"]
    assert matched_terms(topic, "acme", "en") is None
    assert matched_terms(topic, "acme outage meme", "en") is None
    assert matched_terms(topic, "acme outage", "de") is None


def test_a_post_can_match_several_topics():
    topics = compile_topics(
        [
            Topic(name="acme", terms=["acme"]),
            Topic(name="globex", kind="competitor", terms=["globex"]),
            Topic(name="other", terms=["initech"]),
        ]
    )
    matches = match_topics(post("switching from Globex to ACME"), topics)
    assert [(m.post_id, m.topic, m.kind, m.terms) for m in matches] == [
        ("x:1", "acme", "brand", ["acme"]),
        ("x:1", "globex", "competitor", ["globex"]),
    ]


def test_terms_with_nothing_to_search_for_are_config_errors():
    with pytest.raises(TopicError) as error:
        compile_topic(Topic(name="acme", terms=["acme", "!!!"]))
    assert (
        str(error.value)
        == "topics.acme.terms: nothing to search for in '!!!': use letters or digits"
    )


def test_query_errors_name_the_topic():
    with pytest.raises(TopicError) as error:
        compile_topic(Topic(name="acme", query="acme AND (foo"))
    assert str(error.value) == (
        "topics.acme.query: query error at column 14: expected ')'\n"
        "  acme AND (foo\n"
        "               ^"
    )


def test_golden_examples_report_each_failure():
    topics = [
        Topic(
            name="acme",
            terms=["acme"],
            should_match=["ACME is down", "acmeist poetry"],
            should_not_match=["globex", "acme anvil"],
        )
    ]
    checked, failures = check_examples(topics)
    assert checked == 4
    assert [f.describe() for f in failures] == [
        "acme: should match but does not: 'acmeist poetry'",
        "acme: should not match but does: 'acme anvil'",
    ]


# --- properties --------------------------------------------------------------------------------

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)
FILLER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,!?-'\n\téü", max_size=60)
ACCENTED = {
    "a": "áàâäÁ",
    "e": "éèêëÉ",
    "i": "íìîïÍ",
    "o": "óòôöÓ",
    "u": "úùûüÚ",
    "c": "çÇ",
    "n": "ñÑ",
}


@st.composite
def variant(draw, word: str) -> str:
    """The word with each letter in random case and, for some letters, with an accent."""
    out = []
    for char in word:
        choice = draw(st.integers(0, 2))
        if choice == 0:
            out.append(char.upper())
        elif choice == 1 and char in ACCENTED:
            out.append(draw(st.sampled_from(ACCENTED[char])))
        else:
            out.append(char)
    return "".join(out)


@given(data=st.data(), term=WORD, left=FILLER, right=FILLER, separator=st.sampled_from(" .,(\n#@"))
def test_a_term_at_a_word_boundary_is_always_found(data, term, left, right, separator):
    written = data.draw(variant(term))
    text = f"{left}{separator}{written} {right}"
    assert matched_terms(Topic(name="t", terms=[term]), text) == [term]


@given(data=st.data(), term=WORD)
def test_accented_and_cased_terms_match_plain_text_and_back(data, term):
    written = data.draw(variant(term))
    assert matched_terms(Topic(name="t", terms=[written]), f"about {term} today") is not None
    assert matched_terms(Topic(name="t", terms=[term]), f"about {written} today") is not None


@given(term=WORD, glued=WORD)
def test_a_term_glued_to_other_letters_never_matches(term, glued):
    assert matched_terms(Topic(name="t", terms=[term]), glued + term) is None
    assert matched_terms(Topic(name="t", terms=[term]), term + glued) is None


@given(text=st.text(max_size=80))
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)
