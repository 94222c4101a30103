"""The first-character gate on cue and term regexes never changes what they match."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify import pii
from classify.first_chars import gated
from classify.intent import compile_rules
from classify.sentiment import _CARE_INDEX
from classify.text import compile_terms

TERMS = ("acme hub", "Globex", "@acmehelp", "$ave", "k-mart", "Ünicorn", "#acme", "_under")
CUE_INDEXES = (compile_rules(())[0], _CARE_INDEX)
PATTERNS = [
    *(search.__self__ for index in CUE_INDEXES for *_, search in index.entries),
    compile_terms(TERMS),
    *(pii.EMAIL, pii._DIGITS, pii._LOCATOR, pii._ORDER_START, pii._ACCOUNT_START),
]
# Words from the cues and terms, so random texts often come close to matching.
WORDS = sorted(
    {word for p in PATTERNS for word in re.findall(r"[A-Za-z']{2,}", p.pattern)}
    | {"waiting", "still", "refund", "down", "outage", "KELVIN", "\u212a", "\u017f", "İ"}
    | {"a@b.co", "+44 (0)20 7946 0958", "4111 1111 1111 1111", "QWERTY", "order#", "A/C"}
)
texts = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=4)), max_size=12).map(" ".join)


def ungated(pattern: re.Pattern) -> re.Pattern:
    """The pattern as written, without the gate gated() put in front (if any)."""
    match = re.fullmatch(r"\(\?=\[.*?\]\)\(\?:(.*)\)", pattern.pattern, re.DOTALL)
    return re.compile(match.group(1), pattern.flags) if match else pattern


def test_every_cue_and_the_terms_get_a_gate_but_one_that_can_start_anywhere():
    without = [p.pattern for p in PATTERNS if not p.pattern.startswith("(?=[")]
    assert without == [r"(?:^[^.!?\n]*\bhow (?:long|much|many)\b)"]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_gated_patterns_find_exactly_what_the_originals_find(text):
    for pattern in PATTERNS:
        original = ungated(pattern)
        for case in (text, text.lower()):
            found, expected = pattern.search(case), original.search(case)
            assert (found and found.span()) == (expected and expected.span()), pattern.pattern
            found_all = [m.span() for m in pattern.finditer(case)]
            assert found_all == [m.span() for m in original.finditer(case)], pattern.pattern


@pytest.mark.parametrize(
    "source, gate",
    [
        (r"\bfoo|bar", "[bf]"),
        (r"(?<!\w)#?(?:acme|globex)(?!\w)", r"[\#ag]"),
        (r"x*y", "[xy]"),
        (r"[a-c]\d", "[a-c]"),
        (r"\d+ hours", r"[\d]"),
    ],
)
def test_the_gate_lists_the_possible_first_characters(source, gate):
    pattern = gated(re.compile(source))
    assert pattern.pattern == f"(?={gate})(?:{source})"


@pytest.mark.parametrize(
    "source",
    [
        "a*",  # may match the empty string
        "(?i:abc)",  # scoped flags: a gate with the outer flags could disagree
        "[^a]b",  # negated class
        ".x",  # any character
        "(?i)abc",  # global flags must stay first: not wrapped
        "",
    ],
)
def test_patterns_whose_first_characters_are_unknown_are_left_as_they_are(source):
    pattern = re.compile(source)
    assert gated(pattern) is pattern


def test_case_insensitive_gate_keeps_unicode_case_folding():
    # Under IGNORECASE "k" also matches KELVIN SIGN; the gate has the same flags, so it does too.
    pattern = gated(re.compile(r"\bkm\b", re.IGNORECASE))
    assert pattern.search("5 \u212aM away").group(0) == "\u212aM"
