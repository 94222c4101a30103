"""Hypothesis: hostile rows in imported JSONL, JSON and CSV files, to an exported post.

Rows are earmark and snscrape records with fields replaced by hostile values (see
recordsfuzz.py), JSON nested up to 1,500 deep and raw bytes. Whatever a file holds, the run
completes, every non-blank line is a post or a bad row with its reason, the untouched row
after them is stored, and a second run reads nothing again.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recordsfuzz import (
    CONFIG,
    FUZZ,
    check_stored,
    mutated,
    nest,
    run_stages,
)

from earmark.cli.configfile import parse_config
from earmark.store import Store
from listen.file import FileSettings, FileSource

ROW = {"id": "t:good", "text": "acme is down", "created_at": "2026-11-18T12:00:00Z"}
ROW_FIELDS = ["id", "text", "created_at", "author", "author_reach", "lang", "url", "platform",
              "native_id", "parent_id", "thread_id"]  # fmt: skip
SNSCRAPE = {
    "_type": "snscrape.modules.twitter.Tweet",
    "id": 7,
    "rawContent": "acme",
    "date": "2026-11-18T12:00:00+00:00",
    "user": {"username": "a", "followersCount": 1},
}


def jsonl_line(record) -> str:
    # ensure_ascii writes a lone surrogate as its \\ud800 escape, as a hostile writer would
    return json.dumps(record, ensure_ascii=True)


file_rows = st.lists(
    mutated(ROW, ROW_FIELDS)
    | mutated(SNSCRAPE, [*SNSCRAPE, "user"])
    | st.integers(min_value=1, max_value=1500).map(lambda depth: b"[" * depth + b"]" * depth)
    | st.binary(max_size=20).map(lambda raw: raw.replace(b"\n", b"")),
    max_size=6,
)


def write_lines(path: Path, rows: list, fmt: str) -> int:
    """Write rows (JSON values, or raw bytes) then the untouched ROW; return lines written."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(ROW_FIELDS)
        for row in [*rows, ROW]:
            if isinstance(row, dict):
                writer.writerow([row.get(key, "") for key in ROW_FIELDS])
        path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
        return 0
    lines = []
    for row in [*rows, ROW]:
        if isinstance(row, bytes):
            lines.append(row)
        else:
            lines.append(jsonl_line(row).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    texts = [line.decode("utf-8", "replace") for line in lines]
    texts[0] = texts[0].removeprefix("\ufeff")
    return sum(1 for raw, text in zip(lines, texts, strict=True) if b"\x00" in raw or text.strip())


@FUZZ
@given(rows=file_rows, fmt=st.sampled_from(["jsonl", "json", "csv"]))
def test_imported_files(rows, fmt):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"posts.{fmt}"
        written = write_lines(path, rows, fmt)
        config = parse_config({**CONFIG, "sources": {"file": {"path": str(path)}}})
        with Store(Path(directory) / "x.db") as store:
            report = run_stages(store, config)
            check_stored(store, report, "file", {"t:good"})
            source = report.sources["file"]
            if fmt != "csv":  # each non-blank line is a post or a bad row with its reason
                assert source.fetched + source.skipped == written
            again = run_stages(store, config)
            assert (again.new, again.sources["file"].skipped) == (0, 0)


def test_the_untouched_row_alone_is_one_post(tmp_path):
    """The fuzz above always has this row last: on its own it is read, stored and exported."""
    path = tmp_path / "posts.jsonl"
    write_lines(path, [], "jsonl")
    source = FileSource(FileSettings(path=str(path)), env={})
    assert [post.id for batch in source.fetch(None, None) for post in batch.posts] == ["t:good"]


@pytest.mark.parametrize("depth", [990, 1000, 5000])
def test_deep_nesting_in_a_file_is_a_bad_row_or_a_post_never_an_error(tmp_path, depth):
    path = tmp_path / "posts.jsonl"
    row = {**ROW, "extra": nest(0)}
    text = jsonl_line(row)[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    path.write_text(text + "\n" + jsonl_line({**ROW, "id": "t:2"}) + "\n", encoding="utf-8")
    config = parse_config({**CONFIG, "sources": {"file": {"path": str(path)}}})
    with Store(tmp_path / "x.db") as store:
        report = run_stages(store, config)
        check_stored(store, report, "file", {"t:2"})
        assert report.sources["file"].fetched + report.sources["file"].skipped == 2
