"""Hostile records in an imported file, through `earmark run`, as the issue reported them.

Each one used to stop the pipeline on every run (traceback, cursor stuck, run row left
"running"); now each is one line naming the file's line, counted, and the records around it
are stored, classified and routed. Also: a half-written last line waits for the writer.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner
from dbconn import db_connect
from killhelpers import NOW, PIPELINE_YAML, POSTED_AT

from earmark.cli import cli
from listen.file import FileSettings, FileSource


def good(native: int, text: str = "acme is down again") -> str:
    return json.dumps({"id": f"t:{native}", "text": text, "created_at": POSTED_AT})


def hostile(native: int, **fields: str) -> str:
    """A record with fields written verbatim (JSON json.dumps would not write); last key wins."""
    extra = "".join(f', "{key}": {value}' for key, value in fields.items())
    return f'{{"id": "t:{native}", "text": "acme", "created_at": "{POSTED_AT}"{extra}}}'


HOSTILE = [
    # (the line as written to the file, the one-line reason it is skipped, or None: stored)
    (hostile(2, text='"acme \\ud800 broke"'), None),
    (hostile(3, author_reach="9223372036854775808"), None),
    (hostile(4, author_reach="1e30"), None),
    (hostile(5, created_at='"0999-01-01T00:00:00Z"'),
     "record t:5: created_at 0999-01-01 outside the years 1000-9999"),
    ("[" * 1000 + "]" * 1000, "invalid JSON (nested too deep)"),
    ('{"a": ' * 1000 + "1" + "}" * 1000, "invalid JSON (nested too deep)"),
    (hostile(8, n="9" * 5000), "invalid JSON (a number too long to read)"),
]  # fmt: skip


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "earmark.yaml"
    config.write_text(PIPELINE_YAML + "sources:\n  file: {path: posts.jsonl}\n", encoding="utf-8")
    return config


def earmark(tmp_path: Path, *args: str):
    config = tmp_path / "earmark.yaml"
    argv = ["-c", str(config), "--db", str(tmp_path / "x.db"), *args]
    return CliRunner().invoke(cli, argv, env={"EARMARK_NOW": NOW})


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with db_connect(tmp_path / "x.db") as conn:
        return conn.execute(sql).fetchall()


def test_hostile_records_are_skipped_by_line_and_never_stop_the_run(tmp_path):
    write_config(tmp_path)
    lines = [good(1), *(line for line, _ in HOSTILE), good(9)]
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    first = earmark(tmp_path, "run")
    skipped = [
        f"file: line {number}: {reason} (skipped)"
        for number, (_, reason) in enumerate(HOSTILE, start=2)
        if reason
    ]
    assert (first.exit_code, first.stdout) == (0, "")
    assert "Traceback" not in first.stderr
    assert first.stderr.splitlines()[:5] == [
        "file: 5 new posts (acme 5); 4 bad rows skipped",
        *skipped,
    ]
    stored = query(tmp_path, "SELECT id, text, author_reach FROM posts ORDER BY id")
    assert stored == [
        ("t:1", "acme is down again", None),
        ("t:2", "acme \ufffd broke", None),
        ("t:3", "acme", None),
        ("t:4", "acme", None),
        ("t:9", "acme is down again", None),
    ]
    assert query(tmp_path, "SELECT count(*) FROM classifications") == [(5,)]
    assert query(tmp_path, "SELECT status, errors FROM runs") == [("ok", "{}")]

    second = earmark(tmp_path, "run")  # the cursor moved past them: cron stays silent
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    for command in (["classify"], ["export", "-f", "jsonl"]):
        result = earmark(tmp_path, *command)
        assert (result.exit_code, "Traceback" in result.stderr) == (0, False), (command, result)
    listed = earmark(tmp_path, "posts", "-f", "jsonl")
    texts = {row["id"]: row["text"] for row in map(json.loads, listed.stdout.splitlines())}
    assert texts["t:2"] == "acme \ufffd broke" and len(texts) == 5


def test_a_row_stored_by_an_older_earmark_with_a_three_digit_year_is_still_read(tmp_path):
    """Before this fix a year-999 post was stored as "999-01-01T00:00:00Z" (unpadded)."""
    write_config(tmp_path)
    (tmp_path / "posts.jsonl").write_text(good(1) + "\n" + good(2) + "\n", encoding="utf-8")
    assert earmark(tmp_path, "listen").exit_code == 0
    with db_connect(tmp_path / "x.db") as conn:
        conn.execute("UPDATE posts SET created_at = '999-01-01T00:00:00Z' WHERE id = 't:2'")
    for command in (["classify"], ["run"], ["posts", "-f", "jsonl"]):
        result = earmark(tmp_path, *command)
        assert (result.exit_code, "Traceback" in result.stderr) == (0, False), (command, result)
    dates = dict(query(tmp_path, "SELECT id, created_at FROM posts"))
    assert dates == {"t:1": POSTED_AT, "t:2": "999-01-01T00:00:00Z"}
    assert query(tmp_path, "SELECT count(*) FROM classifications") == [(2,)]


# -- a writer mid-append --------------------------------------------------------------------------


def read(path: Path, cursor: str | None) -> tuple[list[str], list[str], str | None]:
    source = FileSource(FileSettings(path=str(path)), env={})
    batches = list(source.fetch(None, cursor))
    ids = [post.id for batch in batches for post in batch.posts]
    return ids, source.warnings, batches[-1].cursor if batches else cursor


def test_a_half_written_last_line_is_read_once_it_is_complete(tmp_path):
    path = tmp_path / "posts.jsonl"
    whole = good(2)
    path.write_text(good(1) + "\n" + whole[:25], encoding="utf-8")  # the writer is mid-line

    ids, warnings, cursor = read(path, None)
    assert (ids, warnings) == (["t:1"], [])
    assert json.loads(cursor)["offset"] == len(good(1)) + 1  # not past the unfinished line

    again = read(path, cursor)
    assert again == ([], [], cursor)  # still unfinished: still nothing, no bad row

    with open(path, "a", encoding="utf-8") as out:
        out.write(whole[25:] + "\n" + "{broken\n" + good(3) + "\n")
    ids, warnings, cursor = read(path, cursor)
    assert (ids, warnings) == (
        ["t:2", "t:3"],
        ["line 3: invalid JSON (Expecting property name enclosed in double quotes at column 2)"],
    )
    assert read(path, cursor) == ([], [], cursor)


def test_a_whole_last_object_without_newline_is_read_and_line_numbers_stay_right(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(good(1) + "\n" + good(2), encoding="utf-8")  # written by hand: no newline
    ids, warnings, cursor = read(path, None)
    assert (ids, warnings) == (["t:1", "t:2"], [])

    with open(path, "a", encoding="utf-8") as out:
        out.write("\nnot json\n" + good(4) + "\n")  # the newline of line 2 comes now
    ids, warnings, cursor = read(path, cursor)
    assert (ids, warnings) == (["t:4"], ["line 3: invalid JSON (Expecting value at column 1)"])
    assert json.loads(cursor)["line"] == 4


def test_a_half_line_at_the_end_of_stdin_is_a_bad_row(tmp_path):
    """stdin is read once: its unfinished last line is reported, there is no next run."""
    stdin = io.BytesIO((good(1) + "\n" + good(2)[:25]).encode())
    source = FileSource(FileSettings(path="-"), env={}, stdin=stdin)
    posts = [post.id for batch in source.fetch(None, None) for post in batch.posts]
    assert posts == ["t:1"]
    assert source.warnings == ["line 2: invalid JSON (Unterminated string starting at column 23)"]


def test_the_run_reports_nothing_for_a_half_written_line(tmp_path):
    write_config(tmp_path)
    path = tmp_path / "posts.jsonl"
    path.write_text(good(1) + "\n" + good(2)[:30], encoding="utf-8")
    first = earmark(tmp_path, "run")
    assert (first.exit_code, first.stdout) == (0, "")
    assert "bad row" not in first.stderr
    assert query(tmp_path, "SELECT id FROM posts") == [("t:1",)]
    with open(path, "a", encoding="utf-8") as out:
        out.write(good(2)[30:] + "\n")
    second = earmark(tmp_path, "run")
    assert (second.exit_code, "bad row" in second.stderr) == (0, False)
    assert query(tmp_path, "SELECT id FROM posts ORDER BY id") == [("t:1",), ("t:2",)]
