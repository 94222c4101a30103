"""Priority (0-100, with the reason in words) and the kind of opportunity a post is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache

from classify.subject import Subject
from earmark.models import UNSUPPORTED_LANGUAGE, intents_key

BASE = 10
UNREAD_LANGUAGE_POINTS = 30  # a post in a language the rules cannot read, on our own topics
INTENT_POINTS = {
    "outage": 40,
    "churn_risk": 35,
    "complaint": 25,
    "question": 20,
    "purchase_intent": 20,
    "feature_request": 10,
    "praise": 5,
}
EXTRA_INTENT_POINTS = 5  # each further actionable intent (a complaint that is also a question)
NEGATIVE_POINTS = 15
VERY_NEGATIVE_POINTS = 20  # compound <= -0.6
KIND_POINTS = {"support": 10, "brand": 5, "competitor": 0}
MAX_REACH_POINTS = 15
# Fresh posts can still be saved by a quick answer; old ones mostly cannot.
AGE_POINTS = ((3600, 10), (6 * 3600, 5), (24 * 3600, 0), (3 * 86400, -5))
OLD_POINTS = -15

SUPPORT_INTENTS = ("outage", "churn_risk", "complaint", "question", "feature_request")
# A question about buying is a sales lead unless something is also wrong.
URGENT_SUPPORT = ("outage", "churn_risk", "complaint")
SALES_AGAINST_COMPETITOR = ("churn_risk", "complaint", "outage", "purchase_intent")


def format_reach(reach: int) -> str:
    """Render a follower count compactly: 950, 12k, 3.4M."""
    if reach >= 1_000_000:
        return f"{reach / 1_000_000:.1f}M".replace(".0M", "M")
    if reach >= 10_000:
        return f"{reach // 1000}k"
    if reach >= 1000:
        return f"{reach / 1000:.1f}k".replace(".0k", "k")
    return str(reach)


def format_age(seconds: float) -> str:
    """Render a post's age in its largest unit: 40s, 12m, 2h, 3d."""
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def reach_points(reach: int | None) -> int:
    """Score author reach on a log scale: 2 points per factor of ten, at most 15."""
    if not reach or reach < 10:
        return 0
    return min(MAX_REACH_POINTS, round(2 * math.log10(reach)))


def score_priority(
    intents: Sequence[tuple[str, float]],
    sentiment: str,
    compound: float,
    *,
    topic_kind: str | None = None,
    author_reach: int | None = None,
    created_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[int, str]:
    """Return (priority 0-100, reason such as "outage (+40), negative (+15), 2h old (+5)")."""
    content = content_part(intents, sentiment, compound, topic_kind)
    return add_context(content, author_reach, created_at, now)


def content_part(
    intents: Sequence[tuple[str, float]], sentiment: str, compound: float, topic_kind: str | None
) -> tuple[int, str, bool | None]:
    """Return the points, reason and finality of what a post says (see _content_points).

    For callers that add the context of many posts to few contents (the classify stage).
    """
    very_negative = sentiment == "negative" and compound <= -0.6
    return _content_points(intents_key(intents), sentiment, very_negative, topic_kind)


def add_context(
    content: tuple[int, str, bool | None],
    author_reach: int | None,
    created_at: datetime | None,
    now: datetime | None,
) -> tuple[int, str]:
    """Add author reach and the post's age to a content part; return (priority, reason)."""
    total, reason, final = content
    if final:  # spam or nothing to act on: reach and age do not matter
        return total, reason
    if author_reach and author_reach >= 10:
        points, text = _reach_part(author_reach)
        total += points
        reason = f"{reason}, {text}" if reason else text
    if created_at is not None:
        now = now or datetime.now(timezone.utc)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        points, text = age_part(max(0.0, (now - created_at).total_seconds()))
        total += points
        reason = f"{reason}, {text}" if reason else text
    if final is None:  # spam among other intents: never above the base
        total = min(total, BASE)
    return max(0, min(100, total)), reason


def _names(intents: Sequence[tuple[str, float]]) -> tuple[str, ...]:
    """Return the intent names, primary first."""
    return tuple([name for name, _ in intents])


def age_part(age: float) -> tuple[int, str]:
    """Return the points and reason for a post's age in seconds, e.g. (5, "2h old (+5)").

    The text counts whole days, hours, minutes or seconds, and every AGE_POINTS limit is a
    whole number of the unit in use, so a (count, unit) pair decides both: few recur, cached.
    """
    seconds = int(age)
    for size in (86400, 3600, 60):
        if seconds >= size:
            return _age_part(seconds // size, size)
    return _age_part(seconds, 1)


@lru_cache(maxsize=1024)
def _age_part(count: int, size: int) -> tuple[int, str]:
    age = count * size
    points = _age_points(age)
    sign = f" (+{points})" if points > 0 else (f" ({points})" if points < 0 else "")
    return points, f"{format_age(age)} old{sign}"


def _age_points(age: float) -> int:
    for limit, points in AGE_POINTS:
        if age < limit:
            return points
    return OLD_POINTS


@lru_cache(maxsize=65536)
def _reach_part(reach: int) -> tuple[int, str]:
    """Return the points and reason for an author's reach (authors recur: cached)."""
    points = reach_points(reach)
    return points, f"{format_reach(reach)} followers (+{points})"


@lru_cache(maxsize=4096)
def _content_points(
    intents: tuple[tuple[str, float], ...],
    sentiment: str,
    very_negative: bool,
    topic_kind: str | None,
) -> tuple[int, str, bool | None]:
    """Return (points, reason, final) from intents, sentiment and topic kind.

    Few combinations recur, so each is worked out once. `final` is True when the post is spam or
    has nothing to act on: its priority is then `points` and its reason the one label; None when
    spam is among other intents (the total is capped at BASE).
    """
    names = _names(intents)
    unread = sentiment == UNSUPPORTED_LANGUAGE and topic_kind in ("brand", "support")
    if not unread and (not names or names[0] in ("spam", "other") and len(names) == 1):
        label = names[0] if names else "other"
        return (0 if label == "spam" else BASE), label, True
    parts: list[str] = []
    total = BASE
    if unread and names[:1] in ((), ("other",)):
        # The rules cannot read it, so assume an ordinary request until a person has.
        total += UNREAD_LANGUAGE_POINTS
        parts.append(f"unread language (+{UNREAD_LANGUAGE_POINTS})")
    scored = [name for name in names if name in INTENT_POINTS]
    if scored:
        top = max(scored, key=INTENT_POINTS.__getitem__)
        total += INTENT_POINTS[top]
        parts.append(f"{top} (+{INTENT_POINTS[top]})")
        extra = sum(1 for name in scored if name != top and name != "praise")
        if extra:
            total += EXTRA_INTENT_POINTS * extra
            parts.append(
                f"+{extra} intent{'s' if extra > 1 else ''} (+{EXTRA_INTENT_POINTS * extra})"
            )
    custom = [name for name in names if name not in INTENT_POINTS and name not in ("spam", "other")]
    if custom:
        total += EXTRA_INTENT_POINTS
        parts.append(f"{custom[0]} (+{EXTRA_INTENT_POINTS})")
    if sentiment == "negative":
        points = VERY_NEGATIVE_POINTS if very_negative else NEGATIVE_POINTS
        total += points
        parts.append(f"{'very negative' if very_negative else 'negative'} (+{points})")
    if topic_kind in KIND_POINTS and KIND_POINTS[topic_kind]:
        total += KIND_POINTS[topic_kind]
        parts.append(f"{topic_kind} topic (+{KIND_POINTS[topic_kind]})")
    return total, ", ".join(parts), None if "spam" in names else False


def to_opportunity(
    intents: Sequence[tuple[str, float]],
    topic_kind: str | None = None,
    unread_language: str | None = None,
    subject: Subject | None = None,
) -> tuple[str | None, str]:
    """Return (support | sales | advocacy | None, why) for a post's intents and topic kind.

    unread_language names the language of a post the rules cannot read: on our own brand or
    support topics it still goes to a person who reads that language. subject is the topic a
    post naming both the brand and a competitor is about (classify.subject): its kind decides,
    and the reason says which topic and why, e.g. "churn from a competitor (about globex:
    leaving it)".
    """
    if subject is not None:
        topic_kind = subject.kind
    return _opportunity(intents_key(intents), topic_kind, unread_language, subject)


@lru_cache(maxsize=4096)
def _opportunity(
    intents: tuple[tuple[str, float], ...],
    topic_kind: str | None,
    unread_language: str | None,
    subject: Subject | None = None,
) -> tuple[str | None, str]:
    """to_opportunity over hashable intents (few combinations recur: each is worked out once)."""
    names = _names(intents)
    primary = names[0] if names else "other"
    note = subject.note if subject is not None else ""
    if unread_language and primary == "other" and topic_kind in ("brand", "support"):
        return "support", f"written in {unread_language}, which the rules do not read"
    if primary in ("spam", "other"):
        return None, f"{primary}: nothing to act on"
    about = "on a support topic" if topic_kind == "support" else "about the brand"
    if topic_kind == "competitor":
        if subject is not None and subject.switching:
            # Leaving a competitor (or asking about us as the way out): a sales lead.
            return "sales", f"churn from a competitor{note}"
        hit = next((name for name in names if name in SALES_AGAINST_COMPETITOR), None)
        if hit:
            return "sales", f"{hit.replace('_', ' ')} about a competitor{note}"
        return None, f"{primary.replace('_', ' ')} about a competitor{note}"
    hit = next((name for name in names if name in URGENT_SUPPORT), None)
    if hit:
        return "support", f"{hit.replace('_', ' ')} {about}{note}"
    if subject is not None and subject.switching:  # leaving us, whatever else it asks
        return "support", f"churn risk {about}{note}"
    if "purchase_intent" in names:
        return "sales", f"purchase intent {about}{note}"
    hit = next((name for name in names if name in SUPPORT_INTENTS), None)
    if hit:
        return "support", f"{hit.replace('_', ' ')} {about}{note}"
    if "praise" in names:
        return "advocacy", f"praise {about}{note}"
    return None, f"{primary.replace('_', ' ')} {about}{note}"
