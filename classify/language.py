"""Offline language detection: a fast English check, then py3langid's bundled model."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Frequent English function words that are rare as words in other Latin-script languages
# (no "a", "in", "no", "me", "was", "will", "so", "on": they are also Spanish/German/French...).
_ENGLISH_WORDS = frozenset(
    """the and you your is are to of my it it's its for with this that have has had not be been
    just what when why how can can't cannot i i'm i've i'd we they them their our from at
    would could should there here they're don't doesn't didn't won't isn't aren't wasn't
    get got any all about but if or because than then which who were been being do does did
    myself still again flight order account thanks thank please help""".split()
)
_WORD = re.compile(r"[a-z']+")
# Letters of non-Latin scripts (Greek to Devanagari..., CJK, Hangul); emoji and symbols are not.
_OTHER_SCRIPT = re.compile(r"[\u0370-\u1dff\u3040-\ud7ff\uf900-\ufaff]")
_ENOUGH_LETTERS = re.compile(r"(?:[^\W\d_][\W\d_]*){12}")
MIN_LETTERS = 12  # below this, detection is guesswork: trust the post's own language instead
MIN_CONFIDENCE = 0.5  # the model splits close languages (ru/bg, es/an): 0.5 is a clear lead

_IDENTIFIER = None
_FEELINGS: frozenset[str] | None = None


def _identifier():
    """Load py3langid's model once per process (it takes ~0.6 s)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def looks_english(text: str, words: frozenset[str] | None = None) -> bool:
    """Return True when Latin-script text is dense in English function words (the common case)."""
    if not text.isascii() and _OTHER_SCRIPT.search(text):
        return False
    if words is None:
        words = frozenset(_WORD.findall(text.lower()))
    if not words:
        return False
    hits = len(words & _ENGLISH_WORDS)
    if hits >= 2 and hits * 6 >= len(words) or hits >= 1 and len(words) <= 4:
        return True
    # English sentiment words (VADER's lexicon) are evidence too: "Another delay. Wow".
    feelings = len(words & _sentiment_words())
    return hits >= 1 and feelings >= 1 or feelings >= 2 and feelings * 3 >= len(words)


def _sentiment_words() -> frozenset[str]:
    """Return VADER's lexicon words of 3+ letters, built once."""
    global _FEELINGS
    if _FEELINGS is None:
        from classify.sentiment import get_stock_analyzer

        lexicon = get_stock_analyzer().lexicon
        _FEELINGS = frozenset(word for word in lexicon if len(word) > 2 and word.isalpha())
    return _FEELINGS


def detect_language(
    text: str,
    *,
    hint: str | None = None,
    languages: Sequence[str] = ("en",),
    words: frozenset[str] | None = None,
) -> str:
    """Return the ISO 639-1 code of `text`; fall back to `hint`, then `languages[0]`, when unsure"
    "."""
    hint = hint.lower().split("-")[0] if hint else None
    if hint and hint != "en":
        # Platforms tag posts with their own detectors (X, Bluesky) or the author's choice
        # (Mastodon). A tag other than English is strong evidence, and short posts full of
        # brand names and loanwords ("internet", "sin") fool the fast English check.
        return hint
    fallback = hint or (languages[0] if languages else "en").lower()
    if not _ENOUGH_LETTERS.search(text):
        return fallback
    if looks_english(text, words):
        return "en"
    lang, confidence = _identifier().classify(text)
    if confidence < MIN_CONFIDENCE:
        return fallback
    return lang
