"""Write records to stdout as a table (on a terminal) or as data (json, jsonl, csv)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

import click

from earmark.cli.tables import TableSpec, generic_spec, write_spec_table
from earmark.csvsafe import csv_writer, safe_csv_cell

DATA_FORMATS = ("json", "jsonl", "csv")
LIST_FORMATS = ("table", *DATA_FORMATS)


def format_option(choices: Sequence[str] = LIST_FORMATS) -> Callable:
    """The -f/--format option: table on a terminal, jsonl when piped."""
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=None,
        help="Output format [default: table on a terminal, jsonl when piped].",
    )


def resolve_format(fmt: str | None, stream: IO | None = None) -> str:
    """Return the chosen format, defaulting by whether stdout is a terminal."""
    if fmt:
        return fmt
    stream = stream or sys.stdout
    return "table" if getattr(stream, "isatty", lambda: False)() else "jsonl"


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_records(
    records: Iterable[dict],
    fmt: str,
    columns: Sequence[str] | TableSpec | None = None,
    *,
    title: str | None = None,
    out: IO | None = None,
) -> int:
    """Write records in fmt to out (stdout); return how many were written."""
    out = out or sys.stdout
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            count += 1
        return count
    records = list(records)
    count = len(records)
    if fmt == "json":
        out.write(json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt == "csv":
        if isinstance(columns, TableSpec):
            columns = columns.keys
        cols = list(columns or (records[0].keys() if records else []))
        writer = csv_writer(out)
        writer.writerow(cols)
        for record in records:
            writer.writerow([safe_csv_cell(_plain(record.get(c))) for c in cols])
    elif fmt == "table":
        write_table(records, columns, title=title, out=out)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return count


def write_table(
    records: Sequence[dict],
    columns: Sequence[str] | TableSpec | None = None,
    *,
    title: str | None = None,
    out: IO | None = None,
) -> None:
    """Render records as a table fitted to the terminal (earmark.cli.tables); every cell, header
    and the title are shown literally (never as Rich markup) and without control or bidi
    characters. columns is the table's declared TableSpec, or keys of a generic table."""
    if not isinstance(columns, TableSpec):
        columns = generic_spec(list(columns or (records[0].keys() if records else [])))
    write_spec_table(columns, records, title=title, out=out or sys.stdout)
