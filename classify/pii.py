"""Personal data in posts: emails, phone numbers, payment cards, order/booking/account numbers.

A post that carries any of them should be answered privately (DM), and exports can redact them.
"""

from __future__ import annotations

import re

from classify.first_chars import gated

EMAIL = gated(re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"))
# Order/booking/account references: a keyword, an optional "number/#/:", then a code with a digit
# (or a 6-letter all-caps record locator such as "QWERTY", not the rest of a word: "CONFERENCE").
_REFERENCE_WORDS = (
    r"order|booking|reservation|confirmation|conf|ticket|case|claim|tracking|invoice|"
    r"ref(?:erence)?|pnr|record locator|file ref"
)
_ACCOUNT_WORDS = r"account|acct|a/c|membership|member|customer|frequent flyer|loyalty|policy"
_CODE = (
    r"(?i:\s*(?:no\.?|num(?:ber)?|id|code|ref|nr|n)\b)?\s*[:#]?\s*#?\s*"
    r"((?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{3,}|(?<![A-Za-z])[A-Z]{6})\b"
)
ORDER = re.compile(rf"(?i:\b(?:{_REFERENCE_WORDS})){_CODE}")
ACCOUNT = re.compile(rf"(?i:\b(?:{_ACCOUNT_WORDS})){_CODE}")
# Digit runs with separators: candidates for cards (Luhn-valid 13-19 digits) or phones (7-15).
_DIGITS = gated(re.compile(r"(?<![\w/])\+?\(?\d[\d \-.()]{5,22}\d(?![\w/])"))
_ANY_DIGIT = re.compile(r"\d")
_SEVEN_DIGITS = re.compile(r"\d(?:[ \-.()]{0,3}\d){6}")
_EMAIL_HINT = re.compile(r"@[A-Za-z0-9-]+\.[A-Za-z]")
# Words one of which a post needs before ORDER / ACCOUNT run ("a/c" is checked as text).
_ORDER_TRIGGERS = frozenset(
    "order booking reservation confirmation conf ticket case claim tracking invoice ref reference "
    "pnr record file".split()
)
_ACCOUNT_TRIGGERS = frozenset(
    "account acct membership member customer frequent loyalty policy".split()
)
# The first keyword in lowercased ASCII text: every ORDER / ACCOUNT match starts at one, so
# the leftmost keyword (of the same alternatives, no word boundary needed) is where to scan from.
_ORDER_START = gated(re.compile(_REFERENCE_WORDS))
_ACCOUNT_START = gated(re.compile(_ACCOUNT_WORDS))
_LOCATOR = gated(re.compile(r"\b[A-Z]{6}\b"))
_DATE = re.compile(r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$")
_TIME_OR_RANGE = re.compile(r"^\d{1,2}[:.]\d{2}")

MASKS = {
    "email": "[email]",
    "phone": "[phone]",
    "card": "[card]",
    "order_number": "[order]",
    "account_number": "[account]",
}


def luhn_valid(digits: str) -> bool:
    """Return True when a digit string passes the Luhn checksum (payment card numbers do)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _digit_kind(candidate: str) -> str | None:
    """Classify a digit run as "card", "phone" or None (dates, prices, flight numbers...)."""
    candidate = candidate.strip()
    digits = "".join(char for char in candidate if char.isdigit())
    if _DATE.match(candidate) or _TIME_OR_RANGE.match(candidate):
        return None
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "card"
    separated = any(char in candidate for char in " -.()") or candidate.startswith("+")
    if 7 <= len(digits) <= 15 and (separated or len(digits) >= 10) and "." not in candidate[-3:]:
        return "phone"
    return None


def _spans(text: str, words: frozenset[str] | None = None) -> list[tuple[int, int, str]]:
    """Return (start, end, kind) of every piece of personal data, first match wins on overlap."""
    spans: list[tuple[int, int, str]] = []
    if "@" in text and _EMAIL_HINT.search(text):
        spans.extend((m.start(), m.end(), "email") for m in EMAIL.finditer(text))
    has_digit = _ANY_DIGIT.search(text) is not None
    if has_digit or _LOCATOR.search(text):
        lowered = text.lower() if text.isascii() else None
        for pattern, kind, triggers, first_keyword in (
            (ORDER, "order_number", _ORDER_TRIGGERS, _ORDER_START),
            (ACCOUNT, "account_number", _ACCOUNT_TRIGGERS, _ACCOUNT_START),
        ):
            if lowered is None:  # case rules beyond ASCII: scan the whole text
                start = 0
                if words is not None and words.isdisjoint(triggers) and "a/c" not in text.lower():
                    continue  # none of the pattern's keywords: it cannot match
            else:  # a match starts at a keyword: scan from the first one, if any
                keyword = first_keyword.search(lowered)
                if keyword is None:
                    continue
                start = keyword.start()
            for match in pattern.finditer(text, start):
                spans.append((match.start(1), match.end(1), kind))
    if has_digit and _SEVEN_DIGITS.search(text):
        for match in _DIGITS.finditer(text):
            kind = _digit_kind(match.group(0))
            if kind:
                spans.append((match.start(), match.end(), kind))
    spans.sort()
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def find_pii(text: str, words: frozenset[str] | None = None) -> list[str]:
    """Return the kinds of personal data in `text`, e.g. ["email", "order_number"], sorted.

    `words` (lowercase word tokens, see classify.text.to_words) lets posts without an order or
    account keyword skip those patterns.
    """
    return sorted({kind for _, _, kind in _spans(text, words)})


def redact(text: str) -> str:
    """Return `text` with emails, phones, cards and order/account numbers masked."""
    pieces = []
    last = 0
    for start, end, kind in _spans(text):
        pieces.append(text[last:start])
        pieces.append(MASKS[kind])
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
