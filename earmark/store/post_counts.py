"""Posts per topic per hour, kept up to date as posts and labels are saved: the `post_counts`
table the alerts stage reads instead of recounting its baselines on every run.

One row per (breakdown, value, hour, topic, kind) (kind: of the topic match): breakdown ''
with value '' counts every post of the topic; 'intent' counts posts by primary intent and
'sentiment' by sentiment (posts without that label are not counted there). `hour` is the
first 13 characters of posts.created_at ('2026-11-26T09'), so a row's hour orders like the
timestamps it holds. The rows change in the
same transaction as the posts, topic matches and classifications they count.

Every statement here is portable SQL (SQLite and PostgreSQL): substr, GROUP BY and
INSERT ... ON CONFLICT ... DO UPDATE.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone

HOUR_CHARS = 13  # 'YYYY-MM-DDTHH'
# Sorts after every character of a timestamp: key + AFTER_HOUR bounds the hour's timestamps.
AFTER_HOUR = "~"
BREAKDOWNS = ("intent", "sentiment")
_CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit

POST_COUNTS_DDL = (
    "CREATE TABLE IF NOT EXISTS post_counts ("
    "breakdown TEXT NOT NULL, value TEXT NOT NULL, hour TEXT NOT NULL, topic TEXT NOT NULL, "
    "kind TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (breakdown, value, hour, topic, kind))"
)
_HOUR = f"substr(p.created_at, 1, {HOUR_CHARS})"
_KIND = "coalesce(m.kind, '')"
# The whole table from the rows it counts (the migration's back-fill, and a check in tests).
POST_COUNTS_BACKFILL = (
    "INSERT INTO post_counts (breakdown, value, hour, topic, kind, n) "
    f"SELECT '', '', {_HOUR}, m.topic, {_KIND}, count(*) FROM posts p "
    f"JOIN topic_matches m ON m.post_id = p.id GROUP BY {_HOUR}, m.topic, {_KIND} "
    f"UNION ALL SELECT 'intent', c.primary_intent, {_HOUR}, m.topic, {_KIND}, count(*) "
    "FROM posts p JOIN topic_matches m ON m.post_id = p.id "
    "JOIN classifications c ON c.post_id = p.id WHERE c.primary_intent IS NOT NULL "
    f"GROUP BY c.primary_intent, {_HOUR}, m.topic, {_KIND} "
    f"UNION ALL SELECT 'sentiment', c.sentiment, {_HOUR}, m.topic, {_KIND}, count(*) "
    "FROM posts p JOIN topic_matches m ON m.post_id = p.id "
    "JOIN classifications c ON c.post_id = p.id WHERE c.sentiment IS NOT NULL "
    f"GROUP BY c.sentiment, {_HOUR}, m.topic, {_KIND}"
)
_ADD = (
    "INSERT INTO post_counts (breakdown, value, hour, topic, kind, n) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (breakdown, value, hour, topic, kind) "
    "DO UPDATE SET n = post_counts.n + excluded.n"
)

Key = tuple[str, str, str, str, str]  # (breakdown, value, hour, topic, kind)


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _marks(values: Sequence) -> str:
    return ",".join("?" for _ in values)


def _label_keys(
    hour: str, topic: str, kind: str, sentiment: str | None, intent: str | None
) -> list[Key]:
    keys = []
    if intent is not None:
        keys.append(("intent", intent, hour, topic, kind))
    if sentiment is not None:
        keys.append(("sentiment", sentiment, hour, topic, kind))
    return keys


def save_counts(conn: sqlite3.Connection, delta: Counter) -> None:
    """Add a delta of (breakdown, value, hour, topic, kind) -> n to the table (zeros skipped)."""
    rows = [(*key, n) for key, n in sorted(delta.items()) if n]
    if rows:
        conn.executemany(_ADD, rows)


def existing_matches(
    conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Return which (post_id, topic) pairs are already stored in topic_matches."""
    post_ids = sorted({post_id for post_id, _ in pairs})
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(post_ids):
        found.update(
            conn.execute(
                f"SELECT post_id, topic FROM topic_matches WHERE post_id IN ({_marks(chunk)})",  # noqa: S608 - placeholders only
                list(chunk),
            ).fetchall()
        )
    return found


def count_new_matches(
    conn: sqlite3.Connection,
    matches: Iterable[tuple[str, str, str | None]],
    created: Mapping[str, str],
) -> None:
    """Count topic matches just stored, as (post_id, topic, kind): each adds its post (and the
    post's labels, for a post classified before it matched this topic) to the topic's hour.

    created holds the created_at of the posts stored in the same batch: they have no labels
    yet (a classification needs its post), so only matches of older posts are looked up.
    """
    topics: dict[str, list[tuple[str, str]]] = {}
    delta: Counter = Counter()
    for post_id, topic, kind in matches:
        if post_id in created:
            delta[("", "", created[post_id][:HOUR_CHARS], topic, kind or "")] += 1
        else:
            topics.setdefault(post_id, []).append((topic, kind or ""))
    for chunk in _chunks(sorted(topics)):
        rows = conn.execute(
            f"SELECT p.id, {_HOUR}, c.sentiment, c.primary_intent FROM posts p "  # noqa: S608 - placeholders only
            f"LEFT JOIN classifications c ON c.post_id = p.id WHERE p.id IN ({_marks(chunk)})",
            list(chunk),
        ).fetchall()
        for post_id, hour, sentiment, intent in rows:
            for topic, kind in topics[post_id]:
                delta[("", "", hour, topic, kind)] += 1
                for key in _label_keys(hour, topic, kind, sentiment, intent):
                    delta[key] += 1
    save_counts(conn, delta)


def count_label_changes(
    conn: sqlite3.Connection, labels: dict[str, tuple[str | None, str | None]]
) -> None:
    """Move the counts of posts whose labels are about to be replaced.

    labels maps post_id -> (sentiment, primary intent) as they will be saved; call it before
    the classifications rows are written (it reads the labels they replace).
    """
    delta: Counter = Counter()
    for chunk in _chunks(sorted(labels)):
        rows = conn.execute(
            f"SELECT m.post_id, m.topic, {_KIND}, {_HOUR}, c.sentiment, c.primary_intent "  # noqa: S608 - placeholders only
            "FROM topic_matches m JOIN posts p ON p.id = m.post_id "
            "LEFT JOIN classifications c ON c.post_id = m.post_id "
            f"WHERE m.post_id IN ({_marks(chunk)})",
            list(chunk),
        ).fetchall()
        for post_id, topic, kind, hour, old_sentiment, old_intent in rows:
            new_sentiment, new_intent = labels[post_id]
            if (old_sentiment, old_intent) == (new_sentiment, new_intent):
                continue
            for key in _label_keys(hour, topic, kind, old_sentiment, old_intent):
                delta[key] -= 1
            for key in _label_keys(hour, topic, kind, new_sentiment, new_intent):
                delta[key] += 1
    save_counts(conn, delta)


def hour_start(key: str) -> int | None:
    """Return the Unix time an hour key starts at, or None for a key that is not one."""
    # Sliced rather than strptime: a no-op run reads hundreds of keys.
    if len(key) != HOUR_CHARS or key[4] != "-" or key[7] != "-" or key[10] != "T":
        return None
    try:
        moment = datetime(int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:]))
    except ValueError:
        return None
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def plan_hours(
    keys: Sequence[str], now: int, after: int, size: int
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Split sorted hour keys into whole hours and the ranges that need the posts themselves.

    A post is counted when after < its time <= now, in bucket (now - time) // size. An hour
    whose every second lands in that range and in one bucket is read from its counts; the
    other hours (cut by a bucket edge or an end of the range) are returned as runs of
    consecutive keys (first, last), to count from posts.
    """
    whole: dict[str, int] = {}
    ranges: list[tuple[str, str]] = []
    run: list[str] = []
    for key in keys:
        start = hour_start(key)
        last = None if start is None else start + 3599
        if (
            start is not None
            and last is not None
            and start > after
            and last <= now
            and (now - start) // size == (now - last) // size
        ):
            whole[key] = (now - start) // size
            if run:
                ranges.append((run[0], run[-1]))
                run = []
        else:
            run.append(key)
    if run:
        ranges.append((run[0], run[-1]))
    return whole, ranges
