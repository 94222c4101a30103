"""csv, json and jsonl exports are written row by row: memory stays flat at any size.

Each writer is fed a generator that looks at the output every time it is asked for the next
record: the previous record must already be written, so no writer collects the rows first.
The streamed JSON array must be exactly what `json.dumps(list, indent=2)` writes (Hypothesis),
and nothing at all is written when nothing matches. Peak RSS at scale is measured by
`python benchmarks/bench.py --memory-only` (no timed or sized assertion here).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from dbconn import db_connect
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.store import Store
from export.formats.records import RECORD_COLUMNS, write_csv, write_json, write_jsonl
from export.formats.writer import ExportFilters, write_export

NOW = datetime(2026, 11, 18, 13, 0, tzinfo=timezone.utc)
WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl}


def watched(records: list[dict], out: io.StringIO, seen: list[int]):
    """Yield records, noting how much output exists each time the next one is asked for."""
    for record in records:
        seen.append(len(out.getvalue()))
        yield record
    seen.append(len(out.getvalue()))


def record(n: int, text: str = "hello") -> dict:
    return {column: None for column in RECORD_COLUMNS} | {"id": n, "text": text, "pii": []}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_each_record_is_written_before_the_next_is_read(fmt):
    out, seen = io.StringIO(), []
    ids = WRITERS[fmt](watched([record(n) for n in range(1, 6)], out, seen), out)
    assert ids == [1, 2, 3, 4, 5]
    assert seen[0] == 0
    assert all(before < after for before, after in zip(seen, seen[1:], strict=False))


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_nothing_matching_writes_nothing(fmt):
    out = io.StringIO()
    assert WRITERS[fmt](iter([]), out) == []
    assert out.getvalue() == ""


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
json_records = st.lists(
    st.dictionaries(st.text(max_size=8), json_values, max_size=4), min_size=1, max_size=5
).map(lambda rows: [{"id": n, **row} for n, row in enumerate(rows)])


@settings(max_examples=60, deadline=None)
@given(json_records)
def test_the_streamed_json_array_is_what_json_dumps_writes(records):
    out = io.StringIO()
    write_json(iter(records), out)
    assert out.getvalue() == json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def test_a_csv_export_of_a_store_is_one_query_written_as_read(tmp_path):
    """Through write_export and a real store: one cursor, no follow-up query per row."""
    db = tmp_path / "x.db"
    at = "2026-11-18T12:00:00Z"
    with Store(db) as store:
        rows = [(f"t:{n}", "t", str(n), "a", f"post {n}", at, at) for n in range(30)]
        store.conn.executemany(
            "INSERT INTO posts (id, platform, native_id, author, text, created_at, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        store.conn.executemany(
            "INSERT INTO opportunities (post_id, kind, queue, status, priority, created_at, "
            "updated_at) VALUES (?, 'support', 'q', 'open', ?, ?, ?)",
            [(r[0], n, r[5], r[5]) for n, r in enumerate(rows)],
        )
        traced: list[str] = []
        out = io.StringIO()
        store.conn.set_trace_callback(traced.append)
        result = write_export(store, out, fmt="csv", now=NOW, filters=ExportFilters())
    assert len(result.written) == 30
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    assert lines[0] == list(RECORD_COLUMNS)
    assert [line[RECORD_COLUMNS.index("text")] for line in lines[1:]] == [
        f"post {n}" for n in reversed(range(30))
    ]  # by priority, highest first
    assert len(traced) == 1 and traced[0].strip().startswith("WITH keyed")  # one ranked query
    with db_connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM exports").fetchone() == (0,)
