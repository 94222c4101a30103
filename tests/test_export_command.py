"""`earmark export`: filters, --new --dest bookkeeping, silence, and failed pipes re-sending."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from exportdata import NOW, add_calm, add_hostile, add_many

from earmark.cli import cli
from earmark.models import parse_iso
from earmark.store import Store
from export.formats.writer import ExportFilters, write_export


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "x.db"
    with Store(path) as store:
        add_calm(store)
        add_hostile(store)
    return path


def export(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), "export", *args], env={"EARMARK_NOW": NOW})


def ids(result) -> list[int]:
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def test_order_is_most_urgent_first_and_queues_by_their_most_urgent_item(db):
    # At NOW: 2 (support) is breached; 5 (urgent, P80) and 3 (support, P75) are at risk; the
    # rest are on track or without SLA. Breached, then at risk (P80 before P75), then the rest:
    # urgent first there (it holds P92), then support by priority: 6 (P60), 7 (P45), 4 (P20).
    assert ids(export(db, "-f", "jsonl")) == [2, 5, 3, 1, 6, 7, 4]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--queue", "urgent"], [5, 1]),
        (["--queue", "urgent", "--queue", "support"], [2, 5, 3, 1, 6, 7, 4]),
        (["--agent", "alice"], [2]),
        (["--status", "assigned"], [2]),
        (["--status", "resolved"], []),
        (["--min-priority", "75"], [5, 3, 1]),  # at risk P80, at risk P75, on track P92
        (["--since", "1h"], [5, 1, 6, 7]),
    ],
)
def test_filters(db, args, expected):
    result = export(db, "-f", "jsonl", *args)
    assert result.exit_code == 0
    assert ids(result) == expected


def test_closed_items_only_with_status(db):
    with Store(db) as store:
        store.queues.update_opportunity(1, status="resolved", closed_at=NOW)
    assert 1 not in ids(export(db, "-f", "jsonl"))
    assert ids(export(db, "-f", "jsonl", "--status", "resolved")) == [1]
    assert 1 in ids(export(db, "-f", "jsonl", "--status", "all"))


def test_new_dest_sends_each_item_once_and_then_is_silent(db):
    first = export(db, "--new", "--dest", "team", "-f", "jsonl")
    assert ids(first) == [2, 5, 3, 1, 6, 7, 4]
    again = export(db, "--new", "--dest", "team", "-f", "markdown")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    # Another destination has its own memory.
    assert len(ids(export(db, "--new", "--dest", "other", "-f", "jsonl"))) == 7
    with Store(db) as store:
        (new_id,) = add_many(store, 1)
    assert ids(export(db, "--new", "--dest", "team", "-f", "jsonl")) == [new_id]
    with Store(db) as store:
        assert store.exports.exported_ids("team") == {1, 2, 3, 4, 5, 6, 7, new_id}


def test_filters_combine_with_new(db):
    assert ids(export(db, "--new", "--dest", "t", "--queue", "urgent", "-f", "jsonl")) == [5, 1]
    assert ids(export(db, "--new", "--dest", "t", "-f", "jsonl")) == [2, 3, 6, 7, 4]


def test_nothing_matching_prints_nothing(tmp_path):
    Store(tmp_path / "empty.db").close()  # an existing, empty database
    for fmt in ("table", "json", "csv", "html", "slack", "markdown"):
        result = export(tmp_path / "empty.db", "-f", fmt)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), fmt


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--new"], "Error: --new and --dest go together: --new --dest NAME"),
        (["--dest", "x"], "Error: --new and --dest go together: --new --dest NAME"),
        (["--new", "--dest", " "], "Error: --dest: give a destination name, e.g. --dest slack"),
        (
            ["--since", "soon"],
            "Error: --since: invalid duration 'soon': use a number and a unit, e.g. 15m, 2h, 1d",
        ),
    ],
)
def test_usage_errors(db, args, message):
    result = export(db, *args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == message


class BrokenStream(io.StringIO):
    """A stdout whose reader went away: writes are buffered, the flush fails."""

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "markdown", "html", "slack"])
def test_a_failed_write_records_nothing_and_the_next_run_resends(db, fmt):
    now = parse_iso(NOW)
    with Store(db) as store:
        with pytest.raises(BrokenPipeError):
            write_export(store, BrokenStream(), fmt=fmt, now=now, destination="pipe")
        assert store.exports.exported_ids("pipe") == set()
        out = io.StringIO()
        result = write_export(store, out, fmt=fmt, now=now, destination="pipe")
        assert out.getvalue() and len(result.written) == 7 and result.recorded == 7
        assert store.exports.exported_ids("pipe") == {1, 2, 3, 4, 5, 6, 7}
        again = io.StringIO()
        assert write_export(store, again, fmt=fmt, now=now, destination="pipe").written == []
        assert again.getvalue() == ""


def test_write_export_filters(db):
    with Store(db) as store:
        out = io.StringIO()
        filters = ExportFilters(queue=["urgent"], min_priority=85)
        assert write_export(
            store, out, fmt="jsonl", now=parse_iso(NOW), filters=filters
        ).written == [1]


def test_a_closed_pipe_in_a_real_process_is_not_recorded(db):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first flush hits EPIPE
    env = {**os.environ, "EARMARK_NOW": NOW}
    env.pop("EARMARK_CONFIG", None)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "earmark", "--db", str(db), "export", "--new", "--dest", "p"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0  # a reader that stops early is a normal end
    assert proc.stderr == b""
    with Store(db) as store:
        assert store.exports.exported_ids("p") == set()
    ok = subprocess.run(
        [sys.executable, "-m", "earmark", "--db", str(db), "export", "--new", "--dest", "p"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 7
    with Store(db) as store:
        assert store.exports.exported_ids("p") == {1, 2, 3, 4, 5, 6, 7}


def test_store_mark_exported_is_idempotent(db):
    with Store(db) as store:
        assert store.exports.mark_exported("d", [1, 2, 2], parse_iso(NOW)) == 2
        assert store.exports.mark_exported("d", [2, 3], NOW) == 1
        assert store.exports.exported_ids("d") == {1, 2, 3}
        assert store.exports.exported_ids("elsewhere") == set()
        rows = list(store.exports.iter_export_rows(new_for_destination="d", now=NOW))
        assert [r["id"] for r in rows] == [5, 6, 7, 4]  # 5 is at risk
        assert rows[1]["topics"] == '["acme"]' and rows[1]["posted_at"] == "2026-03-02T11:50:00Z"
