"""Read-only counts behind `earmark report` (the `report` part of the store).

Every query groups in SQL and returns one row per group (time bucket x label, or queue), never
one per post: the report's memory depends on how many buckets and labels it shows, not on how
many posts the database holds.
"""

from __future__ import annotations

from earmark.models import OPEN_STATUSES
from earmark.store.connection import Part
from earmark.store.ordering import ranked_cte, urgency_params

_OPEN_MARKS = ",".join("?" for _ in OPEN_STATUSES)
# Seconds since the epoch of a stored ISO-8601 time.
_EPOCH = "CAST(strftime('%s', {}) AS INTEGER)"


class SQLiteReportCounts(Part):
    """The grouped counts a report draws, in SQLite."""

    def post_time_range(self, start: str, end: str) -> tuple[str | None, str | None]:
        """Return the first and last post time within [start, end), or (None, None)."""
        row = self.conn.execute(
            "SELECT min(created_at), max(created_at) FROM posts "
            "WHERE created_at >= ? AND created_at < ?",
            (start, end),
        ).fetchone()
        return row[0], row[1]

    def posts_by_bucket_and_sentiment(
        self, start: str, end: str, bucket_seconds: int
    ) -> list[tuple[int, str, int]]:
        """Count posts within [start, end) by (bucket, sentiment); a bucket is the post's
        epoch seconds divided by bucket_seconds; posts without labels count as unclassified."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                f"SELECT {_EPOCH.format('p.created_at')} / ? AS bucket, "
                "coalesce(c.sentiment, 'unclassified'), count(*) "
                "FROM posts p LEFT JOIN classifications c ON c.post_id = p.id "
                "WHERE p.created_at >= ? AND p.created_at < ? GROUP BY 1, 2",
                (bucket_seconds, start, end),
            )
        ]

    def posts_by_primary_intent(self, start: str, end: str) -> dict[str, int]:
        """Count classified posts within [start, end) by primary intent ('none' without one)."""
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT coalesce(nullif(c.primary_intent, ''), 'none'), count(*) "
                "FROM classifications c JOIN posts p ON p.id = c.post_id "
                "WHERE p.created_at >= ? AND p.created_at < ? GROUP BY 1",
                (start, end),
            )
        }

    def topic_matches_by_bucket(
        self, start: str, end: str, bucket_seconds: int
    ) -> list[tuple[int, str, int]]:
        """Count topic matches of posts within [start, end) by (bucket, topic)."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                f"SELECT {_EPOCH.format('p.created_at')} / ? AS bucket, m.topic, count(*) "
                "FROM topic_matches m JOIN posts p ON p.id = m.post_id "
                "WHERE p.created_at >= ? AND p.created_at < ? GROUP BY 1, 2",
                (bucket_seconds, start, end),
            )
        ]

    def open_backlog_by_queue(
        self, now: str, at_risk_fraction: float
    ) -> list[tuple[str, int, int, int, int | None]]:
        """Return (queue, open, breached, at risk, longest unanswered wait in seconds since
        the post) per queue with open items, the most urgent queue first (the order of
        earmark.store.ordering: a queue ranks as its most urgent item does)."""
        sql = ranked_cte(f" WHERE o.status IN ({_OPEN_MARKS})") + (
            "SELECT kqueue, count(*), sum(CASE WHEN tier = 0 THEN 1 ELSE 0 END), "
            "sum(CASE WHEN tier = 1 THEN 1 ELSE 0 END) FROM keyed "
            "GROUP BY kqueue ORDER BY min(tier || '|' || k)"
        )
        params = [*urgency_params(now, at_risk_fraction), *OPEN_STATUSES]
        counts = self.conn.execute(sql, params).fetchall()
        waits = dict(
            self.conn.execute(
                f"SELECT o.queue, max({_EPOCH.format('?')} - {_EPOCH.format('p.created_at')}) "
                "FROM opportunities o JOIN posts p ON p.id = o.post_id "
                f"WHERE o.status IN ({_OPEN_MARKS}) AND o.first_response_at IS NULL "
                "GROUP BY o.queue",
                (now, *OPEN_STATUSES),
            ).fetchall()
        )
        return [(q, n, b, r, waits.get(q)) for q, n, b, r in counts]

    def first_response_percentiles(
        self, start: str, fractions: tuple[float, ...] = (0.5, 0.9)
    ) -> dict[str, tuple[int, list[int]]]:
        """Return, per queue, (how many answered, [seconds to first response at each fraction])
        for opportunities created at or after start that were answered.

        Nearest-rank percentiles with window functions: SQLite sorts (spilling to disk), and
        only one row per queue and fraction comes back.
        """
        seconds = f"{_EPOCH.format('first_response_at')} - {_EPOCH.format('created_at')}"
        rows = self.conn.execute(
            f"WITH answered AS (SELECT queue, {seconds} AS s, "
            f"row_number() OVER (PARTITION BY queue ORDER BY {seconds}) AS rn, "
            "count(*) OVER (PARTITION BY queue) AS n FROM opportunities "
            "WHERE first_response_at IS NOT NULL AND created_at >= ?), "
            f"wanted(f) AS (VALUES {','.join('(?)' for _ in fractions)}) "
            "SELECT queue, n, f, s FROM answered JOIN wanted "
            "ON rn = max(1, CAST(f * n + 0.999999 AS INTEGER)) ORDER BY queue, f",
            (start, *fractions),
        ).fetchall()
        out: dict[str, tuple[int, list[int]]] = {}
        for queue, count, _fraction, value in rows:
            out.setdefault(queue, (count, []))[1].append(max(int(value), 0))
        return out
