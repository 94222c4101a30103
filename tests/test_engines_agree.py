"""The same pipeline on SQLite and on PostgreSQL leaves the same store: the demo (listen,
classify, route on its sample data) run on each, then every read command prints the same."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from earmark.cli import cli

NOW = {"EARMARK_NOW": "2026-11-20T12:30:00Z"}


@pytest.fixture(scope="module")
def stores(tmp_path_factory, pg_server) -> dict[str, str]:
    sqlite = str(tmp_path_factory.mktemp("agree") / "demo.db")
    postgres = pg_server.new_database("agree")
    for where in (sqlite, postgres):
        done = CliRunner().invoke(cli, ["demo", "--db", where])
        assert done.exit_code == 0, done.stderr
    return {"sqlite": sqlite, "postgres": postgres}


@pytest.mark.parametrize(
    "command",
    [
        ["queue", "-f", "jsonl"],
        ["queue", "support", "-f", "jsonl"],
        ["stats", "-f", "json"],
        ["stats", "--by", "queue", "-f", "json"],
        ["stats", "--by", "topic", "-f", "json"],
        ["stats", "--by", "platform", "-f", "json"],
        ["export", "-f", "jsonl", "--status", "all"],
        ["posts", "-f", "jsonl", "--limit", "500"],
        ["posts", "-f", "jsonl", "--match", "router", "--limit", "500"],
        ["posts", "-f", "jsonl", "--intent", "complaint", "--limit", "500"],
        ["agents", "-f", "jsonl"],
        ["next", "--agent", "alice", "-f", "json"],
    ],
    ids=" ".join,
)
def test_every_read_command_prints_the_same_on_both_engines(stores, command):
    outputs = {}
    for engine, where in stores.items():
        result = CliRunner().invoke(cli, ["--db", where, *command], env=NOW)
        assert result.exit_code == 0, result.stderr
        outputs[engine] = result.stdout
    assert outputs["sqlite"].strip()  # something to compare
    assert outputs["postgres"] == outputs["sqlite"]
