"""A page of the urgency order (earmark.store.ordering) read through indexes, not by ranking
every open item: what `queue` and `next` show costs about the same on a backlog of any size.

The order is by tier (breached, at risk, the rest), then queue by queue (the queue of the
tier's most urgent item first), then priority, post time and id. Per (status, queue):
- breached items (sla_due <= now) are a range of idx_opportunities_unanswered_due, and at-risk
  items, per distinct SLA span (sla_due - created_at, few values: one per queue SLA), a range
  of idx_opportunities_unanswered_span (now < sla_due <= now + span * fraction); when a tier
  holds more than TIER_READ_CAP items there, it is large and its first items are found by
  walking idx_opportunities_status_queue_urgency (priority DESC, posted_at, id) instead,
  which then meets them early;
- the rest are read by that walk, which passes over at most the few items of the first two
  tiers (it is only needed when those hold fewer items than the page).
Only `count` items per queue and tier are ever kept; the exact tier of every row read is the
ordering module's own SQL expression.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from earmark.models import OPEN_STATUSES, parse_iso, to_iso
from earmark.store.connection import Part
from earmark.store.item_select import ITEM_COLUMNS, ITEM_JOINS, ITEM_SELECT, item_filters
from earmark.store.ordering import RANKED_ORDER, ranked_cte, tier_sql, urgency_params
from earmark.store.tables import UNANSWERED as _UNANSWERED

# Seconds from creation to SLA due, in SQL: strftime is SQLite's (the migration's back-fill
# only; new rows get it from sla_span() in Python).
SLA_SPAN_SQL = (
    "CAST(strftime('%s', sla_due) AS INTEGER) - CAST(strftime('%s', created_at) AS INTEGER)"
)
TIER_READ_CAP = 2000  # items of one tier read by range before walking the order index instead
_COLUMNS = "id, queue, priority, posted_at"
_ORDER = "ORDER BY priority DESC, posted_at, id"
_TIER = tier_sql("opportunities")


def sla_span(sla_due: str | None, created_at: str | None) -> int | None:
    """Return whole seconds from an item's creation to its SLA due time (None without one)."""
    if not sla_due or not created_at:
        return None
    try:
        return int(parse_iso(sla_due).timestamp()) - int(parse_iso(created_at).timestamp())
    except ValueError:
        return None


def _key(row: tuple) -> tuple:
    _, _, priority, posted = row
    return (-(priority or 0), posted is None, posted or "", row[0])


def _queues_of(conn: sqlite3.Connection, status: str) -> list[str]:
    """Return the distinct queues of a status, one index seek each (a skip scan)."""
    rows = conn.execute(
        "WITH RECURSIVE q(name) AS ("
        "SELECT min(queue) FROM opportunities WHERE status = ? "
        "UNION ALL SELECT (SELECT min(queue) FROM opportunities WHERE status = ? "
        "AND queue > q.name) FROM q WHERE q.name IS NOT NULL) "
        "SELECT name FROM q WHERE name IS NOT NULL",
        (status, status),
    ).fetchall()
    return [row[0] for row in rows]


def fast_path_applies(statuses: Sequence[str], agent: str | None, limit: int | None) -> bool:
    """Whether urgent_page can serve a request (an agent's few items are simply ranked)."""
    return limit is not None and agent is None and set(statuses) <= set(OPEN_STATUSES)


def urgent_page(
    conn: sqlite3.Connection,
    *,
    now: datetime | str,
    fraction: float,
    statuses: Sequence[str],
    queue: str | None,
    queues: Sequence[str] | None,
    unassigned: bool,
    count: int,
) -> list[int] | None:
    """Return the ids of the first `count` matching items in urgency order, or None when the
    store holds items the indexes cannot place (an SLA without its span) and the caller must
    rank them all."""
    if count <= 0:
        return []
    stamp = to_iso(now) if isinstance(now, datetime) else now
    segments = []
    for status in dict.fromkeys(statuses):
        if queue is not None:  # both filters hold when both are given
            names = [queue] if queues is None or queue in queues else []
        elif queues is not None:
            names = list(dict.fromkeys(queues))
        else:
            names = _queues_of(conn, status)
        segments += [(status, name) for name in names]
    spans = {}
    for status, name in segments:
        distinct = _spans_of(conn, status, name)
        if distinct is None:
            return None
        spans[(status, name)] = distinct
    read = _TierReader(conn, stamp, urgency_params(now, fraction), fraction, unassigned)
    cap = max(TIER_READ_CAP, count)
    ids: list[int] = []
    for tier in (0, 1, 2):
        need = count - len(ids)
        if need <= 0:
            break
        rows: list[tuple] = []
        for status, name in segments:
            found: list[tuple] | None = None
            if tier == 0:
                found = read.breached(status, name, cap + 1)
            elif tier == 1:
                found = read.at_risk(status, name, spans[(status, name)], cap + 1)
            if found is None or len(found) > cap:
                found = read.walk(status, name, tier, need)
            rows += found
        ids += _in_order(rows)[:need]
    return ids


def _spans_of(conn: sqlite3.Connection, status: str, name: str) -> list[int] | None:
    """Return the distinct SLA spans of a segment's unanswered items, one index seek each (a
    skip scan of idx_opportunities_unanswered_span); None if an item has no span."""
    where = f"status = ? AND queue = ? AND {_UNANSWERED}"
    unplaced = conn.execute(
        f"SELECT 1 FROM opportunities WHERE {where} AND sla_span IS NULL LIMIT 1",  # noqa: S608 - constants only
        (status, name),
    ).fetchone()
    if unplaced is not None:
        return None
    rows = conn.execute(
        "WITH RECURSIVE s(v) AS ("  # noqa: S608 - constants only
        f"SELECT min(sla_span) FROM opportunities WHERE {where} "
        f"UNION ALL SELECT (SELECT min(sla_span) FROM opportunities WHERE {where} "
        "AND sla_span > s.v) FROM s WHERE s.v IS NOT NULL) "
        "SELECT v FROM s WHERE v IS NOT NULL",
        (status, name, status, name),
    ).fetchall()
    return [row[0] for row in rows]


class _TierReader:
    """The three reads of one segment (status, queue); every row's tier is checked in SQL."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        stamp: str,
        tier_params: list,
        fraction: float,
        unassigned: bool,
    ) -> None:
        self.conn, self.stamp, self.tier_params = conn, stamp, tier_params
        self.fraction = fraction
        self.extra = " AND agent IS NULL" if unassigned else ""

    def _rows(self, where: str, params: list, tier: int, tail: str, limit: int) -> list[tuple]:
        return self.conn.execute(
            f"SELECT {_COLUMNS} FROM opportunities WHERE status = ? AND queue = ? "  # noqa: S608 - constants only
            f"{where}{self.extra} AND ({_TIER}) = ? {tail}LIMIT ?",
            [*params, *self.tier_params, tier, limit],
        ).fetchall()

    def breached(self, status: str, name: str, limit: int) -> list[tuple]:
        """Breached items: a range of idx_opportunities_unanswered_due (sla_due <= now)."""
        where = f" AND {_UNANSWERED} AND sla_due <= ?"
        return self._rows(where, [status, name, self.stamp], 0, "", limit)

    def at_risk(self, status: str, name: str, spans: list[int], limit: int) -> list[tuple]:
        """At-risk items: per SLA span, due after now and within the at-risk share of the
        span from now (a second of margin for the rounding of the at-risk point)."""
        rows: list[tuple] = []
        for span in spans:
            reach = math.ceil(max(span, 0) * max(self.fraction, 0.0)) + 1
            end = to_iso(parse_iso(self.stamp) + timedelta(seconds=reach))
            where = f" AND {_UNANSWERED} AND sla_span = ? AND sla_due > ? AND sla_due <= ?"
            rows += self._rows(where, [status, name, span, self.stamp, end], 1, "", limit)
            if len(rows) >= limit:
                break
        return rows

    def walk(self, status: str, name: str, tier: int, limit: int) -> list[tuple]:
        """The first items of a tier in the segment's order (idx_..._status_queue_urgency)."""
        return self._rows("", [status, name], tier, f"{_ORDER} ", limit)


def _in_order(rows: list[tuple]) -> list[int]:
    """Order one tier's rows: queue by queue (by each queue's most urgent row), then by key."""
    by_queue: dict[str, list[tuple]] = {}
    for row in sorted(rows, key=_key):
        by_queue.setdefault(row[1], []).append(row)
    ordered = sorted(by_queue.values(), key=lambda group: _key(group[0]))
    return [row[0] for group in ordered for row in group]


class UrgentItems(Part):
    """The queues part's reads in the urgency order (SQLiteQueues inherits them)."""

    def urgent_items(
        self,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
        queue: str | None = None,
        agent: str | None = None,
        statuses: Sequence[str] = OPEN_STATUSES,
        unassigned: bool = False,
        queues: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Return open work with post and labels, most urgent first as of now (the order of
        earmark.store.ordering: breached, at risk, the rest; queues by their most urgent item;
        then priority and age).

        With a limit (and no agent: an agent's few items are simply ranked), the page is read
        through indexes by earmark.store.urgent; otherwise every matching item is ranked (ids
        and keys only) before the rows are read.
        """
        if fast_path_applies(statuses, agent, limit):
            ids = urgent_page(
                self.conn,
                now=now,
                fraction=at_risk_fraction,
                statuses=statuses,
                queue=queue,
                queues=queues,
                unassigned=unassigned,
                count=(limit or 0) + offset,
            )
            if ids is not None:
                return self._items_by_id(ids[offset:])
        filters, filter_params = item_filters(queue, agent, unassigned, "o.")
        clauses = [f"o.status IN ({','.join('?' for _ in statuses)})", *filters]
        params: list[object] = [*statuses, *filter_params]
        if queues is not None:
            clauses.append(f"o.queue IN ({','.join('?' for _ in queues) or 'NULL'})")
            params.extend(queues)
        sql = (
            ranked_cte(" WHERE " + " AND ".join(clauses))
            + ITEM_COLUMNS
            + "FROM ranked JOIN opportunities o ON o.id = ranked.kid "
            + ITEM_JOINS
            + " ORDER BY "
            + RANKED_ORDER
        )
        params = urgency_params(now, at_risk_fraction) + params
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return [dict(r) for r in self.db.query(sql, params)]

    def _items_by_id(self, ids: list[int]) -> list[dict]:
        """Return the items of these ids with post and labels, in the order given."""
        found: dict[int, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            for row in self.db.query(ITEM_SELECT + f"WHERE o.id IN ({marks})", chunk):  # noqa: S608 - placeholders only
                found[row["id"]] = dict(row)
        return [found[i] for i in ids if i in found]
