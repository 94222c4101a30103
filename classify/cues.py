"""Rule families: a regex over lowercased text, gated by trigger words so most posts skip it."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """One rule family: `pattern` (lowercase text) scores `score` if a trigger word is present."""

    score: float
    triggers: frozenset[str] | None  # None: always run the pattern
    pattern: re.Pattern

    def matches(self, lowered: str, words: frozenset[str]) -> bool:
        """Return True when a trigger word is present and the pattern matches."""
        if self.triggers is not None and self.triggers.isdisjoint(words):
            return False
        return self.pattern.search(lowered) is not None


def cue(score: float, triggers: str | None, *alternatives: str) -> Cue:
    """Build a Cue from space-separated trigger words and regex alternatives."""
    words = frozenset(triggers.split()) if triggers is not None else None
    return Cue(score, words, re.compile("|".join(f"(?:{alt})" for alt in alternatives)))
