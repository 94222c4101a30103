"""VADER's per-token scoring loop, rewritten to run faster with identical results.

vaderSentiment lowercases the whole post again for every sentiment word it scores (negation,
idiom and "least" checks), which makes long posts quadratic; this version lowercases once and
tests negations with a set. `tests/test_classify_vader.py` checks it against the original.
"""

from __future__ import annotations

import math
import string
from weakref import WeakKeyDictionary

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    normalize,
    scalar_inc_dec,
)

_NEGATE = frozenset(NEGATE)
_PUNCTUATION = string.punctuation
# A valence changes in _negation_check only next to one of these ("never" and "without" are in
# NEGATE; "so"/"this" are VADER's "never so"/"never this" check, which also fires on its own).
_NEGATION_CONTEXT = _NEGATE | {"so", "this"}
# Consecutive word pairs of VADER's multi-word idioms and boosters ("kiss of death": "kiss of",
# "of death"): a phrase can only match where one of its pairs is.
_IDIOM_PAIRS = frozenset(
    pair
    for phrase in [*SPECIAL_CASES, *BOOSTER_DICT]
    for pair in zip(phrase.split(), phrase.split()[1:], strict=False)
)
_SCORING: WeakKeyDictionary = WeakKeyDictionary()
_EMOJI_TABLES: WeakKeyDictionary = WeakKeyDictionary()


def _negated(word: str) -> bool:
    """VADER's `negated([word])` for one lowercased word."""
    return word in _NEGATE or "n't" in word


def _negation_check(valence: float, lower: list[str], start_i: int, i: int) -> float:
    """VADER's `_negation_check` over pre-lowercased tokens."""
    if start_i == 0:
        if _negated(lower[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (
            lower[i - 3] == "never"
            and (lower[i - 2] == "so" or lower[i - 2] == "this")
            or (lower[i - 1] == "so" or lower[i - 1] == "this")
        ):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    """VADER's `_special_idioms_check` over pre-lowercased tokens."""
    window = lower[i - 3 : i + 3]
    if not any(pair in _IDIOM_PAIRS for pair in zip(window, window[1:], strict=False)):
        return valence  # every idiom or booster phrase holds one of these word pairs
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _least_check(valence: float, lower: list[str], i: int, lexicon: dict) -> float:
    """VADER's `_least_check` over pre-lowercased tokens."""
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _scoring_words(analyzer: SentimentIntensityAnalyzer) -> frozenset[str]:
    """Return the lexicon words that score on their own (boosters only modify neighbours).

    Built once per analyzer; the lexicon's membership must not change afterwards (values may).
    """
    scoring = _SCORING.get(analyzer)
    if scoring is None:
        scoring = frozenset(word for word in analyzer.lexicon if word not in BOOSTER_DICT)
        _SCORING[analyzer] = scoring
    return scoring


def _emoji_table(analyzer: SentimentIntensityAnalyzer) -> dict[int, str]:
    """Return a str.translate table that puts each emoji's description after a space."""
    table = _EMOJI_TABLES.get(analyzer)
    if table is None:
        # VADER walks the text char by char, so only one-character keys can ever match. A
        # leading space where VADER adds none (after a space) changes no token: text.split().
        table = {ord(key): f" {value}" for key, value in analyzer.emojis.items() if len(key) == 1}
        _EMOJI_TABLES[analyzer] = table
    return table


def to_tokens(analyzer: SentimentIntensityAnalyzer, text: str) -> tuple[str, list[str], bool]:
    """Replace emoji by their descriptions and tokenize, as VADER's SentiText does."""
    if not text.isascii():
        text = text.translate(_emoji_table(analyzer)).strip()
    punctuation = _PUNCTUATION
    # VADER strips punctuation from a token unless that leaves two characters or fewer.
    words = [
        stripped if len(stripped := token.strip(punctuation)) > 2 else token
        for token in text.split()
    ]
    # Some but not all tokens in capitals: capitals then add emphasis (allcap_differential).
    capitals = sum(map(str.isupper, words))
    return text, words, 0 < len(words) - capitals < len(words)


def token_valences(
    analyzer: SentimentIntensityAnalyzer, text: str
) -> tuple[list[float], list[str], str]:
    """Return VADER's per-token valences (after the "but" rule), the tokens and scored text."""
    text, words, is_cap_diff = to_tokens(analyzer, text)
    # Tokens hold no whitespace and lowercasing adds none, so this is one lower() per token.
    joined = " ".join(words).lower()
    lower = joined.split()
    sentiments: list[float] = [0] * len(words)
    scoring = _scoring_words(analyzer)
    if scoring.isdisjoint(lower):
        return sentiments, words, text
    lexicon = analyzer.lexicon
    last = len(words) - 1
    # Idioms and multi-word boosters need one of their word pairs in the post: most have none.
    idioms = not _IDIOM_PAIRS.isdisjoint(zip(lower, lower[1:], strict=False))
    # Negation checks can only change a valence next to one of these words (or a "...n't").
    negations = not _NEGATION_CONTEXT.isdisjoint(lower) or "n't" in joined
    for i in [i for i, word in enumerate(lower) if word in scoring]:
        word = lower[i]
        if word == "kind" and i < last and lower[i + 1] == "of":
            continue
        valence = lexicon[word]
        if word == "no" and i != last and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[word] * N_SCALAR
        if is_cap_diff and words[i].isupper():
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(3):
            if i > start_i and (before := lower[i - (start_i + 1)]) not in lexicon:
                # scalar_inc_dec is 0.0 unless the word is a booster ("very", "barely"...)
                scalar = (
                    scalar_inc_dec(words[i - (start_i + 1)], valence, is_cap_diff)
                    if before in BOOSTER_DICT
                    else 0.0
                )
                if start_i == 1 and scalar != 0:
                    scalar = scalar * 0.95
                if start_i == 2 and scalar != 0:
                    scalar = scalar * 0.9
                valence = valence + scalar
                if negations:
                    valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2 and idioms:
                    valence = _special_idioms_check(valence, lower, i)
        sentiments[i] = _least_check(valence, lower, i, lexicon)
    if "but" in lower:
        sentiments = analyzer._but_check(words, sentiments)
    return sentiments, words, text


def score_valence(sentiments: list[float], text: str) -> dict[str, float]:
    """VADER's `score_valence` (compound, pos, neu, neg from token valences), same numbers."""
    if not sentiments:
        return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
    sum_s = float(sum(sentiments))
    # Emphasis from "!" (up to 4) and "?" (2 or more), as _punctuation_emphasis.
    marks = text.count("?")
    amplifier = min(text.count("!"), 4) * 0.292 + (
        0 if marks <= 1 else marks * 0.18 if marks <= 3 else 0.96
    )
    if sum_s > 0:
        sum_s += amplifier
    elif sum_s < 0:
        sum_s -= amplifier
    compound = normalize(sum_s)
    pos_sum = 0.0
    neg_sum = 0.0
    neu_count = sentiments.count(0)
    for score in filter(None, sentiments):  # _sift_sentiment_scores, added in the same order
        if score > 0:
            pos_sum += float(score) + 1
        else:
            neg_sum += float(score) - 1
    if pos_sum > -neg_sum:
        pos_sum += amplifier
    elif pos_sum < -neg_sum:
        neg_sum -= amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return {
        "neg": round(math.fabs(neg_sum / total), 3),
        "neu": round(math.fabs(neu_count / total), 3),
        "pos": round(math.fabs(pos_sum / total), 3),
        "compound": round(compound, 4),
    }


def polarity_scores(analyzer: SentimentIntensityAnalyzer, text: str) -> dict:
    """VADER's polarity_scores, faster; same numbers."""
    sentiments, _, text = token_valences(analyzer, text)
    return score_valence(sentiments, text)
