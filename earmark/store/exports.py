"""What was exported or delivered where."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from earmark.models import to_iso
from earmark.store.connection import Part
from earmark.store.ordering import RANKED_ORDER, TIERS, ranked_cte, urgency_params

# One row per opportunity with its post, labels and topics, in the order of `ranked`.
_EXPORT_SELECT = """
SELECT
  o.id, o.post_id, o.kind, o.queue, o.status, o.agent, o.priority, o.language,
  o.created_at, o.sla_due, o.first_response_at,
  p.platform, p.text, p.url, p.author, p.author_name, p.author_reach,
  p.created_at AS posted_at,
  c.sentiment, c.compound, c.intents, c.primary_intent, c.pii, c.reply_privately,
  c.priority_reason,
  (SELECT json_group_array(topic) FROM
     (SELECT m.topic FROM topic_matches m WHERE m.post_id = o.post_id ORDER BY m.topic)
  ) AS topics
FROM ranked
JOIN opportunities o ON o.id = ranked.kid
JOIN posts p ON p.id = o.post_id
LEFT JOIN classifications c ON c.post_id = o.post_id
"""
_EXPORT_ORDER = " ORDER BY " + RANKED_ORDER


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _filters(
    queue: str | Sequence[str] | None = None,
    agent: str | None = None,
    status: str | Sequence[str] | None = None,
    min_priority: int | None = None,
    since: datetime | str | None = None,
    new_for_destination: str | None = None,
) -> tuple[list[str], list]:
    """Return the WHERE clauses (on opportunities `o`) and their parameters."""
    clauses: list[str] = []
    params: list = []
    queues = _as_list(queue)
    if queues:
        clauses.append(f"o.queue IN ({', '.join('?' for _ in queues)})")
        params.extend(queues)
    if agent is not None:
        clauses.append("o.agent = ?")
        params.append(agent)
    statuses = _as_list(status)
    if statuses:
        clauses.append(f"o.status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    if min_priority is not None:
        clauses.append("coalesce(o.priority, 0) >= ?")
        params.append(min_priority)
    if since is not None:
        clauses.append("o.created_at >= ?")
        params.append(to_iso(since) if isinstance(since, datetime) else since)
    if new_for_destination is not None:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM exports e "
            "WHERE e.destination = ? AND e.opportunity_id = o.id)"
        )
        params.append(new_for_destination)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


class SQLiteExports(Part):
    """What was exported or delivered where, and the rows an export reads, in SQLite."""

    def iter_export_rows(
        self,
        queue: str | Sequence[str] | None = None,
        agent: str | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        since: datetime | str | None = None,
        new_for_destination: str | None = None,
        ids: Sequence[int] | None = None,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
    ) -> Iterator[dict]:
        """Yield opportunities joined to their post and labels, most urgent first (as of now).

        The order is earmark.store.ordering's: queues by their most urgent item, and within a
        queue breached, at risk, then by priority and age. status and queue take one value or
        several; since keeps opportunities created at or after that moment;
        new_for_destination keeps only those not yet exported there; ids keeps only these.
        """
        clauses, params = _filters(queue, agent, status, min_priority, since, new_for_destination)
        if ids is not None:
            clauses.append(f"o.id IN ({', '.join('?' for _ in ids) or 'NULL'})")
            params.extend(ids)
        params = urgency_params(now, at_risk_fraction) + params
        cursor = self.conn.execute(
            ranked_cte(_where(clauses)) + _EXPORT_SELECT + _EXPORT_ORDER, params
        )
        names = [d[0] for d in cursor.description]
        try:
            for row in cursor:
                yield dict(zip(names, row, strict=True))
        finally:
            cursor.close()

    def last_opportunity_id(self) -> int:
        """Return the highest opportunity id so far (0 when there is none)."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM opportunities").fetchone()[0]

    def new_export_ids(
        self,
        destination: str,
        *,
        queue: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        after: int = 0,
        upto: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Return ids of opportunities not yet exported to destination, in id order.

        after and upto bound the ids (after < id <= upto), so a caller pages through a fixed
        set with constant memory; limit caps the page.
        """
        clauses, params = _filters(queue, None, status, min_priority, None, destination)
        clauses.append("o.id > ?")
        params.append(after)
        if upto is not None:
            clauses.append("o.id <= ?")
            params.append(upto)
        # NOT INDEXED: walk the rowid range from `after`, not the status index (which sorts
        # every open item for each page: quadratic over a big backlog).
        sql = "SELECT o.id FROM opportunities o NOT INDEXED" + _where(clauses) + " ORDER BY o.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [row[0] for row in self.conn.execute(sql, params)]

    def new_export_ids_by_urgency(
        self,
        destination: str,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
        queue: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        upto: int | None = None,
    ) -> list[int]:
        """Return ids of opportunities not yet exported to destination, most urgent first.

        The order of iter_export_rows; only ids are held (a few bytes each at any size).
        """
        clauses, params = _filters(queue, None, status, min_priority, None, destination)
        if upto is not None:
            clauses.append("o.id <= ?")
            params.append(upto)
        sql = ranked_cte(_where(clauses)) + "SELECT kid FROM ranked" + _EXPORT_ORDER
        params = urgency_params(now, at_risk_fraction) + params
        return [row[0] for row in self.conn.execute(sql, params)]

    def count_new_exports(
        self,
        destination: str,
        *,
        queue: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        upto: int | None = None,
    ) -> int:
        """Return how many opportunities (with id <= upto) are not yet exported to destination."""
        clauses, params = _filters(queue, None, status, min_priority, None, destination)
        if upto is not None:
            clauses.append("o.id <= ?")
            params.append(upto)
        sql = "SELECT count(*) FROM opportunities o" + _where(clauses)
        return self.conn.execute(sql, params).fetchone()[0]

    def count_export_rows(
        self,
        queue: str | Sequence[str] | None = None,
        agent: str | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        since: datetime | str | None = None,
        new_for_destination: str | None = None,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
    ) -> dict[tuple[str, str | None], int]:
        """Return how many opportunities iter_export_rows would yield per (tier, queue), the
        tier being breached, at_risk or rest as of now."""
        clauses, params = _filters(queue, agent, status, min_priority, since, new_for_destination)
        sql = ranked_cte(_where(clauses)) + "SELECT tier, kqueue, count(*) FROM keyed GROUP BY 1, 2"
        params = urgency_params(now, at_risk_fraction) + params
        return {(TIERS[t], q): n for t, q, n in self.conn.execute(sql, params)}

    def mark_exported(self, destination: str, ids: Iterable[int], at: datetime | str) -> int:
        """Record that these opportunities reached destination; return how many were new."""
        stamp = to_iso(at) if isinstance(at, datetime) else at
        ids = list(dict.fromkeys(ids))
        with self.transaction():
            cursor = self.conn.executemany(
                "INSERT OR IGNORE INTO exports (destination, opportunity_id, exported_at) "
                "VALUES (?, ?, ?)",
                [(destination, opportunity_id, stamp) for opportunity_id in ids],
            )
        # The rows inserted, summed over the statements (an ignored duplicate changes none).
        return max(cursor.rowcount, 0)

    def exported_ids(self, destination: str) -> set[int]:
        """Return the ids of every opportunity already exported to destination."""
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT opportunity_id FROM exports WHERE destination = ?", (destination,)
            )
        }
