"""Bad input from the command line: configs, names, databases and imported files.

Each case is one clear line on stderr (after click's usage lines for usage errors), the
documented exit code, and never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbconn import db_connect
from killhelpers import NOW, SlackHook, write_config

from earmark.cli import cli

TOPIC = "topics:\n  - name: acme\n    terms: [acme]\n"
FILE_SOURCE = "sources:\n  file: {path: posts.jsonl}\n"


def invoke(tmp_path: Path, *args: str, db: Path | None = None, env: dict | None = None):
    config = tmp_path / "earmark.yaml"
    db = db or tmp_path / "x.db"
    return CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), *args], env={"EARMARK_NOW": NOW, **(env or {})}
    )


def assert_one_line_error(result, message: str, code: int = 1) -> None:
    assert (result.exit_code, result.stdout) == (code, "")
    assert "Traceback" not in result.stderr
    if code == 2:  # click's usage lines, then the error
        assert result.stderr.splitlines()[-1] == f"Error: {message}"
        assert len(result.stderr.splitlines()) == 4
    else:
        assert result.stderr == f"Error: {message}\n"


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "topics:\n  - name: acme\n    terms: [acme\n",
            "invalid YAML at line 4, column 1: expected ',' or ']', but got '<stream end>'",
        ),
        ("- just\n- a list\n", "the top level must be a mapping of keys"),
        ("topics:\n  - acme\n", "topics[0]: must be a mapping, not str"),
        (
            TOPIC + "agents:\n  - {name: a, queues: [], capacity: many}\n",
            "agents[0].capacity: must be an integer, not 'many'",
        ),
        (
            TOPIC + "queues:\n  - name: q\n    sla: soon\n",
            "queues[0].sla: invalid duration 'soon': use a number and a unit, e.g. 15m, 2h, 1d",
        ),
        (
            "topics:\n  - name: acme\n    termz: [acme]\n",
            "topics[0].termz: unknown key (did you mean 'terms'?)",
        ),
        (
            TOPIC + "sources:\n  nope: {}\n",
            "sources.nope: unknown source; known: file, hackernews, rss, telegram, "
            "stackexchange, mastodon, reddit, bluesky, x",
        ),
    ],
    ids=["malformed-yaml", "not-a-mapping", "wrong-type", "not-an-int", "bad-duration",
         "unknown-key", "unknown-source"],
)  # fmt: skip
def test_bad_config_is_one_line_naming_the_file_and_key(tmp_path, text, problem):
    config = tmp_path / "earmark.yaml"
    config.write_text(text, encoding="utf-8")
    assert_one_line_error(invoke(tmp_path, "run"), f"{config}: {problem}")


def test_a_config_that_is_not_utf8_is_one_line(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_bytes(b"\xff\xfetopics: []\n")
    assert_one_line_error(
        invoke(tmp_path, "run"),
        f"{config}: cannot read config ('utf-8' codec can't decode byte 0xff in position 0: "
        "invalid start byte)",
    )


def test_a_missing_config_is_one_line(tmp_path):
    assert_one_line_error(
        invoke(tmp_path, "run"),
        f"{tmp_path / 'earmark.yaml'}: config file not found (create one with `earmark init`)",
    )


# -- unknown names -------------------------------------------------------------------------------


def test_unknown_and_unconfigured_source_names_are_usage_errors(tmp_path):
    (tmp_path / "earmark.yaml").write_text(TOPIC + FILE_SOURCE, encoding="utf-8")
    assert_one_line_error(
        invoke(tmp_path, "listen", "--source", "nope"),
        "unknown source 'nope'; known sources: file, hackernews, rss, telegram, stackexchange, "
        "mastodon, reddit, bluesky, x",
        code=2,
    )
    assert_one_line_error(
        invoke(tmp_path, "listen", "--source", "hackernews"),
        "source 'hackernews' is not configured: add it under `sources:` (configured: file)",
        code=2,
    )


def test_unknown_queue_name_is_a_usage_error(tmp_path):
    write_config(tmp_path, "  file: {path: posts.jsonl}\n")
    assert_one_line_error(
        invoke(tmp_path, "queue", "nope"),
        "unknown queue 'nope' (queues: sales, support, urgent)",
        2,
    )


# -- databases -----------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path) -> Path:
    (tmp_path / "posts.jsonl").write_text("", encoding="utf-8")
    return write_config(tmp_path, "  file: {path: posts.jsonl}\n")


@pytest.mark.parametrize("command", ["run", "posts", "runs"])
def test_a_database_in_a_missing_directory_is_one_line(tmp_path, config, command):
    db = tmp_path / "nowhere" / "x.db"
    result = invoke(tmp_path, command, db=db)
    if command == "run":  # the run lock comes first
        message = (
            f"{db}.lock: cannot create the run lock (No such file or directory); check that the "
            "database's directory exists and is writable"
        )
    else:  # commands that only read never create a database
        message = (
            f"{db}: no such database; create it with `earmark run` (or `earmark listen`), or "
            "point --db or EARMARK_DB at yours"
        )
    assert_one_line_error(result, message)


def test_a_directory_as_database_is_a_usage_error(tmp_path, config):
    result = invoke(tmp_path, "run", db=tmp_path)
    assert_one_line_error(result, f"Invalid value for '--db': File '{tmp_path}' is a directory.", 2)


@pytest.mark.parametrize("command", ["run", "posts"])
def test_a_file_that_is_not_sqlite_is_one_line_and_left_alone(tmp_path, config, command):
    db = tmp_path / "notes.db"
    content = b"these are my notes, not a database\n" * 100
    db.write_bytes(content)
    result = invoke(tmp_path, command, db=db)
    assert_one_line_error(result, f"{db}: not an SQLite database (file is not a database)")
    assert db.read_bytes() == content


def test_another_applications_sqlite_database_is_left_alone(tmp_path, config):
    db = tmp_path / "other.db"
    with db_connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    result = invoke(tmp_path, "run", db=db)
    assert_one_line_error(result, f"{db}: not an earmark database (it has other tables)")
    with db_connect(db) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    assert tables == ["invoices"]


def test_a_database_from_a_newer_earmark_is_refused(tmp_path, config):
    from earmark.store.schema import MIGRATIONS_TABLE, SCHEMA_VERSION

    assert invoke(tmp_path, "run").exit_code == 0  # creates and migrates x.db
    newer = SCHEMA_VERSION + 1
    with db_connect(tmp_path / "x.db") as conn:
        conn.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (version, applied_at) VALUES (?, ?)", (newer, NOW)
        )
    for command in ("run", "posts"):
        assert_one_line_error(
            invoke(tmp_path, command),
            f"{tmp_path / 'x.db'}: database schema version {newer} is newer than this earmark "
            f"supports ({SCHEMA_VERSION}); upgrade earmark",
        )


# -- imported files ------------------------------------------------------------------------------


def line(native: int, text: str) -> bytes:
    return json.dumps({"id": f"t:{native}", "text": text, "created_at": NOW}).encode() + b"\n"


def test_bad_rows_in_an_import_are_reported_with_line_numbers_and_skipped(tmp_path):
    big = "acme is down and " + "nothing works " * 75_000  # over 1 MB
    (tmp_path / "posts.jsonl").write_bytes(
        line(1, "acme works")
        + b'{"id": "t:2", "text": "acme \xff broken", "created_at": "2026-11-18T12:00:00Z"}\n'
        + b'{"id": "t:3", "text": "acme \x00 nul", "created_at": "2026-11-18T12:00:00Z"}\n'
        + line(4, "")
        + line(5, "   ")
        + line(6, big)
        + b"\n"
        + b'{"id": "t:8", "text": "acme cut off\n'
        + line(9, "acme last line")
    )
    write_config(
        tmp_path, "  file: {path: posts.jsonl}\n", "notify:\n  slack: {webhook_env: HOOK}\n"
    )
    with SlackHook() as hook:
        result = invoke(tmp_path, "run", env={"HOOK": hook.url})
        again = invoke(tmp_path, "run", env={"HOOK": hook.url})
    assert (result.exit_code, result.stdout) == (0, "")
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[:7] == [
        "file: 3 new posts (acme 3); 5 bad rows skipped",
        "file: line 2: invalid UTF-8 at byte 29 (skipped)",
        "file: line 3: contains a NUL byte (skipped)",
        "file: line 4: missing text (skipped)",
        "file: line 5: missing text (skipped)",
        "file: line 8: invalid JSON (Unterminated string starting at column 23) (skipped)",
        "classify: 3 posts",
    ]
    assert (again.exit_code, again.stderr) == (0, "")  # bad rows are reported once
    with db_connect(tmp_path / "x.db") as conn:
        stored = dict(conn.execute("SELECT id, length(text) FROM posts"))
        classified = conn.execute("SELECT count(*) FROM classifications").fetchone()[0]
    assert stored == {"t:1": 10, "t:6": len(big.strip()), "t:9": 14}
    assert classified == 3
    for message in hook.messages:  # the 1 MB post goes out as an excerpt within Slack's limits
        assert len(json.dumps(message)) < 40_000
        for block in message["blocks"]:
            assert len((block.get("text") or {}).get("text", "")) <= 3000


def test_an_empty_import_is_silent(tmp_path, config):
    result = invoke(tmp_path, "run")
    assert (result.exit_code, result.stdout) == (0, "")
    # the first run adds the agents, nothing else
    assert "file:" not in result.stderr
    assert (invoke(tmp_path, "run").stderr, invoke(tmp_path, "run").exit_code) == ("", 0)
