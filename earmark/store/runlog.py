"""The runs table: every `earmark run` with its start, end, counts and errors."""

from __future__ import annotations

import json
from datetime import datetime

from earmark.models import to_iso, utcnow
from earmark.redaction import redact_data
from earmark.store.connection import Part, inserted_id


class SQLiteRuns(Part):
    """The runs table, in SQLite."""

    def start_run(self, command: str, started_at: datetime | None = None) -> int:
        """Record the start of a run; return its id.

        The caller holds the run lock, so an earlier run of this command still marked running
        was killed (or lost its database): it is marked interrupted.
        """
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET status = 'interrupted' WHERE command = ? AND status = 'running'",
                (command,),
            )
            cur = self.conn.execute(
                "INSERT INTO runs (command, started_at, status) VALUES (?, ?, 'running')",
                (command, to_iso(started_at or utcnow())),
            )
        return inserted_id(cur)

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict,
        errors: dict,
        ended_at: datetime | None = None,
    ) -> None:
        """Record how a run ended (error texts scrubbed of secrets: `earmark runs` shows them)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET ended_at = ?, status = ?, counts = ?, errors = ? WHERE id = ?",
                (
                    to_iso(ended_at or utcnow()),
                    status,
                    json.dumps(counts, sort_keys=True),
                    json.dumps(redact_data(errors), sort_keys=True),
                    run_id,
                ),
            )

    def recent_runs(self, limit: int = 20) -> list[dict]:
        """Return the latest runs, newest first (errors scrubbed again: rows may predate it)."""
        rows = self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit])
        out = []
        for row in rows:
            row = dict(row)
            row["counts"] = json.loads(row["counts"]) if row["counts"] else {}
            row["errors"] = redact_data(json.loads(row["errors"])) if row["errors"] else {}
            out.append(row)
        return out
