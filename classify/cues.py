"""Rule families: a regex over lowercased text, gated by trigger words so most posts skip it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from classify.first_chars import gated


@dataclass(frozen=True)
class Cue:
    """One rule family: `pattern` (lowercase text) scores `score` if a trigger word is present.

    `also`, when set, is a second word set the post must share a word with before the pattern
    runs (e.g. "down" and one of "broadband"/"wifi"...): two common words together are rare.
    """

    score: float
    triggers: frozenset[str] | None  # None: always run the pattern
    pattern: re.Pattern
    also: frozenset[str] | None = None

    def matches(self, lowered: str, words: frozenset[str]) -> bool:
        """Return True when the trigger (and `also`) words are present and the pattern matches."""
        if self.triggers is not None and self.triggers.isdisjoint(words):
            return False
        if self.also is not None and self.also.isdisjoint(words):
            return False
        return self.pattern.search(lowered) is not None


def cue(score: float, triggers: str | None, *alternatives: str, also: str | None = None) -> Cue:
    """Build a Cue from space-separated trigger words (and `also` words) and regex alternatives."""
    words = frozenset(triggers.split()) if triggers is not None else None
    second = frozenset(also.split()) if also is not None else None
    return Cue(score, words, re.compile("|".join(f"(?:{alt})" for alt in alternatives)), second)


def rescored(score: float, rules: Iterable[Cue]) -> list[Cue]:
    """Return the same cues with another score (a care family reused by an intent table)."""
    return [replace(rule, score=score) for rule in rules]


class CueIndex:
    """Cues labelled by name, with word -> bitmask indexes so a post only runs its candidates."""

    def __init__(self, entries: list[tuple[str, Cue]]):
        self.entries = tuple(
            (name, rule.score, gated(rule.pattern).search) for name, rule in entries
        )
        self.always = 0  # cues without trigger words
        self.index: dict[str, int] = {}  # trigger word -> cues it triggers
        self.free = 0  # cues without `also` words
        self.also: dict[str, int] = {}  # `also` word -> cues it lets through
        for bit, (_, rule) in enumerate(entries):
            if rule.triggers is None:
                self.always |= 1 << bit
            else:
                for word in rule.triggers:
                    self.index[word] = self.index.get(word, 0) | (1 << bit)
            if rule.also is None:
                self.free |= 1 << bit
            else:
                for word in rule.also:
                    self.also[word] = self.also.get(word, 0) | (1 << bit)
        # Both masks of every indexed word, so a post's words are intersected and looked up once.
        self._words = frozenset(self.index) | frozenset(self.also)
        self._masks = {w: (self.index.get(w, 0), self.also.get(w, 0)) for w in self._words}

    def candidates(self, words: frozenset[str]) -> int:
        """Return the bitmask of cues whose trigger and `also` words (if any) are in `words`."""
        mask = self.always
        allowed = self.free
        masks = self._masks
        for word in self._words.intersection(words):  # any iterable of words
            triggered, allows = masks[word]
            mask |= triggered
            allowed |= allows
        return mask & allowed

    def best_scores(self, lowered: str, words: frozenset[str]) -> dict[str, float]:
        """Return {name: best score} over the cues that match lowercased text."""
        mask = self.candidates(words)
        found: dict[str, float] = {}
        entries = self.entries
        while mask:
            lowest = mask & -mask  # visit set bits only, lowest (earliest cue) first
            mask ^= lowest
            name, score, search = entries[lowest.bit_length() - 1]
            if score > found.get(name, 0.0) and search(lowered):
                found[name] = score
        return found
