"""Synthetic time series for the alert tests: posts per hour for a topic, stored for real."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from itertools import count

from earmark.cli.configfile import parse_config
from earmark.config import Config
from earmark.models import Classification, Post, TopicMatch, to_iso
from earmark.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
# Steady traffic: 5-7 posts an hour, never flat, so the baseline has a real deviation.
STEADY = [6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 7, 5]

_ids = count(1)


def add_hour(
    store: Store,
    topic: str,
    end: datetime,
    n: int,
    *,
    text: str = "using acme today",
    intent: str | None = None,
    sentiment: str | None = None,
    url: bool = True,
) -> list[str]:
    """Store n posts of topic spread over the hour (end - 1h, end]; return their ids."""
    posts, matches = [], []
    for i in range(n):
        native = str(next(_ids))
        created = end - timedelta(seconds=3600 * (i + 1) / (n + 1))
        posts.append(
            Post(
                platform="x",
                native_id=native,
                text=text,
                created_at=created,
                url=f"https://x.example/status/{native}" if url else None,
                author=f"user{native}",
            )
        )
        matches.append(TopicMatch(f"x:{native}", topic, "brand", ["acme"]))
    store.posts.save_posts(posts, matches)
    if intent or sentiment:
        store.classifications.save_classifications(
            [classification(p.id, intent, sentiment) for p in posts]
        )
    return [p.id for p in posts]


def add_series(store: Store, topic: str, end: datetime, counts: Sequence[int], **options) -> None:
    """Store counts[i] posts in the hour ending i hours before end (counts[0] = last hour)."""
    for i, n in enumerate(counts):
        add_hour(store, topic, end - i * HOUR, n, **options)


def add_history(store: Store, topic: str, at: datetime) -> None:
    """Store one post at `at`: listening has been going on since then."""
    add_hour(store, topic, at + timedelta(minutes=30), 1, text="acme first post")


def classification(post_id: str, intent: str | None, sentiment: str | None) -> Classification:
    return Classification(
        sentiment=sentiment or "neutral",
        compound=-0.6 if sentiment == "negative" else 0.0,
        pos=0.0,
        neu=1.0,
        neg=0.0,
        language="en",
        intents=[(intent or "other", 0.9)],
        pii=[],
        reply_privately=False,
        priority=50,
        priority_reason="test",
        opportunity=None,
        opportunity_reason="",
        version="test",
        post_id=post_id,
    )


def add_opportunity(
    store: Store,
    topic: str,
    *,
    queue: str = "support",
    status: str = "open",
    sla_due: datetime | None = None,
    first_response_at: datetime | None = None,
) -> None:
    """Store a post of topic and an opportunity for it."""
    (post_id,) = add_hour(store, topic, NOW - 2 * HOUR, 1, text="acme help please")
    store.db["opportunities"].insert(
        {
            "post_id": post_id,
            "kind": "support",
            "queue": queue,
            "status": status,
            "priority": 50,
            "created_at": to_iso(NOW - 2 * HOUR),
            "sla_due": to_iso(sla_due) if sla_due else None,
            "first_response_at": to_iso(first_response_at) if first_response_at else None,
        }
    )


def make_config(alerts: dict, **extra) -> Config:
    """Return a Config with the topics acme and rival and the given alerts: section."""
    topics = [{"name": "acme", "terms": ["acme"]}, {"name": "rival", "terms": ["rival"]}]
    data = {"topics": topics, "alerts": alerts, **extra}
    return parse_config(data, "test.yaml")


ONE_HOUR = {"windows": [{"recent": "1h", "baseline": "12h"}]}
