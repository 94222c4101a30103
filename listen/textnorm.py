"""Text normalisation shared by the topic matcher and the query language.

Both the post and every search term go through `normalize`, so matching is case- and
accent-insensitive ("Café" = "cafe" = "CAFE"), blind to compatibility forms ("ＡＣＭＥ", "𝐚𝐜𝐦𝐞"),
to characters that show nothing ("ac\u200bme", a soft hyphen) and to Cyrillic or Greek
look-alike letters mixed into a Latin word ("аcme" with U+0430). Only matching sees this form:
stored and shown text is never changed. `term_pattern` turns a term into a regex with word
boundaries ("acme" does not match "acmeist").

A word written wholly in Cyrillic or Greek is left alone, even when every letter has a Latin
twin: "ВОТ" is a Russian word that reads "BOT", and folding it would make Russian posts match
English terms. Add such a spelling as a term of its own if it matters.
"""

from __future__ import annotations

import re
import unicodedata

from earmark.safetext import IGNORABLE_LETTERS

# Cyrillic and Greek letters that Unicode's confusables data (UTS #39) gives as look-alikes of a
# Latin letter, in either case: folding runs on case-folded text, so "в" stands for "В" (reads
# "B"). Where the two cases read differently (Greek "Ν" is N, "ν" is v) the small letter wins.
_LOOKALIKES = dict(
    pair
    for pair in (
        "аa вb гr еe кk мm нh оo рp сc тt уy хx іi јj ѕs ԁd һh ӏl ԛq ԝw үy ѵv ѡw ҽe ьb ԍg ꙇi "
        "αa βb εe ζz ηh ιi κk μm νv οo ρp σo τt υu χx γy ϲc ϳj ϝf ϻm ᴦr"
    ).split()
)
_FOLD_LOOKALIKES = str.maketrans(_LOOKALIKES)
_LOOKALIKE_CLASS = "[" + "".join(_LOOKALIKES) + "]"
_ANY_LOOKALIKE = re.compile(_LOOKALIKE_CLASS)
# A word is folded when a Latin letter stands right beside a look-alike ("аcme", "pаypal"): two
# searches, each starting from a small set of characters, are faster than one alternation.
_LATIN_THEN_LOOKALIKE = re.compile("[a-z]" + _LOOKALIKE_CLASS)
_LOOKALIKE_THEN_LATIN = re.compile(_LOOKALIKE_CLASS + "[a-z]")
# A whole word holding a look-alike; the lookbehind keeps the scan linear in the word's length.
_WORD_WITH_LOOKALIKE = re.compile(r"(?<!\w)\w*" + _LOOKALIKE_CLASS + r"\w*")


# Where the format characters (category Cf) live: a scan of these blocks is 5x faster at import
# than asking for the category of every code point.
_FORMAT_BLOCKS = (
    range(0xAD, 0xAE),
    range(0x600, 0x710),
    range(0x890, 0x8E3),
    range(0x180E, 0x180F),
    range(0x2000, 0x2070),
    range(0xFEFF, 0xFF00),
    range(0xFFF9, 0xFFFC),
    range(0x110BD, 0x110CE),
    range(0x13430, 0x13460),
    range(0x1BCA0, 0x1BCA4),
    range(0x1D173, 0x1D17B),
    range(0xE0000, 0xE0080),
)
# Removed before matching: every combining mark (accents, diacritics) of the Basic Multilingual
# Plane after NFKD decomposition, and every character that shows nothing (zero-width space and
# joiners, soft hyphen, BOM, bidi controls, variation selectors, tags). Built once at import.
_MARKS = {cp for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))}
_DROP = set(_MARKS)
_DROP.update(
    cp for block in _FORMAT_BLOCKS for cp in block if unicodedata.category(chr(cp)) == "Cf"
)
_DROP.update(map(ord, IGNORABLE_LETTERS))


def _char_class(code_points: set[int]) -> str:
    """Return a regex character class of code_points, as ranges."""
    parts, ordered = [], sorted(code_points)
    start = previous = ordered[0]
    for cp in [*ordered[1:], -1]:
        if cp != previous + 1:
            parts.append(
                re.escape(chr(start)) + ("-" + re.escape(chr(previous))) * (previous > start)
            )
            start = cp
        previous = cp
    return "[" + "".join(parts) + "]"


# A regex removes them about twice as fast as str.translate with a table of this size.
_DROPPED_RUN = re.compile(_char_class(_DROP) + "+")
_MARK_RUN = re.compile(_char_class(_MARKS) + "+")
_PIECE = re.compile(r"[\w*]+")


def normalize(text: str, *, disguises: bool = True) -> str:
    """Return text lower-cased with accents removed, and with invisible characters and mixed-in
    Cyrillic/Greek look-alikes folded away (the form every match runs on).

    disguises=False keeps invisible characters and look-alikes: for identities such as author
    handles, where "аcmehelp" with a Cyrillic "а" is another account, not the brand's.
    """
    if text.isascii():
        return text.lower()
    # Decompose first so compatibility forms (𝐀, ﬁ, full-width letters) fold too, and again
    # after casefold, which can compose (İ -> i + dot).
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    if not disguises:
        return _MARK_RUN.sub("", folded)
    # Marks and invisible characters go before look-alikes are folded: "а\u200bcmé" is one word.
    folded = _DROPPED_RUN.sub("", folded)
    if _ANY_LOOKALIKE.search(folded) and _mixes_latin_and_lookalikes(folded):
        return _WORD_WITH_LOOKALIKE.sub(_fold_mixed_word, folded)
    return folded


def _mixes_latin_and_lookalikes(text: str) -> bool:
    return bool(_LATIN_THEN_LOOKALIKE.search(text) or _LOOKALIKE_THEN_LATIN.search(text))


def _fold_mixed_word(match: re.Match) -> str:
    word = match.group()
    return word.translate(_FOLD_LOOKALIKES) if _mixes_latin_and_lookalikes(word) else word


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
