"""Scoring text: handles and masked names become "@user"; neutral terms too (one pattern)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from classify.text import compile_terms, to_scoring_text

# The single pattern to_scoring_text replaced with two faster ones: the same matches.
REFERENCE_HANDLE = re.compile(r"(?<![\w.])@\w+|\b__\w+__\b")
PIECES = st.sampled_from(["@", "_", "__", ".", "a", "B", "7", " ", "acme", "x@y.com", "é", "\t"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=16).map("".join))
def test_handles_and_masked_names_are_replaced_as_one_pattern_would(text):
    expected = re.sub(r"[ \t\r\f\v]{2,}", " ", REFERENCE_HANDLE.sub(" @user ", text)).strip()
    assert to_scoring_text(text) == expected


def test_email_addresses_are_not_handles():
    assert to_scoring_text("mail me at jo@mail.example or @acmehelp") == (
        "mail me at jo@mail.example or @user"
    )


def test_neutral_terms_longest_first_with_word_boundaries():
    terms = compile_terms(("acme", "acme home", "@acmehelp", "united!"))
    text = "Acme Home and #acme and acmes, ask @AcmeHelp: United! is not unitedly"
    assert to_scoring_text(text, terms) == (
        "@user and @user and acmes, ask @user : @user is not unitedly"
    )


SPACES = st.sampled_from([" ", "  ", "\t", "\r", "\f", "\v", "\n", "a", "b c", "\u00a0", "\u2028"])


@settings(max_examples=400, deadline=None)
@given(st.lists(SPACES, max_size=12).map("".join))
def test_runs_of_spaces_and_tabs_collapse_to_one_space_newlines_stay(text):
    assert to_scoring_text(text) == re.sub(r"[ \t\r\f\v]{2,}", " ", text).strip()
