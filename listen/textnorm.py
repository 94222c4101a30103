"""Text normalisation shared by the topic matcher and the query language.

Both the post and every search term go through `normalize`, so matching is case- and
accent-insensitive ("Café" = "cafe" = "CAFE"), and `term_pattern` turns a term into a regex with
word boundaries ("acme" does not match "acmeist").
"""

from __future__ import annotations

import re
import unicodedata

# Every combining mark (accents, diacritics) of the Basic Multilingual Plane, removed after NFKD
# decomposition. Built once at import (a few milliseconds).
_COMBINING = {cp: None for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))}
_PIECE = re.compile(r"[\w*]+")


def normalize(text: str) -> str:
    """Return text lower-cased with accents removed (the form every match runs on)."""
    if text.isascii():
        return text.lower()
    # Decompose first so compatibility forms (𝐀, ﬁ, full-width letters) fold too, and again
    # after casefold, which can compose (İ -> i + dot).
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return folded.translate(_COMBINING)


def term_pieces(term: str) -> tuple[str, list[str]]:
    """Split a normalised term into its handle prefix ('@', '#' or '') and its word pieces."""
    body = term.strip()
    prefix = ""
    if body[:1] in ("@", "#"):
        prefix, body = body[0], body[1:]
    return prefix, _PIECE.findall(body)


def term_pattern(term: str) -> str:
    """Return the regex source matching term as whole words in normalised text.

    Words of a phrase may be separated by any run of non-word characters; `*` is a wildcard
    for the rest of a word (`refund*`); `@handle` and `#tag` only match as handle/tag, while a
    bare word also matches inside `#word` and `@word`. Raises ValueError for a term with no
    letters or digits.
    """
    prefix, pieces = term_pieces(normalize(term.strip().strip('"')))
    if not pieces or any(not piece.strip("*") for piece in pieces):
        raise ValueError(f"nothing to search for in {term!r}: use letters or digits")
    words = [re.escape(piece).replace(r"\*", r"\w*") for piece in pieces]
    body = r"\W+".join(words)
    # The boundary test comes after the first character, so the pattern starts with a literal
    # and the regex engine can skip ahead to it: 6 to 15 times faster than a leading lookbehind.
    if prefix:
        mark = re.escape(prefix)
        return rf"{mark}(?<![\w@#]{mark}){body}(?!\w)"
    if body[0] != "\\":
        return rf"{body[0]}(?<!\w{body[0]}){body[1:]}(?!\w)"
    return rf"(?<!\w){body}(?!\w)"


def term_literal(term: str) -> str:
    """Return a substring every normalised text matching term must contain (a fast pre-test)."""
    prefix, pieces = term_pieces(normalize(term.strip().strip('"')))
    longest = max((p for piece in pieces for p in piece.split("*")), key=len, default="")
    return prefix + longest if pieces and longest == pieces[0].split("*")[0] else longest


def compile_term(term: str) -> re.Pattern:
    """Compile term_pattern(term)."""
    return re.compile(term_pattern(term))


def display_term(term: str) -> str:
    """Return a term as it is reported in matches (whitespace collapsed, quotes removed)."""
    return " ".join(term.strip().strip('"').split())
