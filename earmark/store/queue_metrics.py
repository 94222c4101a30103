"""Read-only queries behind `earmark stats` (part of the queues store, see queues.py)."""

from __future__ import annotations

from earmark.models import OPEN_STATUSES

_OPEN_MARKS = ",".join("?" for _ in OPEN_STATUSES)


class QueueMetricsMixin:
    def count_open_by(self, column: str) -> dict[str | None, int]:
        """Return the open backlog counted by queue, agent or platform."""
        if column not in ("queue", "agent", "platform"):
            raise ValueError(column)
        group = "p.platform" if column == "platform" else f"o.{column}"
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                f"SELECT {group}, count(*) FROM opportunities o "  # noqa: S608 - constants only
                "JOIN posts p ON p.id = o.post_id "
                f"WHERE o.status IN ({_OPEN_MARKS}) GROUP BY {group}",
                OPEN_STATUSES,
            )
        }

    # -- metrics input --------------------------------------------------------------------

    def events_of_opportunities_created_since(self, since: str) -> list[dict]:
        """Return the events of the opportunities created at or after since, in order.

        Only what metrics fold is returned: id, type, at, and from the detail the SLA
        deadline (`created`) and the status a `reopened` item went back to.
        """
        rows = self.conn.execute(
            "SELECT e.opportunity_id, e.type, e.at, "
            "CASE e.type WHEN 'created' THEN json_extract(e.detail, '$.sla_due') END, "
            "CASE WHEN e.type IN ('reopened', 'joined') "
            "THEN json_extract(e.detail, '$.to_status') END "
            "FROM events e WHERE e.opportunity_id IN "
            "(SELECT opportunity_id FROM events WHERE type = 'created' AND at >= ?) "
            "ORDER BY e.opportunity_id, e.id",
            (since,),
        )
        return [
            {
                "opportunity_id": r[0],
                "type": r[1],
                "at": r[2],
                "detail": {"sla_due": r[3]} if r[3] else {"to_status": r[4]} if r[4] else {},
            }
            for r in rows
        ]

    def opportunity_facets_created_since(self, since: str) -> dict[int, dict]:
        """Return queue, agent, status and platform of the opportunities created since."""
        return {
            row[0]: {"queue": row[1], "agent": row[2], "status": row[3], "platform": row[4]}
            for row in self.conn.execute(
                "SELECT o.id, o.queue, o.agent, o.status, p.platform "
                "FROM opportunities o JOIN posts p ON p.id = o.post_id WHERE o.id IN "
                "(SELECT opportunity_id FROM events WHERE type = 'created' AND at >= ?)",
                (since,),
            )
        }

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
