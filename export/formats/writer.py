"""The export stage: query, format, write, flush, and only then record what was sent where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from earmark.config import EmailNotify
from earmark.models import to_iso
from export.formats import FORMATS
from export.formats.digest import digest_parts, digest_title, section_labeler
from export.formats.records import (
    TableWriter,
    iter_records,
    load_redactor,
    write_csv,
    write_json,
    write_jsonl,
    write_table,
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
    at_risk_fraction: float = 0.2,
) -> ExportResult:
    """Write matching opportunities to out in fmt, most urgent first; with a destination, only
    new ones.

    The export is recorded for the destination only after out was written and flushed, so a
    broken pipe (which raises) leaves everything to be sent again next time. Nothing matching
    means nothing is written. Every format reads the rows one at a time in the store's urgency
    order and writes as it goes. The table format needs render_table (the application's writer).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if fmt == "table" and render_table is None:
        raise ValueError("the table format needs render_table")
    filters = filters or ExportFilters()
    redactor = load_redactor() if redact else None
    query = {
        "queue": filters.queue,
        "agent": filters.agent,
        "status": filters.status,
        "min_priority": filters.min_priority,
        "since": filters.since,
        "new_for_destination": destination,
    }
    urgency = {"now": now, "at_risk_fraction": at_risk_fraction}
    counts = {} if fmt in STREAMED else store.exports.count_export_rows(**query, **urgency)
    if fmt not in STREAMED and not sum(counts.values()):
        return ExportResult()
    rows = store.exports.iter_export_rows(**query, **urgency)
    records = iter_records(rows, now=now, redactor=redactor)
    try:
        if fmt in STREAMED:  # row by row: memory stays flat at any size
            written = STREAMED[fmt](records, out)
        else:  # for people: the title and queue headings carry counts, known beforehand
            digest = Digest(counts, now, destination is not None, email, at_risk_fraction)
            written = _write_digest(records, out, fmt, digest, render_table)
    finally:
        rows.close()  # a write that failed half-way (or stopped early) must not leave it open
    if not written:
        return ExportResult()
    out.flush()
    recorded = store.exports.mark_exported(destination, written, now) if destination else 0
    return ExportResult(written=written, recorded=recorded)


@dataclass
class Digest:
    """What the formats for people need besides the records."""

    counts: dict  # (tier, queue) -> how many match
    now: datetime
    new: bool
    email: EmailNotify | None
    at_risk_fraction: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def parts(self, records):
        labels = section_labeler(self.now, self.at_risk_fraction)
        counts = {(tier, queue or "(no queue)"): n for (tier, queue), n in self.counts.items()}
        return digest_parts(records, counts, labels)


def _write_digest(records, out, fmt, digest: Digest, render_table) -> list:
    title = digest_title(digest.total, new=digest.new)
    generated_at = to_iso(digest.now)
    if fmt == "table":
        return write_table(records, out, title=title, render_table=render_table)
    if fmt == "markdown":
        from export.formats.markdown import write_markdown

        return write_markdown(digest.parts(records), out, title=title, generated_at=generated_at)
    if fmt == "html":
        from export.formats.html import write_html

        return write_html(digest.parts(records), out, title=title, generated_at=generated_at)
    if fmt == "slack":
        from export.formats.slack import write_slack

        return write_slack(
            records,
            out,
            title=title,
            new=digest.new,
            total=digest.total,
            now=digest.now,
            at_risk_fraction=digest.at_risk_fraction,
        )
    from export.formats.email import write_email

    return write_email(
        records,
        out,
        settings=digest.email or EmailNotify(),
        now=digest.now,
        total=digest.total,
        new=digest.new,
        at_risk_fraction=digest.at_risk_fraction,
    )
