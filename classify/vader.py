"""VADER's per-token scoring loop, rewritten to run faster with identical results.

vaderSentiment lowercases the whole post again for every sentiment word it scores (negation,
idiom and "least" checks), which makes long posts quadratic; this version lowercases once and
tests negations with a set. `tests/test_classify_vader.py` checks it against the original.
"""

from __future__ import annotations

import string

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    scalar_inc_dec,
)

_NEGATE = frozenset(NEGATE)
_PUNCTUATION = string.punctuation


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


def to_tokens(analyzer: SentimentIntensityAnalyzer, text: str) -> tuple[str, list[str], bool]:
    """Replace emoji by their descriptions and tokenize, as VADER's SentiText does."""
    if not text.isascii():
        emojis = analyzer.emojis
        parts = []
        prev_space = True
        for char in text:
            description = emojis.get(char)
            if description is not None:
                if not prev_space:
                    parts.append(" ")
                parts.append(description)
                prev_space = False
            else:
                parts.append(char)
                prev_space = char == " "
        text = "".join(parts).strip()
    words = []
    for token in text.split():
        stripped = token.strip(_PUNCTUATION)
        words.append(token if len(stripped) <= 2 else stripped)
    # Some but not all tokens in capitals: capitals then add emphasis (allcap_differential).
    capitals = sum(map(str.isupper, words))
    return text, words, 0 < len(words) - capitals < len(words)


def token_valences(
    analyzer: SentimentIntensityAnalyzer, text: str
) -> tuple[list[float], list[str], str]:
    """Return VADER's per-token valences (after the "but" rule), the tokens and scored text."""
    text, words, is_cap_diff = to_tokens(analyzer, text)
    lower = [word.lower() for word in words]
    lexicon = analyzer.lexicon
    last = len(words) - 1
    sentiments: list[float] = []
    for i, item in enumerate(words):
        word = lower[i]
        if word not in lexicon or word in BOOSTER_DICT:
            sentiments.append(0)
            continue
        if word == "kind" and i < last and lower[i + 1] == "of":
            sentiments.append(0)
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
        if is_cap_diff and item.isupper():
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                scalar = scalar_inc_dec(words[i - (start_i + 1)], valence, is_cap_diff)
                if start_i == 1 and scalar != 0:
                    scalar = scalar * 0.95
                if start_i == 2 and scalar != 0:
                    scalar = scalar * 0.9
                valence = valence + scalar
                valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lower, i)
        valence = _least_check(valence, lower, i, lexicon)
        sentiments.append(valence)
    if "but" in lower:
        sentiments = analyzer._but_check(words, sentiments)
    return sentiments, words, text


def polarity_scores(analyzer: SentimentIntensityAnalyzer, text: str) -> dict:
    """VADER's polarity_scores, faster; same numbers."""
    sentiments, _, text = token_valences(analyzer, text)
    return analyzer.score_valence(sentiments, text)
