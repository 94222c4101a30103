"""`earmark search`: live results from a (local) source, classified, nothing stored by default.

The Hacker News responses are the real Algolia recordings in tests/fixtures/hackernews/
(provenance in tests/fixtures/SOURCES.md), served on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbconn import db_connect
from httpserver import LocalServer

from earmark.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "hackernews"
STORY = json.loads((FIXTURES / "search_story_apple.json").read_text())
COMMENT = json.loads((FIXTURES / "search_by_date_comment_apple.json").read_text())
SEARCH = "/api/v1/search_by_date"


@pytest.fixture
def server():
    with LocalServer() as running:
        page = dict(STORY, nbPages=1, page=0)
        running.add(SEARCH, json_body=page)
        yield running


def write_config(tmp_path, server) -> Path:
    path = tmp_path / "earmark.yaml"
    path.write_text(
        f"sources:\n  hackernews: {{base_url: '{server.url('/api/v1')}', max_requests: 3}}\n",
        encoding="utf-8",
    )
    return path


def test_search_prints_classified_posts_and_stores_nothing(server, tmp_path):
    config = write_config(tmp_path, server)
    db = tmp_path / "e.db"
    result = CliRunner().invoke(
        cli,
        [
            "search",
            "apple",
            "--source",
            "hackernews",
            "-c",
            str(config),
            "--db",
            str(db),
            "-f",
            "jsonl",
        ],
        env={"EARMARK_NOW": "2014-06-21T00:00:00Z"},
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    records = [json.loads(line) for line in result.stdout.splitlines()]
    hit = STORY["hits"][0]
    assert [r["id"] for r in records] == [f"hackernews:{hit['objectID']}"]
    assert records[0]["sentiment"] in ("negative", "neutral", "positive")
    assert records[0]["intent"]
    assert isinstance(records[0]["priority"], int)
    assert server.requests_to(SEARCH)[0].param("query") is not None
    assert not db.exists()


def test_search_save_stores_posts_with_labels(server, tmp_path):
    config = write_config(tmp_path, server)
    db = tmp_path / "e.db"
    result = CliRunner().invoke(
        cli,
        [
            "search",
            "apple",
            "--source",
            "hackernews",
            "--save",
            "-c",
            str(config),
            "--db",
            str(db),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"saved 1 new posts to {db}\n"
    with db_connect(db) as conn:
        rows = conn.execute(
            "SELECT p.id, c.sentiment, m.topic FROM posts p JOIN classifications c "
            "ON c.post_id = p.id JOIN topic_matches m ON m.post_id = p.id"
        ).fetchall()
    assert rows == [(f"hackernews:{STORY['hits'][0]['objectID']}", rows[0][1], "search")]


def test_search_local_match_drops_what_the_query_does_not_match(server, tmp_path):
    config = write_config(tmp_path, server)
    result = CliRunner().invoke(
        cli,
        [
            "search",
            "apple NOT iphone",
            "--source",
            "hackernews",
            "-c",
            str(config),
            "--db",
            str(tmp_path / "e.db"),
            "-f",
            "jsonl",
        ],
    )
    assert result.exit_code == 0, result.output
    title = STORY["hits"][0]["title"].lower()
    expected = 0 if "iphone" in title else 1
    assert len(result.stdout.splitlines()) == expected


def test_search_failing_source_is_one_line_and_exit_1(tmp_path):
    with LocalServer() as running:
        running.add(SEARCH, status=401)
        config = write_config(tmp_path, running)
        result = CliRunner().invoke(
            cli,
            [
                "search",
                "apple",
                "--source",
                "hackernews",
                "-c",
                str(config),
                "--db",
                str(tmp_path / "e.db"),
            ],
        )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("hackernews: error: ")


def test_search_query_syntax_error_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["search", "(acme OR", "--db", str(tmp_path / "e.db")])
    assert result.exit_code == 2
    assert "QUERY: query error at column 9" in result.stderr
