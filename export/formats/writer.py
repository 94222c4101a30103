"""The export stage: query, format, write, flush, and only then record what was sent where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from earmark.config import EmailNotify
from earmark.models import to_iso
from export.formats import FORMATS
from export.formats.digest import digest_title
from export.formats.records import (
    TableWriter,
    iter_records,
    load_redactor,
    write_csv,
    write_json,
    write_jsonl,
)

STREAMED = {"jsonl": write_jsonl, "json": write_json, "csv": write_csv}


@dataclass
class ExportFilters:
    """Which opportunities to export; None means no filter."""

    queue: str | list[str] | None = None
    agent: str | None = None
    status: str | list[str] | None = None
    min_priority: int | None = None
    since: datetime | None = None


@dataclass
class ExportResult:
    written: list = field(default_factory=list)  # opportunity ids written to the stream
    recorded: int = 0  # of those, how many were newly recorded for the destination


def write_export(
    store,
    out: IO[str],
    *,
    fmt: str,
    now: datetime,
    filters: ExportFilters | None = None,
    destination: str | None = None,
    redact: bool = False,
    email: EmailNotify | None = None,
    render_table: TableWriter | None = None,
) -> ExportResult:
    """Write matching opportunities to out in fmt; with a destination, only new ones.

    The export is recorded for the destination only after out was written and flushed, so a
    broken pipe (which raises) leaves everything to be sent again next time. Nothing matching
    means nothing is written. The table format needs render_table (the application's writer).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if fmt == "table" and render_table is None:
        raise ValueError("the table format needs render_table")
    filters = filters or ExportFilters()
    redactor = load_redactor() if redact else None
    rows = store.exports.iter_export_rows(
        queue=filters.queue,
        agent=filters.agent,
        status=filters.status,
        min_priority=filters.min_priority,
        since=filters.since,
        new_for_destination=destination,
    )
    records = iter_records(rows, now=now, redactor=redactor)
    try:
        if fmt in STREAMED:  # row by row: memory stays flat at any size
            written = STREAMED[fmt](records, out)
        else:  # tables and digests are for people: they need the count (title) first
            written = _write_all(list(records), out, fmt, now, destination, email, render_table)
    finally:
        rows.close()  # a write that failed half-way must not leave the query open
    if not written:
        return ExportResult()
    out.flush()
    recorded = store.exports.mark_exported(destination, written, now) if destination else 0
    return ExportResult(written=written, recorded=recorded)


def _write_all(records, out, fmt, now, destination, email, render_table) -> list:
    if not records:
        return []
    title = digest_title(len(records), new=destination is not None)
    generated_at = to_iso(now)
    if fmt == "table":
        from export.formats.records import write_table

        return write_table(records, out, title=title, render_table=render_table)
    if fmt == "markdown":
        from export.formats.markdown import write_markdown

        return write_markdown(records, out, title=title, generated_at=generated_at)
    if fmt == "html":
        from export.formats.html import write_html

        return write_html(records, out, title=title, generated_at=generated_at)
    if fmt == "slack":
        from export.formats.slack import write_slack

        return write_slack(records, out, title=title, new=destination is not None)
    from export.formats.email import write_email

    return write_email(records, out, settings=email or EmailNotify(), now=now, title=title)
