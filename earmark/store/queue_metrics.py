"""Read-only queries behind `earmark stats` (the `metrics` part of the store)."""

from __future__ import annotations

from collections import Counter

from earmark.store.connection import Part
from earmark.store.post_counts import AFTER_HOUR, HOUR_CHARS
from earmark.store.tables import HANDLED, WAITING

# Items someone took or answered: the WHERE of idx_opportunities_handled_created_at, verbatim
# (so SQLite uses that partial index).


def _opportunity_group(column: str | None) -> str:
    """Return the GROUP BY expression of a stats grouping (platform is copied from the post)."""
    if column not in (None, "queue", "agent", "platform"):
        raise ValueError(column)
    return "NULL" if column is None else f"o.{column}"


class SQLiteQueueMetrics(Part):
    """The read-only queries behind `earmark stats`, in SQLite."""

    def count_open_by(self, column: str) -> dict[str | None, int]:
        """Return the open backlog counted by queue, agent or platform."""
        if column not in ("queue", "agent", "platform"):
            raise ValueError(column)
        rows = self.conn.execute(
            f"SELECT {column}, sum(open) FROM opportunity_counts GROUP BY {column} "  # noqa: S608 - constants only
            "HAVING sum(open) != 0"
        ).fetchall()
        return {value or None: n for value, n in rows}

    # -- metrics input --------------------------------------------------------------------

    def opportunity_counts_created_since(
        self, since: str, now: str, column: str | None = None
    ) -> dict[str | None, tuple[int, int, int]]:
        """Count the opportunities created at or after since: (created, breached, resolved).

        Grouped by queue, agent or platform (one None group without a column). An SLA is
        breached by a first response after sla_due, or, unanswered and not dismissed, when
        now is past it. Whole hours after since's come from opportunity_counts, plus the
        unanswered items past due (a range of idx_opportunities_waiting_due); the hour of
        since itself is counted from its items.
        """
        group = _opportunity_group(column)
        counted = "NULL" if column is None else column
        after = since[:HOUR_CHARS] + AFTER_HOUR  # every later hour's items sort after this
        totals: dict[str | None, list[int]] = {}

        def add(value: str | None, created: int, breached: int, resolved: int) -> None:
            numbers = totals.setdefault(value or None, [0, 0, 0])
            for i, n in enumerate((created, breached, resolved)):
                numbers[i] += n

        for value, created, late, resolved in self.conn.execute(
            f"SELECT {counted}, sum(created), sum(late), sum(resolved) "  # noqa: S608 - constants only
            f"FROM opportunity_counts WHERE hour > ? GROUP BY 1 HAVING sum(created) != 0",
            (since[:HOUR_CHARS],),
        ):
            add(value, created, late, resolved)
        for value, waiting in self.conn.execute(
            f"SELECT {group}, count(*) FROM opportunities o WHERE {WAITING} "  # noqa: S608 - constants only
            f"AND o.sla_due < ? AND o.created_at > ? GROUP BY 1",
            (now, after),
        ):
            add(value, 0, waiting, 0)
        for row in self.conn.execute(
            f"SELECT {group}, count(*), "  # noqa: S608 - only column constants are interpolated
            "coalesce(sum(CASE WHEN o.sla_due IS NULL THEN 0 "
            "WHEN o.first_response_at IS NOT NULL THEN "
            "CASE WHEN o.first_response_at > o.sla_due THEN 1 ELSE 0 END "
            "WHEN o.status != 'dismissed' AND ? > o.sla_due THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN o.status = 'resolved' THEN 1 ELSE 0 END), 0) "
            f"FROM opportunities o WHERE o.created_at >= ? AND o.created_at < ? GROUP BY 1",
            (now, since, after),
        ):
            add(*row)
        return {value: (n[0], n[1], n[2]) for value, n in totals.items()}

    def opportunity_durations_created_since(
        self, since: str, column: str | None = None
    ) -> list[tuple[str | None, int | None, int | None]]:
        """Return (group, seconds to first assignment, seconds to first response) per item.

        Only items created at or after since that were assigned or answered; whole seconds
        (the store keeps second precision), computed in SQL.
        """
        group = _opportunity_group(column)
        return self.conn.execute(
            f"SELECT {group}, "  # noqa: S608 - only column constants are interpolated
            "CAST(strftime('%s', o.first_assigned_at) AS INTEGER) "
            "- CAST(strftime('%s', o.created_at) AS INTEGER), "
            "CAST(strftime('%s', o.first_response_at) AS INTEGER) "
            "- CAST(strftime('%s', o.created_at) AS INTEGER) "
            f"FROM opportunities o WHERE o.created_at >= ? AND {HANDLED}",
            (since,),
        ).fetchall()

    def post_volume_by(self, column: str, since: str) -> dict[str, int]:
        """Return how many posts were created since, by platform (or 'all')."""
        if column == "platform":
            sql = "SELECT platform, count(*) FROM posts WHERE created_at >= ? GROUP BY platform"
        elif column == "all":
            sql = "SELECT 'all', count(*) FROM posts WHERE created_at >= ?"
        else:
            raise ValueError(column)
        return {r[0]: r[1] for r in self.conn.execute(sql, (since,))}

    def opportunity_post_volume_by(self, column: str, since: str) -> dict[str | None, int]:
        """Return how many posts created since belong to opportunities, by queue or agent."""
        if column not in ("queue", "agent"):
            raise ValueError(column)
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                f"SELECT o.{column}, count(*) FROM opportunity_posts op "  # noqa: S608 - only placeholders and column constants are interpolated
                "JOIN opportunities o ON o.id = op.opportunity_id "
                "JOIN posts p ON p.id = op.post_id WHERE p.created_at >= ? "
                f"GROUP BY o.{column}",
                (since,),
            )
        }

    def topic_daily_sentiment(self, since: str) -> list[dict]:
        """Return post counts by topic, kind, day and sentiment for posts created since.

        Whole hours after since's come from post_counts (unclassified: every post of the hour
        less those with a sentiment); the hour of since itself is counted from its posts.
        """
        after = since[:HOUR_CHARS] + AFTER_HOUR
        every: Counter = Counter()
        counts: Counter = Counter()
        for breakdown, value, hour, topic, kind, n in self.conn.execute(
            "SELECT breakdown, value, hour, topic, kind, n FROM post_counts "
            "WHERE breakdown IN ('', 'sentiment') AND hour > ? AND n != 0",
            (since[:HOUR_CHARS],),
        ):
            key = (topic, kind or None, hour[:10])
            if breakdown:
                counts[key + (value,)] += n
                every[key] -= n
            else:
                every[key] += n
        for key, n in every.items():
            counts[key + ("unclassified",)] += n
        for topic, kind, day, sentiment, n in self.conn.execute(
            "SELECT m.topic, m.kind, substr(p.created_at, 1, 10) AS day, "
            "coalesce(c.sentiment, 'unclassified') AS sentiment, count(*) AS posts "
            "FROM topic_matches m JOIN posts p ON p.id = m.post_id "
            "LEFT JOIN classifications c ON c.post_id = m.post_id "
            "WHERE p.created_at >= ? AND p.created_at < ? GROUP BY m.topic, m.kind, day, sentiment",
            (since, after),
        ):
            counts[(topic, kind, day, sentiment)] += n
        ordered = sorted(
            (key for key, n in counts.items() if n),
            key=lambda k: (k[0], k[1] is not None, k[1] or "", k[2], k[3]),
        )
        return [
            {"topic": t, "kind": k, "day": d, "sentiment": s, "posts": counts[(t, k, d, s)]}
            for t, k, d, s in ordered
        ]
