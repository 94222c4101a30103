"""Which topic a post is about, when it names both our side (brand, support) and a competitor.

"thinking of leaving globex ... is acme any better?" names the brand and a competitor; the
post is about globex (the customer is leaving it) and asks about acme as the alternative, so it
is a sales lead, not a complaint about the brand. The decision is rule-based: the cues around
each mention of a topic (the terms that matched it) are attached to the topic they are about
(classify.subject_cues: "leaving X", "switching to Y", "X is terrible", "X is better than Y").

The post's primary intent says which evidence counts: churn, complaint or outage pick the topic
the churn and negative cues point at; praise the one the positive words point at; a question
the one being left or complained about, if any. With no such cue, or a tie between the two
sides, the brand is the subject (the kind precedence that decided before).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from classify.subject_cues import read_evidence

OURS = ("support", "brand")  # in precedence order, as KIND_PRECEDENCE
THEIRS = ("competitor",)
NEGATIVE_INTENTS = frozenset({"complaint", "outage", "churn_risk"})
POSITIVE_INTENTS = frozenset({"praise"})

FROM_POINTS = 3.0  # "leaving X": stronger than any one sentiment word
TOWARD_POINTS = 1.5  # "switching to Y" counts for leaving the other side


class Subject(NamedTuple):
    """The topic a post is about, its kind, and why (a word or two)."""

    topic: str
    kind: str
    why: str
    switching: bool  # the customer is leaving this topic (or asking about the other side)

    @property
    def note(self) -> str:
        """The suffix opportunity reasons carry: " (about globex: leaving it)"."""
        return f" (about {self.topic}: {self.why})"


def side_of(kind: str) -> str:
    """Return "ours" for brand and support topics, "theirs" for competitors."""
    return "theirs" if kind in THEIRS else "ours"


def parse_matches(matches: str | None) -> list[tuple[str, str, tuple[str, ...]]]:
    """Read the store's JSON of a post's topic matches: [[topic, kind, [terms...]], ...]."""
    if not matches:
        return []
    try:
        rows = json.loads(matches)
    except ValueError:
        return []
    found = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, list) and len(row) == 3 and isinstance(row[2], list):
            found.append((str(row[0]), str(row[1]), tuple(str(term) for term in row[2])))
    return found


def needs_decision(matches: Sequence[tuple[str, str, Sequence[str]]]) -> bool:
    """Whether the matches name both sides (only then is there something to decide)."""
    return len({side_of(kind) for _, kind, _ in matches}) > 1


def decide_subject(
    text: str,
    matches: Sequence[tuple[str, str, Sequence[str]]],
    intents: Sequence[tuple[str, float]] | Sequence[str],
) -> Subject | None:
    """Return the topic a post naming both sides is about; None when it names only one side.

    `matches` are (topic, kind, matched terms); `intents` the post's intents, primary first.
    """
    if not needs_decision(matches):
        return None
    names = [item if isinstance(item, str) else item[0] for item in intents]
    primary = names[0] if names else "other"
    topics = list(dict.fromkeys(topic for topic, _, _ in matches))
    kinds: dict[str, list[str]] = {}
    for topic, kind, _ in matches:
        kinds.setdefault(topic, []).append(kind)
    side = {topic: side_of(first_kind(kinds[topic])) for topic in topics}
    if names in ([], ["spam"], ["other"]):  # nothing to act on whatever it is about
        return _default(topics, kinds, side)
    evidence = read_evidence(text, tuple((topic, tuple(terms)) for topic, _, terms in matches))

    def leaving_score(topic: str) -> float:
        ev = evidence[topic]
        score = (FROM_POINTS if ev.leaving else 0.0) + ev.negative
        others = [evidence[other] for other in topics if side[other] != side[topic]]
        if any(other.toward for other in others):
            score += TOWARD_POINTS
        # Asking about an option says what is being left only in a post that complains.
        if primary in NEGATIVE_INTENTS and any(other.asked for other in others):
            score += TOWARD_POINTS
        return score

    if primary in POSITIVE_INTENTS:
        scores = {topic: evidence[topic].positive for topic in topics}
        why = "praise of it"
    else:
        scores = {topic: leaving_score(topic) for topic in topics}
        why = ""
    best = {s: max((scores[t] for t in topics if side[t] == s), default=0.0) for s in side.values()}
    chosen_side = max(best, key=best.__getitem__)
    if best[chosen_side] <= 0 or len(set(best.values())) == 1:
        return _default(topics, kinds, side)
    on_side = [t for t in topics if side[t] == chosen_side]
    topic = max(on_side, key=scores.__getitem__)
    ev = evidence[topic]
    others_toward = [
        o
        for o in topics
        if side[o] != chosen_side
        and (evidence[o].toward or (evidence[o].asked and primary in NEGATIVE_INTENTS))
    ]
    strong = [o for o in others_toward if evidence[o].toward]
    if not why:
        if ev.leaving:
            why = "leaving it"
        elif strong:
            why = f"switching to {strong[0]}"
        elif ev.negative or not others_toward:
            why = "complaint about it" if primary in NEGATIVE_INTENTS else "negative about it"
        else:
            why = f"asking about {others_toward[0]}"
    switching = ev.leaving or bool(others_toward)
    # The side's kind decides, as it did for a post naming one side ("@acmehelp acme is down,
    # switching to globex" stays on a support topic).
    kind = first_kind([kind for t in on_side for kind in kinds[t]])
    return Subject(topic, kind, why, switching)


def first_kind(kinds: Sequence[str]) -> str:
    """The kind that decides among several of one post: support, then brand, then competitor."""
    for kind in (*OURS, *THEIRS):
        if kind in kinds:
            return kind
    return kinds[0]


def _default(topics: list[str], kinds: dict[str, list[str]], side: dict[str, str]) -> Subject:
    """Our side when unsure: the support topic first, then the brand (the old precedence)."""
    ours = [t for t in topics if side[t] == "ours"]
    topic = min(ours, key=lambda t: OURS.index(first_kind(kinds[t])))
    kind = first_kind([kind for t in ours for kind in kinds[t]])
    return Subject(topic, kind, "unsure, our side by default", False)
