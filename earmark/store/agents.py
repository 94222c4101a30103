"""The agents table: the `agents` part of the store."""

from __future__ import annotations

import json

from earmark.store.connection import Part

_AGENT_JSON = ("queues", "skills", "languages")


def _agent_row(row: dict) -> dict:
    row = dict(row)
    for key in _AGENT_JSON:
        row[key] = json.loads(row[key]) if row.get(key) else []
    row["active"] = bool(row["active"])
    return row


class SQLiteAgents(Part):
    """The agents synced from the config (removed ones keep their history), in SQLite."""

    def agent_rows(self, *, include_removed: bool = True) -> list[dict]:
        """Return stored agents (JSON lists decoded), by name."""
        where = "" if include_removed else "WHERE removed_at IS NULL"
        return [
            _agent_row(r)
            for r in self.db.query(f"SELECT * FROM agents {where} ORDER BY name")  # noqa: S608 - only placeholders and column constants are interpolated
        ]

    def save_agent(self, row: dict) -> None:
        """Insert or update one agent row (lists given as Python lists); clears removed_at."""
        values = {k: (json.dumps(v) if k in _AGENT_JSON else v) for k, v in row.items()}
        values["active"] = int(bool(values.get("active", True)))
        values["removed_at"] = None
        cols = list(values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "name")
        self.conn.execute(
            f"INSERT INTO agents ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "  # noqa: S608 - only placeholders and column constants are interpolated
            f"ON CONFLICT(name) DO UPDATE SET {updates}",
            [values[c] for c in cols],
        )

    def mark_agent_removed(self, name: str, at: str) -> None:
        """Flag an agent as no longer in the config; their history stays."""
        self.conn.execute(
            "UPDATE agents SET removed_at = ?, synced_at = ? WHERE name = ? AND removed_at IS NULL",
            (at, at, name),
        )
