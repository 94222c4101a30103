"""The events table, the log of everything that happened to an opportunity: the `events` part."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from earmark.store import pgbatch
from earmark.store.connection import Part, inserted_id
from earmark.store.opportunity_batch import arrays_of, insert_rows

_EVENT_COLUMNS = ("opportunity_id", "type", "actor", "at", "detail")


def _event_row(row: dict) -> dict:
    row = dict(row)
    row["detail"] = json.loads(row["detail"]) if row.get("detail") else {}
    return row


class SQLiteEvents(Part):
    """The event log of opportunities (created, assigned, returned...), in SQLite."""

    def add_event(
        self, opportunity_id: int | None, type: str, actor: str, at: str, detail: dict | None = None
    ) -> int:
        """Append one event to the log; return its id."""
        cur = self.conn.execute(
            "INSERT INTO events (opportunity_id, type, actor, at, detail) VALUES (?, ?, ?, ?, ?)",
            (
                opportunity_id,
                type,
                actor,
                at,
                json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            ),
        )
        return inserted_id(cur)

    def add_events(self, rows: Sequence[tuple[int | None, str, str, str, dict | None]]) -> None:
        """Append (opportunity_id, type, actor, at, detail) events in order (multi-row INSERTs)."""
        values = [
            (ident, kind, actor, at, json.dumps(detail or {}, ensure_ascii=False, sort_keys=True))
            for ident, kind, actor, at, detail in rows
        ]
        if arrays_of(self.conn):
            pgbatch.insert_rows(self.conn, "events", _EVENT_COLUMNS, values)
        else:
            insert_rows(
                self.conn,
                f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)})",
                "?, ?, ?, ?, ?",
                values,
            )

    def events_for(self, opportunity_id: int) -> list[dict]:
        """Return an opportunity's events in order, detail decoded."""
        return [
            _event_row(r)
            for r in self.db.query(
                "SELECT * FROM events WHERE opportunity_id = ? ORDER BY id", [opportunity_id]
            )
        ]

    def event_types_for(self, ids: Iterable[int], types: Sequence[str]) -> set[tuple[int, str]]:
        """Return which (opportunity_id, type) pairs exist among these ids and types."""
        ids = list(ids)
        found: set[tuple[int, str]] = set()
        type_marks = ",".join("?" for _ in types)
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            found.update(
                (r[0], r[1])
                for r in self.conn.execute(
                    f"SELECT DISTINCT opportunity_id, type FROM events WHERE opportunity_id IN "  # noqa: S608 - only placeholders and column constants are interpolated
                    f"({','.join('?' for _ in chunk)}) AND type IN ({type_marks})",
                    [*chunk, *types],
                )
            )
        return found

    def matched_rule(self, opportunity_id: int) -> dict:
        """Return the queue-rule conditions recorded when the opportunity was created."""
        row = self.conn.execute(
            "SELECT json_extract(detail, '$.matched') FROM events "
            "WHERE opportunity_id = ? AND type = 'created' ORDER BY id LIMIT 1",
            (opportunity_id,),
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def returned_from(self, opportunity_id: int) -> set[str]:
        """Return the agents this item was returned from unanswered (not offered to them again)."""
        return {
            r[0]
            for r in self.conn.execute(
                "SELECT json_extract(detail, '$.agent') FROM events "
                "WHERE opportunity_id = ? AND type = 'returned' "
                "AND json_extract(detail, '$.reason') = 'unanswered'",
                (opportunity_id,),
            )
            if r[0]
        }

    def last_assigned_at(self) -> dict[str, str]:
        """Return when each agent last received an item (any assignment event)."""
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT json_extract(detail, '$.agent'), max(at) FROM events "
                "WHERE type IN ('assigned', 'reassigned', 'escalated') "
                "AND json_extract(detail, '$.agent') IS NOT NULL GROUP BY 1"
            )
        }

    def last_round_robin_agent(self, queue: str) -> str | None:
        """Return who got the latest round-robin assignment in a queue (the rotation state)."""
        row = self.conn.execute(
            "SELECT json_extract(detail, '$.agent') FROM events WHERE type = 'assigned' "
            "AND json_extract(detail, '$.strategy') = 'round_robin' "
            "AND json_extract(detail, '$.queue') = ? ORDER BY id DESC LIMIT 1",
            (queue,),
        ).fetchone()
        return row[0] if row else None
