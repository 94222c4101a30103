"""`earmark listen`, `earmark sources` and `earmark topics test` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from earmark.cli import cli
from earmark.models import Post, parse_iso
from listen import registry
from listen.base import Batch, SourceError, SourceSettings

FIXTURES = Path(__file__).parent / "fixtures" / "file"
SECRET = "s3cr3t-value-never-shown"


class BrokenSource:
    """Stands in for a platform that is down."""

    settings_class = SourceSettings
    env_keys = ("BROKEN_TOKEN",)
    note = "a test double"

    def __init__(self, settings, *, env):
        self.env = env

    def credentials(self):
        return {"BROKEN_TOKEN": bool(self.env.get("BROKEN_TOKEN"))}

    def fetch(self, topic, cursor, *, since=None, limit=None):
        raise SourceError("hackernews: 503 after 4 tries, giving up; try again later")
        yield  # pragma: no cover


class OnePostSource(BrokenSource):
    def fetch(self, topic, cursor, *, since=None, limit=None):
        if cursor is None:
            yield Batch([Post("hn", "1", "globex is down", parse_iso("2026-11-18T12:00:00Z"))], "1")


@pytest.fixture
def fake_sources(monkeypatch):
    monkeypatch.setitem(registry._SOURCES, "hackernews", f"{__name__}:BrokenSource")
    monkeypatch.setitem(registry._SOURCES, "mastodon", f"{__name__}:OnePostSource")


def write_config(tmp_path, sources: str, topics: str | None = None) -> Path:
    topics = topics or (
        "  - name: acme\n"
        "    terms: [acme]\n"
        "  - name: globex\n"
        "    kind: competitor\n"
        "    terms: [globex]\n"
    )
    path = tmp_path / "earmark.yaml"
    path.write_text(f"topics:\n{topics}sources:\n{sources}", encoding="utf-8")
    return path


def run(tmp_path, *args, env=None, input=None):
    config = tmp_path / "earmark.yaml"
    db = tmp_path / "x.db"
    return CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), *args], env=env, input=input
    )


def test_listen_summarises_then_stays_silent(tmp_path):
    shutil.copy(FIXTURES / "earmark_posts.jsonl", tmp_path / "posts.jsonl")
    write_config(tmp_path, "  file: {path: posts.jsonl}\n")  # relative to the config file
    first = run(tmp_path, "listen")
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "file: 2 new posts (acme 1, globex 1)\n"
    second = run(tmp_path, "listen")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")


def test_bad_rows_are_reported_once(tmp_path):
    write_config(tmp_path, f"  file: {{path: {FIXTURES / 'bad_rows.jsonl'}}}\n")
    result = run(tmp_path, "listen")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "file: 2 new posts (acme 2); 8 bad rows skipped",
        "file: line 2: invalid JSON (Expecting value at column 48) (skipped)",
        "file: line 3: missing text (skipped)",
        "file: line 4: missing id (skipped)",
        "file: line 5: missing created_at (skipped)",
        "file: line 6: not a JSON object (skipped)",
        "file: line 8: invalid created_at 'yesterday' (skipped)",
        "file: line 9: invalid UTF-8 at byte 29 (skipped)",
        "file: line 10: contains a NUL byte (skipped)",
    ]
    again = run(tmp_path, "listen")
    assert (again.exit_code, again.stderr) == (0, "")


def test_some_sources_failing_exits_3(tmp_path, fake_sources):
    write_config(tmp_path, "  hackernews: {}\n  mastodon: {}\n")
    result = run(tmp_path, "listen")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "hackernews: error: 503 after 4 tries, giving up; try again later",
        "mastodon: 1 new post (globex 1)",
    ]
    again = run(tmp_path, "listen")  # the failure is reported again; the rest stays silent
    assert (again.exit_code, again.stderr) == (
        3,
        "hackernews: error: 503 after 4 tries, giving up; try again later\n",
    )


def test_all_sources_failing_exits_1(tmp_path):
    write_config(tmp_path, f"  file: {{path: {tmp_path / 'missing.jsonl'}}}\n")
    result = run(tmp_path, "listen")
    assert result.exit_code == 1
    assert result.stderr == (
        f"file: error: {tmp_path / 'missing.jsonl'}: no such file (check sources.file.path)\n"
    )


def test_listen_options(tmp_path, fake_sources):
    write_config(tmp_path, "  hackernews: {}\n  mastodon: {}\n")
    result = run(tmp_path, "listen", "--source", "mastodon", "--topic", "acme", "--since", "2h")
    assert (result.exit_code, result.stderr) == (0, "mastodon: 1 new post (globex 1)\n")
    bad = run(tmp_path, "listen", "--since", "soon")
    assert bad.exit_code == 2
    assert (
        "Error: --since: invalid duration 'soon': use a number and a unit, e.g. 15m, 2h, 1d"
        in bad.stderr
    )
    unknown = run(tmp_path, "listen", "--source", "myspace")
    assert unknown.exit_code == 2
    assert "Error: unknown source 'myspace'; known sources: file, hackernews" in unknown.stderr


def test_listen_file_shortcut_reads_stdin(tmp_path):
    write_config(tmp_path, "  mastodon: {}\n")
    data = (FIXTURES / "twcs_sample.csv").read_text("utf-8")
    result = run(tmp_path, "listen", "--file", "-", input=data)
    # "@GlobexCares" is a handle, not the word globex: only the tweet naming Acme matches.
    assert (result.exit_code, result.stderr) == (0, "file: 1 new post (acme 1)\n")


def test_listen_needs_a_config(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "listen"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no config file: pass -c PATH, set EARMARK_CONFIG, or create earmark.yaml with "
        "`earmark init`\n"
    )


def test_a_query_syntax_error_points_at_the_column(tmp_path):
    write_config(
        tmp_path,
        f"  file: {{path: {FIXTURES / 'earmark_posts.jsonl'}}}\n",
        topics="  - name: acme\n    query: 'acme AND (down'\n",
    )
    result = run(tmp_path, "listen")
    assert result.exit_code == 1
    # Checked when the config loads, so the message names the file and the key path.
    assert result.stderr == (
        f"Error: {tmp_path / 'earmark.yaml'}: topics[0].query: topic 'acme': query error at "
        "column 15: expected ')'\n"
        "  acme AND (down\n"
        "                ^\n"
    )


def test_sources_lists_every_source_without_secret_values(tmp_path, fake_sources):
    write_config(tmp_path, "  hackernews: {}\n  mastodon: {}\n")
    run(tmp_path, "listen", env={"BROKEN_TOKEN": SECRET})
    result = run(tmp_path, "sources", "-f", "json", env={"BROKEN_TOKEN": SECRET})
    assert result.exit_code == 0, result.output
    assert SECRET not in result.stdout + result.stderr
    rows = {row["source"]: row for row in json.loads(result.stdout)}
    assert list(rows) == registry.SOURCE_NAMES
    hn, mastodon = rows["hackernews"], rows["mastodon"]
    assert (hn["configured"], hn["credentials"], hn["note"]) == (
        "yes",
        "BROKEN_TOKEN=set",
        "a test double",
    )
    assert hn["last_error"] == "503 after 4 tries, giving up; try again later"
    assert hn["cursors"] == []
    assert mastodon["cursors"] == ["acme=1", "globex=1"]
    assert mastodon["last_error"] is None and mastodon["last_run"] is not None
    assert rows["file"]["configured"] == "no"
    assert rows["file"]["credentials"] == "none needed"
    unset = run(tmp_path, "sources", "-f", "json")
    assert {r["source"]: r for r in json.loads(unset.stdout)}["hackernews"]["credentials"] == (
        "BROKEN_TOKEN=unset"
    )


def test_topics_test_passes_and_fails(tmp_path):
    good = (
        "  - name: acme\n"
        "    terms: [acme]\n"
        "    should_match: ['ACME is down']\n"
        "    should_not_match: ['acmeist poetry']\n"
    )
    write_config(tmp_path, "  hackernews: {}\n", topics=good)
    result = run(tmp_path, "topics", "test")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "all 2 examples pass\n")
    bad = (
        good
        + "  - name: globex\n    query: globex NOT explorer\n    should_match: [globex explorer]\n"
    )
    write_config(tmp_path, "  hackernews: {}\n", topics=bad)
    result = run(tmp_path, "topics", "test")
    assert result.exit_code == 1
    assert result.stdout == "globex: should match but does not: 'globex explorer'\n"
    assert result.stderr == "1 of 3 examples failed\n"


def test_sources_table_shows_the_file_cursor_as_a_line_number(tmp_path):
    write_config(tmp_path, f"  file: {{path: {FIXTURES / 'earmark_posts.jsonl'}}}\n")
    run(tmp_path, "listen")
    result = run(tmp_path, "sources", "-f", "table")
    assert result.exit_code == 0
    file_row = next(line for line in result.stdout.splitlines() if "│ file " in line)
    assert "*=line 3" in file_row
    assert '"offset"' not in result.stdout
