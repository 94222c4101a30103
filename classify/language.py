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
    me myself still again flight order account thanks thank please help""".split()
)
_WORD = re.compile(r"[a-z']+")
MIN_LETTERS = 12  # below this, detection is guesswork: trust the post's own language instead
MIN_CONFIDENCE = 0.5  # the model splits close languages (ru/bg, es/an): 0.5 is a clear lead

_IDENTIFIER = None


def _identifier():
    """Load py3langid's model once per process (it takes ~0.6 s)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def looks_english(text: str) -> bool:
    """Return True when ASCII text is dense in English function words (the common case)."""
    if not text.isascii():
        return False
    words = _WORD.findall(text.lower())
    if not words:
        return False
    hits = sum(1 for word in words if word in _ENGLISH_WORDS)
    return hits >= 2 and hits * 6 >= len(words) or hits >= 1 and len(words) <= 4


def detect_language(
    text: str, *, hint: str | None = None, languages: Sequence[str] = ("en",)
) -> str:
    """Return the ISO 639-1 code of `text`; fall back to `hint`, then `languages[0]`, when unsure."""
    fallback = (hint or (languages[0] if languages else "en")).lower()
    letters = sum(1 for char in text if char.isalpha())
    if letters < MIN_LETTERS:
        return fallback
    if looks_english(text):
        return "en"
    lang, confidence = _identifier().classify(text)
    if confidence < MIN_CONFIDENCE:
        return fallback
    return lang
