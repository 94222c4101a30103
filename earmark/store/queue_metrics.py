"""Read-only queries behind `earmark stats` (the `metrics` part of the store)."""

from __future__ import annotations

from earmark.models import OPEN_STATUSES
from earmark.store.connection import Part

_OPEN_MARKS = ",".join("?" for _ in OPEN_STATUSES)


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
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                f"SELECT o.{column}, count(*) FROM opportunities o "  # noqa: S608 - constants only
                f"WHERE o.status IN ({_OPEN_MARKS}) GROUP BY o.{column}",
                OPEN_STATUSES,
            )
        }

    # -- metrics input --------------------------------------------------------------------

    def opportunity_counts_created_since(
        self, since: str, now: str, column: str | None = None
    ) -> dict[str | None, tuple[int, int, int]]:
        """Count the opportunities created at or after since: (created, breached, resolved).

        Grouped by queue, agent or platform (one None group without a column). An SLA is
        breached by a first response after sla_due, or, unanswered and not dismissed, when
        now is past it.
        """
        group = _opportunity_group(column)
        return {
            row[0]: (row[1], row[2], row[3])
            for row in self.conn.execute(
                f"SELECT {group}, count(*), "  # noqa: S608 - only column constants are interpolated
                "coalesce(sum(CASE WHEN o.sla_due IS NULL THEN 0 "
                "WHEN o.first_response_at IS NOT NULL THEN "
                "CASE WHEN o.first_response_at > o.sla_due THEN 1 ELSE 0 END "
                "WHEN o.status != 'dismissed' AND ? > o.sla_due THEN 1 ELSE 0 END), 0), "
                "coalesce(sum(CASE WHEN o.status = 'resolved' THEN 1 ELSE 0 END), 0) "
                "FROM opportunities o WHERE o.created_at >= ? GROUP BY 1",
                (now, since),
            )
        }

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
            f"FROM opportunities o WHERE o.created_at >= ? "
            "AND (o.first_assigned_at IS NOT NULL OR o.first_response_at IS NOT NULL)",
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
        """Return post counts by topic, kind, day and sentiment for posts created since."""
        return [
            dict(r)
            for r in self.db.query(
                "SELECT m.topic, m.kind, substr(p.created_at, 1, 10) AS day, "
                "coalesce(c.sentiment, 'unclassified') AS sentiment, count(*) AS posts "
                "FROM topic_matches m JOIN posts p ON p.id = m.post_id "
                "LEFT JOIN classifications c ON c.post_id = m.post_id "
                "WHERE p.created_at >= ? GROUP BY m.topic, m.kind, day, sentiment",
                [since],
            )
        ]
