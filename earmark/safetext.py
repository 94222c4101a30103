"""Make hostile text safe where people read it: on a terminal and in a spreadsheet.

Post text may carry terminal escape sequences (`ESC ]0;title BEL` retitles the window,
`ESC [31m` recolours it, U+009B is an 8-bit CSI), other C0/C1 controls, bidi overrides (U+202E
makes "gpj.exe" read "exe.jpg") and spreadsheet formulas hidden behind characters that show
nothing ("\\u200b=HYPERLINK(...)", a fullwidth "＝"). Data formats (json, jsonl, csv) keep the
text exact; only what a person reads is changed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Bidi embeddings, overrides, isolates and marks: displayed text can lie about what it says.
# Zero-width joiners (U+200D) stay: emoji sequences need them.
BIDI_CONTROLS = frozenset(
    chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
# Default-ignorable characters outside the format category: combining grapheme joiner, Hangul
# fillers, Khmer inherent vowels, Mongolian variation selectors, variation selectors.
IGNORABLE_LETTERS = frozenset(
    chr(c)
    for c in (
        0x034F,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        *range(0x180B, 0x1810),
        0x3164,
        *range(0xFE00, 0xFE10),
        0xFFA0,
        *range(0xE0100, 0xE01F0),
    )
)
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# C0 and C1 controls (ESC, CSI, BEL, NUL...), DEL, bidi controls and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]|[\ud800-\udfff]")
# Controls, format characters, marks and blanks; private-use and unassigned code points too,
# which a font may well draw as nothing.
_SHOWS_NOTHING = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zs", "Zl", "Zp"))
_FORMULA_STARTS = frozenset("=+-@\u2212")  # U+2212 MINUS SIGN: some spreadsheets take it
_FORMULA_CONTROLS = frozenset("\t\r")


def terminal_text(value: Any, *, one_line: bool = False) -> str:
    """Return value as text safe to print on a terminal: no control or bidi characters.

    Line breaks become "\\n" (a space with one_line), tabs a space, lone surrogates U+FFFD;
    every other C0/C1 control (ESC, CSI, BEL...) and bidi control is removed.
    """
    text = "" if value is None else str(value)
    if text.isprintable():  # the common case: no Cc, Cf, Cs, Zl, Zp at all
        return text
    text = _LINE_BREAK.sub(" " if one_line else "\n", text).replace("\t", " ")
    return _UNSAFE.sub(_replacement, text)


def _replacement(match: re.Match) -> str:
    char = match.group()
    if char == "\n":
        return char
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def shows_nothing(char: str) -> bool:
    """Return whether char may display as nothing or blank (space, control, format, mark,
    private use, unassigned)."""
    return unicodedata.category(char) in _SHOWS_NOTHING or char in IGNORABLE_LETTERS


def starts_formula(text: str) -> bool:
    """Return whether a spreadsheet could read text as a formula (OWASP's CSV injection).

    True when the first visible character, after skipping blank and invisible characters and
    NFKC-normalising it (fullwidth "＝" is "="), is = + - or @, or when a tab or CR comes first.
    """
    first = text[:1]
    if first.isascii() and first.isalnum():
        return False  # the common case, decided by one character
    for char in text:
        if char in _FORMULA_CONTROLS:
            return True
        if shows_nothing(char):
            continue
        for folded in unicodedata.normalize("NFKC", char):
            if not shows_nothing(folded):
                return folded in _FORMULA_STARTS
    return False
