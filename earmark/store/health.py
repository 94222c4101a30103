"""Collector health: the source_health table."""

from __future__ import annotations

from datetime import datetime

from earmark.models import to_iso
from earmark.redaction import redact
from earmark.store.connection import Part


class SQLiteSourceHealth(Part):
    """The source_health table: each source's last attempt, success and error, in SQLite."""

    def save_source_health(
        self, source: str, ok: bool, new: int, error: str | None, at: datetime
    ) -> None:
        """Record a source's attempt: success clears its error, failure starts unhealthy_since.

        The error is scrubbed of secrets first: `earmark sources` shows it.
        """
        when = to_iso(at)
        with self.transaction():
            self.conn.execute(
                "INSERT INTO source_health (source, last_attempt_at, last_ok_at, last_new_at, "
                "last_error, unhealthy_since, reported) VALUES (?, ?, ?, ?, ?, ?, 0) "
                "ON CONFLICT(source) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, "
                # The stored row by the table's name (PostgreSQL finds a bare name ambiguous).
                "last_ok_at = coalesce(excluded.last_ok_at, source_health.last_ok_at), "
                "last_new_at = coalesce(excluded.last_new_at, source_health.last_new_at), "
                "last_error = excluded.last_error, "
                "unhealthy_since = CASE WHEN excluded.last_error IS NULL THEN NULL "
                "ELSE coalesce(source_health.unhealthy_since, excluded.unhealthy_since) END, "
                "reported = CASE WHEN excluded.last_error IS NULL THEN 0 "
                "ELSE source_health.reported END",
                (
                    source,
                    when,
                    when if ok else None,
                    when if ok and new else None,
                    None if ok else redact(error or "failed"),
                    None if ok else when,
                ),
            )

    def source_health(self) -> dict[str, dict]:
        """Return the source_health rows by source name (errors scrubbed again: rows may
        predate the scrubbing on write)."""
        rows = {}
        for row in self.db.query("SELECT * FROM source_health ORDER BY source"):
            row = dict(row)
            if row.get("last_error"):
                row["last_error"] = redact(row["last_error"])
            rows[row["source"]] = row
        return rows
