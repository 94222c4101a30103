"""The faster VADER loop gives exactly the numbers of vaderSentiment's own polarity_scores."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, SPECIAL_CASES

from classify.sentiment import get_stock_analyzer
from classify.vader import polarity_scores

TRICKY = [
    "I do NOT like the new seats AT ALL",
    "not the least bit happy with the upgrade",
    "at least the crew was kind",
    "the lounge was kind of bad, sort of okay",
    "never so happy to land",
    "without doubt the best crew",
    "that flight was the bomb",
    "no love or hate for this airline",
    "no no good service",
    "GREAT crew but AWFUL food :) 😀 and I hate delays",
    "yeah right, the shit service",
    "KIND OF good, very very nice!!!",
    "The wifi isn't bad, it's not great either?",
    "",
    "   ",
]

WORDS = st.sampled_from(
    "good bad not no never very kind of least at but so this without doubt great hate love "
    "GOOD BAD NOT :) :( ! ? 😀 😡 the a flight crew isn't wasn't".split()
)


def test_tricky_sentences_match_stock_vader():
    analyzer = get_stock_analyzer()
    for text in TRICKY:
        assert polarity_scores(analyzer, text) == analyzer.polarity_scores(text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=14).map(" ".join))
def test_random_word_salad_matches_stock_vader(text):
    analyzer = get_stock_analyzer()
    assert polarity_scores(analyzer, text) == analyzer.polarity_scores(text)


EMOJI = st.sampled_from(list("😀😡👍💔🙏🔥✈️❤️🤬😭") + ["\u200d", "\ufe0f", " ", "!", "?", "İ", "ß"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, EMOJI, st.text(max_size=6)), max_size=14).map("".join))
def test_arbitrary_unicode_with_emoji_matches_stock_vader(text):
    analyzer = get_stock_analyzer()
    assert polarity_scores(analyzer, text) == analyzer.polarity_scores(text)


# Every idiom and multi-word booster VADER knows, mixed with words they modify.
PHRASES = st.sampled_from(
    sorted({*SPECIAL_CASES, *(key for key in BOOSTER_DICT if " " in key)})
    + "good bad great hate love not no the very crew BAD GOOD".split()
)


@settings(max_examples=400, deadline=None)
@given(st.lists(PHRASES, max_size=10).map(" ".join))
def test_idioms_and_booster_phrases_match_stock_vader(text):
    analyzer = get_stock_analyzer()
    assert polarity_scores(analyzer, text) == analyzer.polarity_scores(text)
