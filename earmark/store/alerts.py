"""Counts for alerting (posts per topic per time bucket, open items, SLA breaches) and the
alert_state table that keeps cooldowns between cron runs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from earmark.models import OPEN_STATUSES, parse_iso, to_iso
from earmark.redaction import redact_data
from earmark.store.connection import Part
from earmark.store.post_counts import AFTER_HOUR, HOUR_CHARS, plan_hours

_OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
# Whole seconds from a post's creation to `now` (a bound Unix time); integer arithmetic so
# bucket edges are exact.
_AGE = "(? - CAST(strftime('%s', p.created_at) AS INTEGER))"


def _label_filter(intent: str | None, sentiment: str | None) -> tuple[str, str, list]:
    """Return (join, where, params) restricting posts to a primary intent and/or sentiment."""
    if intent is None and sentiment is None:
        return "", "", []
    clauses, params = [], []
    if intent is not None:
        clauses.append("c.primary_intent = ?")
        params.append(intent)
    if sentiment is not None:
        clauses.append("c.sentiment = ?")
        params.append(sentiment)
    return "JOIN classifications c ON c.post_id = p.id", " AND " + " AND ".join(clauses), params


def _bucket_lists(counted: list[tuple[str, int, int]], buckets: int) -> dict[str, list[int]]:
    """Sum (topic, bucket index, count) rows into a list of counts per topic."""
    counts: dict[str, list[int]] = {}
    for topic, index, n in counted:
        counts.setdefault(topic, [0] * buckets)[index] += n
    return counts


class SQLiteAlerts(Part):
    """The counts alerts watch and the alert_state table, in SQLite."""

    def count_topic_buckets(
        self,
        now: datetime,
        bucket: timedelta,
        buckets: int,
        *,
        intent: str | None = None,
        sentiment: str | None = None,
    ) -> dict[str, list[int]]:
        """Count posts per topic in `buckets` windows of size `bucket` ending at now.

        Index 0 is the most recent window (now - bucket, now]; index i covers
        (now - (i+1)*bucket, now - i*bucket]. Posts dated after now are not counted.

        Whole hours come from post_counts; only the hours a window edge cuts are counted from
        the posts themselves, so the cost follows the number of buckets, not of posts.
        """
        if now.tzinfo is None:  # naive times are UTC everywhere in earmark
            now = now.replace(tzinfo=timezone.utc)
        if intent is not None and sentiment is not None:  # no counts kept for the pair
            scanned = self._scan_topic_buckets(now, bucket, buckets, intent, sentiment, [])
            return _bucket_lists(scanned, buckets)
        breakdown, value = (
            ("intent", intent)
            if intent is not None
            else ("sentiment", sentiment)
            if sentiment is not None
            else ("", "")
        )
        size = int(bucket.total_seconds())
        iso_start, iso_now = to_iso(now - bucket * buckets), to_iso(now)
        rows = self.conn.execute(
            "SELECT hour, topic, n FROM post_counts WHERE breakdown = ? AND value = ? "
            "AND hour >= ? AND hour <= ? AND n > 0 ORDER BY hour",
            [breakdown, value, iso_start[:HOUR_CHARS], iso_now[:HOUR_CHARS]],
        ).fetchall()
        keys = list(dict.fromkeys(hour for hour, _, _ in rows))
        after = int(parse_iso(iso_start).timestamp())
        whole, ranges = plan_hours(keys, int(now.timestamp()), after, size)
        counted = [(topic, whole[hour], n) for hour, topic, n in rows if hour in whole]
        if ranges:
            counted += self._scan_topic_buckets(now, bucket, buckets, intent, sentiment, ranges)
        return _bucket_lists(counted, buckets)

    def _scan_topic_buckets(
        self,
        now: datetime,
        bucket: timedelta,
        buckets: int,
        intent: str | None,
        sentiment: str | None,
        ranges: list[tuple[str, str]],
    ) -> list[tuple[str, int, int]]:
        """Count the posts in (now - bucket * buckets, now] per (topic, bucket index), within
        the runs of hour keys given (every hour when none are given)."""
        size = int(bucket.total_seconds())
        join, where, params = _label_filter(intent, sentiment)
        iso_start, iso_now = to_iso(now - bucket * buckets), to_iso(now)
        # One range of the indexed created_at per query, the tighter of the window's end and
        # the hours' (ISO strings sort as times); the bucket arithmetic runs on its rows only.
        bounds = []
        for first, last in ranges or [(iso_start[:HOUR_CHARS], iso_now[:HOUR_CHARS])]:
            after = (">", iso_start) if first <= iso_start[:HOUR_CHARS] else (">=", first)
            until = ("<=", iso_now) if last >= iso_now[:HOUR_CHARS] else ("<", last + AFTER_HOUR)
            bounds.append((*after, *until))
        rows: list[tuple[str, int, int]] = []
        for low_op, low, high_op, high in bounds:
            rows += self.conn.execute(
                f"SELECT m.topic, ({_AGE}) / ? AS age_bucket, count(*) "  # noqa: S608 - constants only
                f"FROM posts p JOIN topic_matches m ON m.post_id = p.id {join} "
                f"WHERE p.created_at {low_op} ? AND p.created_at {high_op} ? {where} "
                "GROUP BY m.topic, age_bucket",
                [int(now.timestamp()), size, low, high, *params],
            ).fetchall()
        return rows

    def earliest_topic_posts(self) -> dict[str, datetime]:
        """Return the creation time of the oldest stored post of each topic."""
        first_hours = self.conn.execute(
            "SELECT topic, min(hour) FROM post_counts WHERE breakdown = '' AND value = '' "
            "AND n > 0 GROUP BY topic"
        ).fetchall()
        earliest = {}
        for topic, hour in first_hours:  # the oldest post is in the topic's first hour
            first = self.conn.execute(
                "SELECT min(p.created_at) FROM posts p WHERE p.created_at >= ? "
                "AND p.created_at < ? AND EXISTS (SELECT 1 FROM topic_matches m "
                "WHERE m.post_id = p.id AND m.topic = ?)",
                (hour, hour + AFTER_HOUR, topic),
            ).fetchone()[0]
            if first:
                earliest[topic] = parse_iso(first)
        return earliest

    def topic_posts_between(
        self,
        topic: str,
        start: datetime,
        end: datetime,
        *,
        intent: str | None = None,
        sentiment: str | None = None,
        limit: int = 500,
    ) -> list[dict]:
        """Return a topic's posts created in (start, end], highest priority and reach first."""
        join, where, params = _label_filter(intent, sentiment)
        if not join:
            join = "LEFT JOIN classifications c ON c.post_id = p.id"
        return [
            dict(row)
            for row in self.db.query(
                "SELECT p.id, p.url, p.author, p.text, p.created_at, p.author_reach, "  # noqa: S608 - only constants are interpolated
                "c.priority FROM posts p JOIN topic_matches m ON m.post_id = p.id "
                f"{join} WHERE m.topic = ? AND p.created_at > ? AND p.created_at <= ? {where} "
                "ORDER BY coalesce(c.priority, 0) DESC, coalesce(p.author_reach, 0) DESC, "
                "p.created_at DESC LIMIT ?",
                [topic, to_iso(start), to_iso(end), *params, limit],
            )
        ]

    def count_open_by_topic(self) -> dict[str, int]:
        """Return how many opportunities are open (not resolved or dismissed) per topic."""
        rows = self.conn.execute(
            "SELECT m.topic, count(DISTINCT o.id) FROM opportunities o "  # noqa: S608 - only constants are interpolated
            "JOIN topic_matches m ON m.post_id = o.post_id "
            f"WHERE o.status IN ({_OPEN}) GROUP BY m.topic"
        ).fetchall()
        return dict(rows)

    def count_open_by_queue(self) -> dict[str, int]:
        """Return how many opportunities are open per queue."""
        rows = self.conn.execute(
            f"SELECT queue, count(*) FROM opportunities WHERE status IN ({_OPEN}) GROUP BY queue"  # noqa: S608 - only constants are interpolated
        ).fetchall()
        return dict(rows)

    def breaches_by_topic(self, now: datetime) -> dict[str, int]:
        """Return how many open, unanswered opportunities are past their SLA per topic."""
        rows = self.conn.execute(
            "SELECT m.topic, count(DISTINCT o.id) FROM opportunities o "  # noqa: S608 - only constants are interpolated
            "JOIN topic_matches m ON m.post_id = o.post_id "
            f"WHERE o.status IN ({_OPEN}) AND o.first_response_at IS NULL "
            "AND o.sla_due IS NOT NULL AND o.sla_due < ? GROUP BY m.topic",
            [to_iso(now)],
        ).fetchall()
        return dict(rows)

    def breaches_by_queue(self, now: datetime) -> dict[str, int]:
        """Return how many open, unanswered opportunities are past their SLA per queue."""
        rows = self.conn.execute(
            "SELECT queue, count(*) FROM opportunities "  # noqa: S608 - only constants are interpolated
            f"WHERE status IN ({_OPEN}) AND first_response_at IS NULL "
            "AND sla_due IS NOT NULL AND sla_due < ? GROUP BY queue",
            [to_iso(now)],
        ).fetchall()
        return dict(rows)

    def alert_states(self) -> dict[str, dict]:
        """Return every alert_state row by key, with `detail` decoded from JSON."""
        states = {}
        for row in self.db.query("SELECT * FROM alert_state"):
            row = dict(row)
            row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
            states[row["key"]] = row
        return states

    def save_alert_state(
        self,
        key: str,
        state: str,
        since: datetime,
        last_fired_at: datetime | None,
        detail: dict,
    ) -> None:
        """Insert or replace the state of one alert key."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO alert_state (key, state, since, last_fired_at, detail) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state, "
                "since = excluded.since, last_fired_at = excluded.last_fired_at, "
                "detail = excluded.detail",
                (
                    key,
                    state,
                    to_iso(since),
                    to_iso(last_fired_at) if last_fired_at else None,
                    # detail keeps the delivery errors of pending alerts: no secret in them.
                    json.dumps(redact_data(detail), ensure_ascii=False, default=str),
                ),
            )
