"""Write records to stdout as a table (on a terminal) or as data (json, jsonl, csv)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

import click

from earmark.csvsafe import csv_writer, safe_csv_cell
from earmark.safetext import terminal_text

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
    columns: Sequence[str] | None = None,
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
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    out: IO | None = None,
) -> None:
    """Render records as a Rich table; every cell, header and the title are shown literally
    (never as Rich markup) and without control or bidi characters (terminal_text)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = out or sys.stdout
    cols = list(columns or (records[0].keys() if records else []))
    table = Table(
        title=None if title is None else Text(terminal_text(title, one_line=True)),
        show_lines=False,
        title_justify="left",
    )
    for col in cols:
        table.add_column(Text(terminal_text(str(col).replace("_", " "))), overflow="fold")
    for record in records:
        table.add_row(*(Text(terminal_text(_plain(record.get(c)))) for c in cols))
    console = Console(file=out, width=_width(out), soft_wrap=False)
    console.print(table)


def _width(out: IO) -> int | None:
    return None if getattr(out, "isatty", lambda: False)() else 160
