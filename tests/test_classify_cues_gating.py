"""Cue gating is exact: whenever a cue's pattern matches, its trigger and `also` words are there.

A cue's regex only runs when the post shares a word with its trigger words (and its `also`
words), so a trigger set that misses some match would silently drop that match.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.cues import Cue
from classify.intent_cues import CUES
from classify.sentiment import CARE_CUES
from classify.text import to_words


def care_rules(rules: Cue | tuple[Cue, ...]) -> tuple[Cue, ...]:
    """Return a care family's cues (a family is one cue, or several split by their words)."""
    return rules if isinstance(rules, tuple) else (rules,)


ALL_CUES: list[tuple[str, Cue]] = [
    (f"{name}[{i}]", rule) for name, rules in CUES.items() for i, rule in enumerate(rules)
] + [
    (f"care:{name}[{i}]", rule)
    for name, rules in CARE_CUES.items()
    for i, rule in enumerate(care_rules(rules))
]

# Cues whose trigger words already missed some matches before the cue families were split by
# the words each alternative needs. Their gating is kept as it was (a split part holding such an
# alternative keeps the family's whole trigger set), so results do not change; they are listed
# here rather than "fixed", because adding the missing words would change which posts match.
KNOWN_INEXACT = {
    "outage[1]": 'returns 404": "returns"/"returning" are no trigger words',
    "outage[3]": 'prefixes: "\\berror", "\\bcrash", "\\bglitch" match "errorcode", "crashtest"',
    "outage[6]": '"no luck": "luck"/"no" are no trigger words',
    "outage[9]": 'plurals "sites"/"apps", "login", "portal", "server" are no trigger words',
    "outage[13]": '"drop to no bars": "drop" is no trigger word',
    "churn_risk[1]": '"no plan of flying": "plan" (singular) is no trigger word',
    "churn_risk[2]": '"cancel+" matches "cancelll"',
    "churn_risk[11]": 'prefix "\\bunsubscrib" matches "unsubscribes"',
    "churn_risk[13]": '"i\'m leave @user": "leave" is no trigger word',
    "churn_risk[15]": '"get out of contract": "get"/"contract" are no trigger words',
    "complaint[1]": '"7th time": only 4th-6th are trigger words',
    "complaint[7]": '"showing delivered": "showing" is no trigger word',
    "complaint[16]": 'prefixes "frustrat\\w+", "annoy\\w+" match "annoys"',
    "complaint[17]": '"no service": "no" is no trigger word',
    "complaint[21]": '"10minutes delay": "\\d+ ?minutes" makes one token',
    "complaint[22]": '"overbilled", "hidden fee" are no trigger words',
    "question[0]": '"am i ok to": "ok"/"okay" are no trigger words',
    "question[2]": '"@userhow" is one token',
    "question[9]": '"do you have": none of its words is a trigger word',
    "purchase_intent[0]": '"we\'ll choose": "we\'ll" is no trigger word',
    "purchase_intent[1]": '"tempted by getting": "tempted" is no trigger word',
    "purchase_intent[16]": 'prefix "\\bpreorder" matches "preorders"',
    "care:waiting[0]": '"10minutes delay": "\\d+ ?minutes" makes one token',
    "care:lost[1]": '"luggages late": "luggages" is no trigger word',
    "care:lost[2]": '"have not been delivered": none of its words is a trigger word',
    "care:money[0]": 'prefixes "\\brefund", "\\bcompensat" match "refundable"',
    "care:failure[2]": 'prefixes "\\berror", "\\bcrash", "\\bglitch" match "errorcode"',
    "care:bad_service[2]": 'prefix "\\bdisgrace" matches "disgracefully"',
}
CHECKED = [(label, rule) for label, rule in ALL_CUES if label not in KNOWN_INEXACT]

# Letters, digits, hyphens and punctuation: what the text around a match is made of. Apostrophes
# come only inside whole words ("can't", "i'm", "it's"): a cue word glued to another one by an
# apostrophe ("down's", "o'clock") is a single token, a blind spot every cue shares and that
# posts rarely hit, so it is not generated.
ALPHABET = string.ascii_lowercase + string.digits + " -.,!?@\n"
SEPARATORS = [" ", "  ", ", ", ". ", "! ", "? ", "-", " '", "' ", "\n", "/", " @user "]
SUFFIXES = ["", "", "", "s", "ing", "ed", "es", "-", "0"]
EXTRA = (
    "i we you it the a an my our me is was not no to of for with @user 2 3 10 500 can't i'm "
    "it's what's don't we'll would've should've user's isn't y'all"
)


def literal_words(pattern: str) -> set[str]:
    """Return the literal words written in a regex (escapes such as \\b and \\w removed)."""
    found = re.findall(r"[a-z0-9']+", re.sub(r"\\.", " ", pattern))
    return {word.strip("'") for word in found} - {""}


def vocabulary(rule: Cue) -> list[str]:
    """Return the words texts for `rule` are built from: its own words plus common ones."""
    words = set(EXTRA.split()) | literal_words(rule.pattern.pattern)
    words |= rule.triggers or set()
    words |= rule.also or set()
    return sorted(words)


def texts_for(rule: Cue) -> st.SearchStrategy[str]:
    """Return texts likely to match `rule`: regex-made matches in context, or word salads."""
    made = st.from_regex(rule.pattern, alphabet=st.sampled_from(ALPHABET))
    word = st.tuples(st.sampled_from(vocabulary(rule)), st.sampled_from(SUFFIXES)).map("".join)
    salad = st.lists(st.tuples(word, st.sampled_from(SEPARATORS)), min_size=1, max_size=12).map(
        lambda pairs: "".join(w + sep for w, sep in pairs)
    )
    return st.one_of(made, salad, st.tuples(salad, made, salad).map("".join))


def gate_is_met(rule: Cue, words: frozenset[str]) -> bool:
    """Return True when `words` pass the cue's trigger and `also` gates."""
    if rule.triggers is not None and rule.triggers.isdisjoint(words):
        return False
    return rule.also is None or not rule.also.isdisjoint(words)


def test_known_inexact_labels_name_existing_cues():
    assert set(KNOWN_INEXACT) <= {label for label, _ in ALL_CUES}


@pytest.mark.parametrize("label,rule", CHECKED, ids=[label for label, _ in CHECKED])
def test_every_match_has_the_cue_trigger_and_also_words(label, rule):
    @settings(max_examples=80, deadline=None, derandomize=True)
    @given(texts_for(rule))
    def check(text):
        lowered = text.lower()
        if rule.pattern.search(lowered):
            words = to_words(lowered)
            assert gate_is_met(rule, words), f"{label} matches {lowered!r} without its words"

    check()
