"""Domain objects shared by every stage. No I/O here."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

TOPIC_KINDS = ("brand", "competitor", "support")
SENTIMENTS = ("negative", "neutral", "positive")
UNSUPPORTED_LANGUAGE = "unsupported_language"
INTENTS = (
    "question",
    "complaint",
    "outage",
    "praise",
    "purchase_intent",
    "churn_risk",
    "feature_request",
    "spam",
    "other",
)
# When in doubt, the primary intent is the first of these that applies (docs/classification.md).
INTENT_PRECEDENCE = (
    "outage",
    "churn_risk",
    "complaint",
    "question",
    "purchase_intent",
    "feature_request",
    "praise",
    "spam",
    "other",
)
OPEN_STATUSES = ("open", "assigned", "claimed", "responded", "escalated")
CLOSED_STATUSES = ("resolved", "dismissed")


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """Render a datetime as ISO-8601 UTC with a Z suffix, second precision."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if moment.year < 1000:
        # glibc's %Y does not pad these ("999-01-01"), which fromisoformat cannot read back.
        return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def intents_key(intents: Sequence[Sequence]) -> tuple[tuple[str, float], ...]:
    """Return scored intents as a hashable tuple of (name, score) tuples, for caches.

    The classifier's own intents already are tuples; intents read back from JSON are lists.
    """
    if type(intents) is tuple:
        for pair in intents:  # a loop, not all(...): most hold one or two pairs
            if type(pair) is not tuple:
                break
        else:
            return intents
    return tuple(map(tuple, intents))


def primary_of(intents: Sequence[Sequence]) -> str:
    """Return the primary intent of scored intents (precedence order): the first, or "other"."""
    return intents[0][0] if intents else "other"


# Python 3.11+ reads a "Z" suffix as UTC itself (3.10 needs it replaced).
_FROMISOFORMAT_READS_Z = sys.version_info >= (3, 11)


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    if len(value) == 20 and value[19] == "Z" and value[10] == "T":
        # What earmark itself stores (to_iso): "2026-11-26T09:38:59Z", the common case.
        if _FROMISOFORMAT_READS_Z:
            return datetime.fromisoformat(value)
        return datetime.fromisoformat(value[:19]).replace(tzinfo=timezone.utc)
    text = value.strip()
    year = text.split("-", 1)[0]
    if 0 < len(year) < 4 and year.isdigit() and len(text) > len(year) + 1:
        # Written by an earmark before years under 1000 were padded (or refused): still read.
        text = year.zfill(4) + text[len(year) :]
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


_DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float) -> timedelta:
    """Parse `15m`, `2h`, `1d`, `1w`, `30s`, or parts of them as earmark prints durations
    (`1d0h`, `3h05m`), or a number of seconds, into a timedelta."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    text = str(value)
    if not _DURATION.match(text):
        raise ValueError(f"invalid duration {value!r}: use a number and a unit, e.g. 15m, 2h, 1d")
    seconds = sum(
        float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text)
    )
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Render a timedelta compactly: 45s, 12m, 3h05m, 2d4h; negative values get a minus."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    if seconds < 3600:
        return f"{sign}{seconds // 60}m"
    if seconds < 86400:
        return f"{sign}{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{sign}{seconds // 86400}d{(seconds % 86400) // 3600}h"


@dataclass
class Post:
    """One normalised social post; `id` is `platform:native_id`."""

    platform: str
    native_id: str
    text: str
    created_at: datetime
    url: str | None = None
    author: str | None = None
    author_name: str | None = None
    author_reach: int | None = None
    lang: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    source: str | None = None
    raw: dict | None = None

    @property
    def id(self) -> str:
        return f"{self.platform}:{self.native_id}"


# The fields a post has in earmark's JSONL post format and in a file source's `mapping`.
POST_FIELDS = (
    "id",
    "platform",
    "native_id",
    "url",
    "author",
    "author_name",
    "author_reach",
    "text",
    "lang",
    "created_at",
    "parent_id",
    "thread_id",
)


@dataclass
class TopicMatch:
    """A post matched a topic, with the terms that made it match."""

    post_id: str
    topic: str
    kind: str
    terms: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Classification:
    """Everything the classifier decided about one post."""

    sentiment: str  # negative | neutral | positive | unsupported_language
    compound: float
    pos: float
    neu: float
    neg: float
    language: str | None
    intents: list[tuple[str, float]]  # INTENT_PRECEDENCE order, primary first, scored
    pii: list[str]  # e.g. ["email", "order_number"]
    reply_privately: bool
    priority: int  # 0-100
    priority_reason: str
    opportunity: str | None  # support | sales | advocacy | None
    opportunity_reason: str
    version: str
    post_id: str | None = None

    @property
    def primary_intent(self) -> str:
        return primary_of(self.intents)

    @property
    def intent_names(self) -> list[str]:
        return [name for name, _ in self.intents]
