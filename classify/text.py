"""Prepare post text for scoring: drop what carries no sentiment (links, handles, brand names)."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from classify.first_chars import gated

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# @handles and masked placeholders such as __company__ name someone: never sentiment. They become
# "@user", so rules can still see that an account was named ("switching to @user").
_HANDLE = re.compile(r"@(?<![\w.]@)\w+")  # starts with "@": re finds candidates fast
_MASKED = re.compile(r"\b__\w+__\b")
_HASH = re.compile(r"#(?=\w)")
_SPACES = re.compile(r"[ \t\r\f\v]{2,}")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def to_words(lowered: str) -> frozenset[str]:
    """Return the set of word tokens of lowercased text ("can't" stays one token)."""
    return frozenset(_WORD.findall(lowered))


@lru_cache(maxsize=64)
def compile_terms(terms: tuple[str, ...]) -> re.Pattern | None:
    """Compile neutral terms (brand/product names, handles) into one case-insensitive pattern."""
    cleaned = sorted(
        {term.strip() for term in terms if term and term.strip()}, key=len, reverse=True
    )
    if not cleaned:
        return None
    # Consecutive terms with the same boundaries share one group: "(?<!\w)#?(?:a|b|c)(?!\w)" runs
    # about four times faster than one lookbehind per term, and keeps the longest-first order.
    groups: list[tuple[str, str, list[str]]] = []
    for term in cleaned:
        left = r"(?<!\w)" if term[0].isalnum() or term[0] == "_" else ""
        right = r"(?!\w)" if term[-1].isalnum() or term[-1] == "_" else ""
        if groups and groups[-1][:2] == (left, right):
            groups[-1][2].append(re.escape(term))
        else:
            groups.append((left, right, [re.escape(term)]))
    parts = [f"{left}#?(?:{'|'.join(bodies)}){right}" for left, right, bodies in groups]
    return gated(re.compile("|".join(parts), re.IGNORECASE))


def to_scoring_text(text: str, terms: re.Pattern | None = None) -> str:
    """Return `text` without links, @handles, hashtag signs and neutral terms, entities decoded."""
    if "&" in text:
        text = html.unescape(text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(" @user ", text)
    if "__" in text:
        text = _MASKED.sub(" @user ", text)
    if terms is not None:
        text = terms.sub(" @user ", text)
    if "#" in text:
        text = _HASH.sub("", text)
    if "\u2019" in text:
        text = text.replace("\u2019", "'")  # typographic apostrophe: "can’t" is "can't"
    if "  " in text or not text.isprintable():  # a run to collapse has one or the other
        text = _SPACES.sub(" ", text)
    return text.strip()
