"""Command-line details cron users and scripts rely on: documented exit codes, `explain -f
jsonl`, durations as earmark prints them, read-only commands that never create a database, and
a closed pipe as a normal end (CliRunner, and real processes for the pipe)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.cli import cli
from earmark.models import format_duration, parse_duration

CONFIG = """
topics:
  - {name: acme, kind: brand, terms: [acme]}
sources:
  file: {path: posts.jsonl}
queues:
  - {name: support, match: {kinds: [brand]}, sla: 1h}
agents:
  - {name: alice, queues: [support]}
"""
NOW = "2026-11-20T12:00:00Z"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "earmark.yaml").write_text(CONFIG, encoding="utf-8")
    with open(tmp_path / "posts.jsonl", "w", encoding="utf-8") as out:
        for i in range(40):
            text = f"acme my order {i} never arrived, where is it?"
            record = {"id": f"x:{i}", "text": text, "created_at": "2026-11-19T10:00:00Z"}
            out.write(json.dumps({**record, "author": f"u{i}"}) + "\n")
    args = ["-c", str(tmp_path / "earmark.yaml"), "--db", str(tmp_path / "e.db")]
    assert invoke(args, "run").exit_code == 0
    return args


def invoke(args, *more, cwd_env=None):
    return CliRunner().invoke(cli, [*args, *more], env={"EARMARK_NOW": NOW, **(cwd_env or {})})


def test_help_lists_every_exit_code():
    text = " ".join(CliRunner().invoke(cli, ["--help"]).stdout.split())
    for code in ("0 ok or nothing new", "1 error", "2 usage", "3 partial failure"):
        assert code in text
    assert "4 an alert fired" in text
    assert "75 another run holds the lock" in text


def test_explain_jsonl_is_the_json_record_on_one_line(project):
    as_json = invoke(project, "explain", "1", "-f", "json")
    as_jsonl = invoke(project, "explain", "1", "-f", "jsonl")
    assert (as_json.exit_code, as_jsonl.exit_code) == (0, 0), as_jsonl.output
    assert len(as_jsonl.stdout.splitlines()) == 1
    assert json.loads(as_jsonl.stdout) == json.loads(as_json.stdout)
    assert json.loads(as_jsonl.stdout)["id"] == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=400 * 86400))
def test_every_duration_earmark_prints_is_read_back(seconds):
    printed = format_duration(timedelta(seconds=seconds))
    read = parse_duration(printed)
    # Printing rounds down to its two units; reading gives exactly what was printed.
    assert read <= timedelta(seconds=seconds)
    assert format_duration(read) == printed


def test_since_takes_the_ages_earmark_prints(project):
    posts = invoke(project, "posts", "--since", "1d2h", "-f", "jsonl")
    assert posts.exit_code == 0, posts.stderr
    assert len(posts.stdout.splitlines()) == 40
    assert posts.stdout.splitlines()[0].count('"age": "1d2h"') == 1
    stats = invoke(project, "stats", "--since", "1d0h", "-f", "jsonl")
    assert stats.exit_code == 0, stats.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["queue"],
        ["posts"],
        ["runs"],
        ["stats"],
        ["explain", "1"],
        ["claim", "1"],
        ["agents"],
        ["export"],
        ["export", "--new", "--dest", "pipe", "-f", "jsonl"],
        ["feedback", "--export", "corrections.csv"],
        ["feedback", "1", "--sentiment", "negative"],
    ],
)
def test_commands_that_read_never_create_a_database(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    env = {"EARMARK_CONFIG": "", "EARMARK_DB": "", "EARMARK_AGENT": "alice"}
    result = invoke([], *command, cwd_env=env)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: earmark.db: no such database; create it with `earmark run` (or `earmark "
        "listen`), or point --db or EARMARK_DB at yours\n"
    )
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "command",
    [["alerts"], ["alerts", "--explain"], ["notify", "webhook", "--dry-run"]],
)
def test_commands_with_a_config_never_create_its_missing_database(tmp_path, command):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG + "notify:\n  webhook: {url_env: TEST_HOOK}\n", encoding="utf-8")
    args = ["-c", str(config), "--db", str(tmp_path / "missing.db")]
    result = invoke(args, *command, cwd_env={"TEST_HOOK": "http://127.0.0.1:9/hook"})
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.endswith(
        ": no such database; create it with `earmark run` (or `earmark "
        "listen`), or point --db or EARMARK_DB at yours\n"
    ), result.stderr
    assert sorted(os.listdir(tmp_path)) == ["earmark.yaml"]


def _to_closed_pipe(args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once head has its line: the first flush hits EPIPE
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "earmark", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**env, "EARMARK_NOW": NOW},
            timeout=60,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "command", [["export", "-f", "jsonl"], ["posts", "-f", "jsonl"], ["queue", "-f", "csv"]]
)
def test_a_reader_that_stops_early_is_a_normal_end(project, command):
    done = _to_closed_pipe([*project, *command])
    assert (done.returncode, done.stderr) == (0, b"")


def test_head_reads_one_line_and_earmark_exits_0(project):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    producer = subprocess.Popen(
        [sys.executable, "-m", "earmark", *project, "posts", "-f", "jsonl", "--limit", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, "EARMARK_NOW": NOW},
    )
    head = subprocess.run(["head", "-1"], stdin=producer.stdout, capture_output=True, timeout=60)
    producer.stdout.close()
    _, errors = producer.communicate(timeout=60)
    assert len(head.stdout.splitlines()) == 1
    assert (producer.returncode, errors) == (0, b"")
