"""The export row model (one flat record per opportunity) and the jsonl/json/csv/table writers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO

from earmark.csvsafe import csv_writer
from earmark.models import format_duration, parse_iso
from export.formats import ExportError
from export.formats.escape import csv_cell, one_line

Redactor = Callable[[str], str]
# Renders rows as a table for people: (rows, columns, title=..., out=...). The application
# passes its Rich writer in, so this stage never imports a terminal library.
TableWriter = Callable[..., None]

# The public shape of an exported opportunity (json/jsonl keys, csv columns, in this order).
RECORD_COLUMNS = (
    "id",
    "queue",
    "priority",
    "status",
    "agent",
    "kind",
    "platform",
    "author",
    "author_name",
    "author_reach",
    "sentiment",
    "compound",
    "primary_intent",
    "intents",
    "topics",
    "language",
    "reply_privately",
    "pii",
    "age",
    "sla_left",
    "sla_due",
    "first_response_at",
    "posted_at",
    "created_at",
    "url",
    "text",
    "post_id",
    "priority_reason",
)
TABLE_COLUMNS = (
    "id",
    "queue",
    "priority",
    "sentiment",
    "primary_intent",
    "platform",
    "author",
    "age",
    "sla_left",
    "private",
    "text",
)
TABLE_TEXT_LIMIT = 400  # the terminal table shows one or two lines of it, cut with an ellipsis


def load_redactor() -> Redactor:
    """Return classify.pii.redact, imported only when --redact asks for it."""
    try:
        from classify.pii import redact
    except ImportError:
        raise ExportError(
            "--redact: classify.pii.redact is not available in this installation; "
            "export without --redact or upgrade earmark"
        ) from None
    return redact


def _json_list(value: str | None) -> list:
    if not value:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _intent_names(value: str | None) -> list[str]:
    names = []
    for item in _json_list(value):
        if isinstance(item, (list, tuple)) and item:
            names.append(str(item[0]))
        elif isinstance(item, str):
            names.append(item)
    return names


def sla_left(row: dict, now: datetime) -> str | None:
    """Return the time left before the first-response SLA ("-5m" once breached), or None."""
    if row.get("first_response_at") or not row.get("sla_due"):
        return None
    return format_duration(parse_iso(row["sla_due"]) - now)


def to_record(row: dict, *, now: datetime, redactor: Redactor | None = None) -> dict:
    """Map an export row from the store to the public record, with age and SLA as of now."""
    text = row.get("text") or ""
    author_name = row.get("author_name")
    if redactor is not None:
        text = redactor(text)
        author_name = redactor(author_name) if author_name else author_name
    posted = row.get("posted_at")
    record = {
        "id": row["id"],
        "queue": row.get("queue"),
        "priority": row.get("priority"),
        "status": row.get("status"),
        "agent": row.get("agent"),
        "kind": row.get("kind"),
        "platform": row.get("platform"),
        "author": row.get("author"),
        "author_name": author_name,
        "author_reach": row.get("author_reach"),
        "sentiment": row.get("sentiment"),
        "compound": row.get("compound"),
        "primary_intent": row.get("primary_intent"),
        "intents": _intent_names(row.get("intents")),
        "topics": [str(t) for t in _json_list(row.get("topics"))],
        "language": row.get("language"),
        "reply_privately": bool(row.get("reply_privately")),
        "pii": [str(p) for p in _json_list(row.get("pii"))],
        "age": format_duration(now - parse_iso(posted)) if posted else None,
        "sla_left": sla_left(row, now),
        "sla_due": row.get("sla_due"),
        "first_response_at": row.get("first_response_at"),
        "posted_at": posted,
        "created_at": row.get("created_at"),
        "url": row.get("url"),
        "text": text,
        "post_id": row.get("post_id"),
        "priority_reason": row.get("priority_reason"),
    }
    return record


def iter_records(
    rows: Iterable[dict], *, now: datetime, redactor: Redactor | None = None
) -> Iterator[dict]:
    """Map store rows to records lazily."""
    for row in rows:
        yield to_record(row, now=now, redactor=redactor)


def write_jsonl(records: Iterable[dict], out: IO[str]) -> list:
    """Write one JSON object per line; return the ids written."""
    ids = []
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        ids.append(record["id"])
    return ids


def write_json(records: Iterable[dict], out: IO[str]) -> list:
    """Write a JSON array, one record at a time; return the ids written (nothing when none).

    Byte for byte what json.dumps(list, indent=2) writes, without holding the list.
    """
    ids = []
    for record in records:
        text = json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if not ids else ",\n  ") + text)
        ids.append(record["id"])
    if ids:
        out.write("\n]\n")
    return ids


def _csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return value


def write_csv(records: Iterable[dict], out: IO[str]) -> list:
    """Write CSV with a header row, every cell neutralised against formula injection.

    Row by row, the header with the first record (nothing at all when there is none).
    """
    writer = csv_writer(out)  # quotes a row with a CR: the csv module does not
    ids = []
    for record in records:
        if not ids:
            writer.writerow(RECORD_COLUMNS)
        writer.writerow([csv_cell(_csv_value(record.get(c))) for c in RECORD_COLUMNS])
        ids.append(record["id"])
    return ids


def to_table_row(record: dict) -> dict:
    """Map a record to a terminal table row: one line, no control or bidi characters."""
    row = {c: record.get(c) for c in TABLE_COLUMNS if c in record}
    row["private"] = "yes" if record.get("reply_privately") else ""
    row["author"] = one_line(record.get("author"), 40)
    row["text"] = one_line(record.get("text"), TABLE_TEXT_LIMIT)
    for key in ("queue", "platform", "primary_intent", "sentiment"):
        row[key] = one_line(record.get(key))
    return row


TABLE_CHUNK = 500  # rows per table: the terminal writer holds one table's rows at a time


def write_table(
    records: Iterable[dict], out: IO[str], *, title: str | None = None, render_table: TableWriter
) -> list:
    """Write records as tables for people with render_table, TABLE_CHUNK rows at a time (the
    title on the first); return the ids written."""
    ids: list = []
    chunk = []
    for record in records:
        chunk.append(to_table_row(record))
        ids.append(record["id"])
        if len(chunk) == TABLE_CHUNK:
            render_table(
                chunk, TABLE_COLUMNS, title=title if len(ids) == TABLE_CHUNK else None, out=out
            )
            chunk = []
    if chunk:
        render_table(
            chunk, TABLE_COLUMNS, title=title if len(ids) <= TABLE_CHUNK else None, out=out
        )
    return ids
