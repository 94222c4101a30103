"""Opportunities and thread membership: the `queues` part of the store.

Every read and write of `opportunities` and `opportunity_posts` is here (agents.py has the
agents, events.py the event log); the queue stage decides, this file stores.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator, Sequence

from earmark.models import OPEN_STATUSES
from earmark.store import pgbatch
from earmark.store.connection import inserted_id
from earmark.store.item_select import ITEM_SELECT, item_filters
from earmark.store.opportunity_batch import (
    add_links,
    arrays_of,
    insert_many,
    open_for_threads,
    update_many,
)
from earmark.store.opportunity_counts import COUNTED_FIELDS, save_item_count
from earmark.store.route_pending import save_routed
from earmark.store.urgent import UrgentItems, sla_span

# Statuses that count against an agent's capacity (open and held by someone).
HELD_STATUSES = ("assigned", "claimed", "responded", "escalated")
_OPEN_MARKS = ",".join("?" for _ in OPEN_STATUSES)
_HELD_MARKS = ",".join("?" for _ in HELD_STATUSES)
_OPPORTUNITY_FIELDS = (
    "post_id",
    "kind",
    "queue",
    "status",
    "agent",
    "priority",
    "base_priority",
    "language",
    "thread_key",
    "created_at",
    "sla_due",
    "assigned_at",
    "first_response_at",
    "closed_at",
    "updated_at",
    "sla_check_at",
    "sla_check_fraction",
)


_RANK = "ORDER BY priority DESC, created_at, id"
# The terms of idx_opportunities_sla_check's WHERE, verbatim (so SQLite uses that index).
_SLA_WATCHED = (
    "first_response_at IS NULL AND status IN "
    "('open', 'assigned', 'claimed', 'responded', 'escalated')"
)


def _distinct_or_none(values: Sequence[str] | None) -> list[str | None]:
    return [None] if values is None else list(dict.fromkeys(values))


def _rank_key(row: dict) -> tuple:
    return (-row["priority"], row["created_at"], row["id"])


class SQLiteQueues(UrgentItems):
    """Opportunities and their posts (the queues), in SQLite."""

    # -- routing input --------------------------------------------------------------------

    def unrouted_opportunity_posts(self) -> Iterator[dict]:
        """Yield classified opportunity posts not yet part of any opportunity, oldest first.

        Read lazily from one cursor (SQLite sorts in its own bounded memory and temp files), so
        routing a backlog of any size holds one post at a time; the caller may write between
        rows (the ORDER BY makes SQLite compute the whole result before the first row).
        """
        rows = self.db.query(
            "SELECT c.post_id, c.sentiment, c.language, c.intents, c.primary_intent, c.priority, "
            "c.opportunity, p.platform, p.author, p.text, p.created_at, p.parent_id, p.thread_id, "
            "(SELECT json_group_array(m.kind) FROM topic_matches m WHERE m.post_id = c.post_id) "
            "AS kinds, "
            "(SELECT json_group_array(m.topic) FROM topic_matches m WHERE m.post_id = c.post_id) "
            "AS topics "
            # Only pending posts (route_pending.py); CROSS JOIN keeps SQLite from walking
            # every post in created_at order.
            "FROM route_pending r CROSS JOIN classifications c ON c.post_id = r.post_id "
            "CROSS JOIN posts p ON p.id = c.post_id "
            "WHERE c.opportunity IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM opportunity_posts op WHERE op.post_id = c.post_id) "
            "ORDER BY p.created_at, p.id"
        )
        for row in rows:
            row = dict(row)
            row["intents"] = [name for name, _ in json.loads(row["intents"] or "[]")]
            row["kinds"] = sorted(set(json.loads(row["kinds"] or "[]")))
            row["topics"] = sorted(set(json.loads(row["topics"] or "[]")))
            yield row

    def post_thread_link(self, post_id: str) -> dict | None:
        """Return (id, platform, parent_id, thread_id) of a stored post, or None."""
        row = self.conn.execute(
            "SELECT id, platform, parent_id, thread_id FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "platform": row[1], "parent_id": row[2], "thread_id": row[3]}

    # -- opportunities --------------------------------------------------------------------

    def open_opportunity_for_thread(self, thread_key: str) -> dict | None:
        """Return the open opportunity of this thread and author, if any."""
        rows = list(
            self.db.query(
                f"SELECT * FROM opportunities WHERE thread_key = ? AND status IN ({_OPEN_MARKS}) "  # noqa: S608 - only placeholders and column constants are interpolated
                "ORDER BY id LIMIT 1",
                [thread_key, *OPEN_STATUSES],
            )
        )
        return dict(rows[0]) if rows else None

    def insert_opportunity(self, row: dict) -> int:
        """Create an opportunity and its first opportunity_posts row; return its id."""
        cols = [c for c in _OPPORTUNITY_FIELDS if c in row]
        values = [row[c] for c in cols]
        if row.get("assigned_at"):
            cols.append("first_assigned_at")
            values.append(row["assigned_at"])
        cols.append("sla_span")  # for the at-risk range of urgent_page
        values.append(sla_span(row.get("sla_due"), row.get("created_at")))
        marks = ["?" for _ in cols]
        cols += ["platform", "posted_at"]  # copied from the post: stats by platform, urgency
        marks += ["(SELECT platform FROM posts WHERE id = ?)"]
        marks += ["(SELECT created_at FROM posts WHERE id = ?)"]
        values += [row["post_id"], row["post_id"]]
        with self.transaction():  # the item, its post and its counts together
            cur = self.conn.execute(
                f"INSERT INTO opportunities ({', '.join(cols)}) "  # noqa: S608 - only placeholders and column constants are interpolated
                f"VALUES ({', '.join(marks)})",
                values,
            )
            opportunity_id = inserted_id(cur)
            save_item_count(self.conn, opportunity_id, 1)
            self.add_opportunity_post(row["post_id"], opportunity_id)
        return opportunity_id

    def open_opportunities_for_threads(self, thread_keys: Sequence[str]) -> dict[str, dict]:
        """Return {thread_key: its open opportunity} for the keys that have one (one query)."""
        return open_for_threads(self.db, thread_keys)

    def insert_opportunities(self, rows: Sequence[dict]) -> list[int]:
        """insert_opportunity for many rows (same columns, distinct posts) in a few statements;
        return their ids in order."""
        with self.transaction():
            return insert_many(self.conn, _OPPORTUNITY_FIELDS, rows)

    def add_opportunity_posts(self, links: Sequence[tuple[str, int]]) -> None:
        """add_opportunity_post for many (post_id, opportunity_id), in a few statements."""
        with self.transaction():
            add_links(self.conn, links)

    def add_opportunity_post(self, post_id: str, opportunity_id: int) -> None:
        """Attach a post to an opportunity (its own post or a thread follow-up)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO opportunity_posts (post_id, opportunity_id) VALUES (?, ?)",
                (post_id, opportunity_id),
            )
            save_routed(self.conn, post_id)

    def update_opportunity(self, opportunity_id: int, **fields: object) -> None:
        """Set columns of one opportunity (none given: nothing to set, nothing is written)."""
        unknown = set(fields) - set(_OPPORTUNITY_FIELDS)
        if unknown:
            raise ValueError(f"unknown opportunity columns: {sorted(unknown)}")
        if not fields:
            return
        sets = [f"{k} = ?" for k in fields]
        values = list(fields.values())
        if "sla_due" in fields or "created_at" in fields:  # keep sla_span with them
            due, created = self.conn.execute(
                "SELECT sla_due, created_at FROM opportunities WHERE id = ?", (opportunity_id,)
            ).fetchone() or (None, None)
            sets.append("sla_span = ?")
            values.append(
                sla_span(fields.get("sla_due", due), fields.get("created_at", created))  # type: ignore[arg-type]
            )
        if "post_id" in fields:
            sets.append("posted_at = (SELECT created_at FROM posts WHERE id = ?)")
            values.append(fields["post_id"])
        if fields.get("assigned_at"):  # the first time it went to someone (for stats)
            sets.append("first_assigned_at = coalesce(first_assigned_at, ?)")
            values.append(fields["assigned_at"])
        counted = not COUNTED_FIELDS.isdisjoint(fields)
        with self.transaction():  # the item and its counts together
            if counted:
                save_item_count(self.conn, opportunity_id, -1)
            self.conn.execute(
                f"UPDATE opportunities SET {', '.join(sets)} WHERE id = ?",  # noqa: S608 - checked column names
                [*values, opportunity_id],
            )
            if counted:
                save_item_count(self.conn, opportunity_id, 1)

    def update_opportunities(self, updates: Sequence[tuple[int, dict]]) -> None:
        """update_opportunity for many (id, fields) in order, in a few statements (fields of
        opportunity_batch.SIMPLE_FIELDS only)."""
        with self.transaction():
            update_many(self.conn, updates)

    def get_opportunity(self, opportunity_id: int) -> dict | None:
        """Return one opportunity with its post and labels, or None."""
        rows = list(self.db.query(ITEM_SELECT + "WHERE o.id = ?", [opportunity_id]))
        return dict(rows[0]) if rows else None

    def opportunity_post_ids(self, opportunity_id: int) -> list[str]:
        """Return every post of an opportunity, oldest first."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT op.post_id FROM opportunity_posts op JOIN posts p ON p.id = op.post_id "
                "WHERE op.opportunity_id = ? ORDER BY p.created_at, p.id",
                (opportunity_id,),
            )
        ]

    def open_items(
        self,
        *,
        queue: str | None = None,
        agent: str | None = None,
        statuses: Sequence[str] = OPEN_STATUSES,
        unassigned: bool = False,
        queues: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Return open work with post and labels, by priority (highest) then age (oldest).

        With a limit, the top limit+offset rows of each (status, queue) are read through the
        rank indexes and merged, so a page costs the same on a backlog of any size.
        """
        common, common_params = item_filters(queue, agent, unassigned)
        groups: list[tuple[str | None, str | None]]
        if agent is not None:  # an agent holds a handful of items: (agent, status) finds them
            groups = [(None, q) for q in _distinct_or_none(queues)]
        else:
            groups = [(s, q) for s in dict.fromkeys(statuses) for q in _distinct_or_none(queues)]
        if not groups:
            return []
        parts: list[str] = []
        params: list[object] = []
        for status, one_queue in groups:
            if status is None:
                clauses = [f"status IN ({','.join('?' for _ in statuses)})", *common]
                params.extend(statuses)
            else:
                clauses = ["status = ?", *common]
                params.append(status)
            if one_queue is not None:
                clauses.append("queue = ?")
            params.extend(common_params)
            if one_queue is not None:
                params.append(one_queue)
            part = f"SELECT id FROM opportunities WHERE {' AND '.join(clauses)} {_RANK}"  # noqa: S608 - only placeholders and column constants are interpolated
            if limit is not None:
                part += " LIMIT ?"
                params.append(limit + offset)
            parts.append(f"SELECT id FROM ({part})")  # noqa: S608 - built above from constants
        sql = (
            ITEM_SELECT.replace(
                "FROM opportunities o ",
                f"FROM ({' UNION ALL '.join(parts)}) top JOIN opportunities o ON o.id = top.id ",
            )
            + "ORDER BY o.priority DESC, o.created_at, o.id"
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return [dict(r) for r in self.db.query(sql, params)]

    def pool_count(self) -> int:
        """Return how many unassigned open items wait in the pools."""
        # Summed from opportunity_counts (kept by every write of an item), not counted.
        return self.conn.execute(
            "SELECT coalesce(sum(pool), 0) FROM opportunity_counts"
        ).fetchone()[0]

    def iter_pool_opportunities(self, queues: Sequence[str], batch: int = 500) -> Iterator[dict]:
        """Yield unassigned open items of these queues (bare rows), highest priority then oldest.

        Rows are read a batch at a time per queue (through the status/queue rank index) and
        merged, so a caller that stops early reads only the top of the pools. Rows the caller
        assigns between batches leave the pool; the order of the rest is unchanged.
        """
        streams = [self._iter_queue_pool(queue, batch) for queue in dict.fromkeys(queues)]
        return heapq.merge(*streams, key=_rank_key)

    def _iter_queue_pool(self, queue: str, batch: int) -> Iterator[dict]:
        after: dict | None = None
        while True:
            if after is None:
                keyset, params = "", []
            else:
                keyset = (
                    "AND priority <= ? AND (priority < ? OR (priority = ? AND "
                    "(created_at > ? OR (created_at = ? AND id > ?)))) "
                )
                p, c = after["priority"], after["created_at"]
                params = [p, p, p, c, c, after["id"]]
            rows = [
                dict(r)
                for r in self.db.query(
                    "SELECT * FROM opportunities WHERE status = 'open' AND queue = ? "  # noqa: S608 - only placeholders are interpolated
                    f"AND agent IS NULL {keyset}{_RANK} LIMIT ?",
                    [queue, *params, batch],
                )
            ]
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1]

    def sla_due_checks(self, fraction: float, now: str) -> Iterator[dict]:
        """Yield unanswered open items refresh_sla must look at now (bare rows), by id.

        Those whose check time has come, and those never checked at this at-risk fraction.
        Read lazily from one sorted cursor: the caller may update the rows between reads.
        """
        ranges = (
            "sla_check_fraction IS NULL",
            "sla_check_fraction < ?",
            "sla_check_fraction > ?",
            "sla_check_fraction = ? AND sla_check_at <= ?",
        )
        # One index range each (an OR of them would scan the whole index).
        parts = [
            "SELECT * FROM opportunities INDEXED BY idx_opportunities_sla_check "  # noqa: S608 - only constants are interpolated
            f"WHERE {_SLA_WATCHED} AND {where}"
            for where in ranges
        ]
        sql = " UNION ALL ".join(parts) + " ORDER BY id"
        for row in self.db.query(sql, [fraction, fraction, fraction, now]):
            yield dict(row)

    def save_sla_checks(self, checks: Iterable[tuple[int, str, float]]) -> None:
        """Store (id, next check time, at-risk fraction) for opportunities refresh_sla saw."""
        if arrays_of(self.conn):
            pgbatch.update_by_id(
                self.conn, "opportunities", ("sla_check_at", "sla_check_fraction"), list(checks)
            )
            return
        self.conn.executemany(
            "UPDATE opportunities SET sla_check_at = ?, sla_check_fraction = ? WHERE id = ?",
            [(at, fraction, opportunity_id) for opportunity_id, at, fraction in checks],
        )

    def assigned_before(self, cutoff: str) -> list[dict]:
        """Return items still merely assigned whose assignment is at or before cutoff, by id."""
        return [
            dict(r)
            for r in self.db.query(
                "SELECT * FROM opportunities WHERE status = 'assigned' AND assigned_at <= ? "
                "ORDER BY id",
                [cutoff],
            )
        ]

    def held_opportunities(self, agent: str) -> list[dict]:
        """Return the open items an agent holds (bare rows)."""
        return [
            dict(r)
            for r in self.db.query(
                f"SELECT * FROM opportunities WHERE agent = ? AND status IN ({_HELD_MARKS}) "  # noqa: S608 - only placeholders and column constants are interpolated
                "ORDER BY id",
                [agent, *HELD_STATUSES],
            )
        ]

    def agent_loads(self) -> dict[str, int]:
        """Return how many open items each agent holds."""
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                f"SELECT agent, count(*) FROM opportunities WHERE agent IS NOT NULL "  # noqa: S608 - only placeholders and column constants are interpolated
                f"AND status IN ({_HELD_MARKS}) GROUP BY agent",
                HELD_STATUSES,
            )
        }
