"""Speed up regex search by telling the engine which characters a match can start with.

`re.search` tries the whole pattern at every position of the text. A pattern such as
`\\b(?:still waiting|no reply)` fails quickly at most positions, but only after entering the
branch; a leading `(?=[ns])` fails sooner. `gated` adds that lookahead when the characters a
match can start with are known for sure, and returns the pattern unchanged otherwise, so what
matches never changes: the lookahead is compiled with the pattern's own flags.
"""

from __future__ import annotations

import re

try:  # Python 3.11+ moved the parser; 3.10 has it under its old name
    from re import _constants as _sre
    from re import _parser as _parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _parse

_ZERO_WIDTH = (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)
_REPEATS = tuple(
    op
    for op in (
        getattr(_sre, "MAX_REPEAT", None),
        getattr(_sre, "MIN_REPEAT", None),
        getattr(_sre, "POSSESSIVE_REPEAT", None),
    )
    if op is not None
)
_CATEGORIES = {
    _sre.CATEGORY_DIGIT: r"\d",
    _sre.CATEGORY_NOT_DIGIT: r"\D",
    _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_NOT_WORD: r"\W",
    _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S",
}


def _class_items(items) -> set[str] | None:
    """Return a character class's members as class fragments, or None if it is negated/odd."""
    out: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            out.add(re.escape(chr(av)))
        elif op is _sre.RANGE:
            out.add(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            out.add(_CATEGORIES[av])
        else:  # NEGATE and anything unexpected
            return None
    return out


def _first(items) -> set[str] | None:
    """Return class fragments for every character a match of `items` can start with.

    None when unknown or when the items can match the empty string.
    """
    found: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # \\b, ^, lookarounds consume nothing: the next item decides
        if op is _sre.LITERAL:
            return found | {re.escape(chr(av))}
        if op is _sre.IN:
            members = _class_items(av)
            return None if members is None else found | members
        if op is _sre.BRANCH:
            for alternative in av[1]:
                members = _first(alternative)
                if members is None:
                    return None
                found |= members
            return found
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, pattern = av
            if add_flags or del_flags:
                return None  # scoped flags: a gate with the outer flags could disagree
            members = _first(pattern)
            return None if members is None else found | members
        if op in _REPEATS:
            low, _high, pattern = av
            members = _first(pattern)
            if members is None:
                return None
            found |= members
            if low >= 1:
                return found
            continue  # optional: what follows may start the match too
        return None
    return None  # every item is optional or zero-width: the match may be empty


def gated(pattern: re.Pattern) -> re.Pattern:
    """Return `pattern` with a lookahead on its possible first characters, when they are known."""
    try:
        members = _first(_parse.parse(pattern.pattern, pattern.flags))
        if not members:
            return pattern
        gate = f"(?=[{''.join(sorted(members))}])"
        return re.compile(f"{gate}(?:{pattern.pattern})", pattern.flags)
    except Exception:  # bytes patterns, global inline flags, another Python's parse tree...
        return pattern  # the gate only saves time: without it the pattern is still right
