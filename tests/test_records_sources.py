"""Hostile records from real HTTP responses, served on 127.0.0.1, through `earmark run`.

The Hacker News page is the recorded Algolia comment hit (tests/fixtures/hackernews/) with a
lone surrogate escape in its text and author, beside a hit whose `created_at_i` is 10**30.
The Mastodon page is the recorded #hoot status (tests/fixtures/mastodon/) from an account with
10**30 followers, beside a status dated in the year 999. Both sources run in the same run:
each stores its good record, names and counts its bad one, and neither stops the other.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from click.testing import CliRunner
from dbconn import db_connect
from httpserver import LocalServer

from earmark.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
COMMENT = json.loads((FIXTURES / "hackernews" / "search_by_date_comment_apple.json").read_text())
HOOT = json.loads((FIXTURES / "mastodon" / "timelines_tag_hoot.json").read_text())
HOOT_META = json.loads((FIXTURES / "mastodon" / "timelines_tag_hoot.meta.json").read_text())
HN_SEARCH = "/api/v1/search_by_date"
TAG = "/api/v1/timelines/tag/hoot"
NOW = "2026-08-01T14:00:00Z"


def hackernews_page() -> bytes:
    """The recorded page, with JSON escapes json.dumps would never write (lone surrogates)."""
    data = copy.deepcopy(COMMENT)
    hit = data["hits"][0]
    hit["comment_text"] = "acme LONE_HIGH is down for me"
    hit["author"] = "fleitz LONE_LOW"
    bad = {**copy.deepcopy(hit), "objectID": "999", "created_at_i": 10**30}
    data["hits"] = [hit, bad]
    data["nbPages"], data["nbHits"] = 1, 2
    text = json.dumps(data).replace("LONE_HIGH", "\\ud800").replace("LONE_LOW", "\\udfff")
    return text.encode("ascii")


def empty_hackernews_page() -> dict:
    data = copy.deepcopy(COMMENT)
    data["hits"], data["nbHits"], data["nbPages"] = [], 0, 0
    return data


def mastodon_page() -> list[dict]:
    status = copy.deepcopy(HOOT[0])
    status["account"]["followers_count"] = 10**30
    old = {**copy.deepcopy(HOOT[0]), "id": "117020593741189702"}
    old["created_at"] = "0999-01-01T00:00:00.000Z"
    return [old, status]


def run(tmp_path: Path, server: LocalServer):
    config = tmp_path / "earmark.yaml"
    config.write_text(
        "topics:\n  - name: acme\n    kind: brand\n    terms: [acme, '#hoot']\n"
        "queues:\n  - name: support\n    match: {kinds: [brand]}\n    sla: 2h\n"
        "sources:\n"
        f"  hackernews: {{base_url: '{server.url('/api/v1')}'}}\n"
        f"  mastodon: {{base_url: '{server.url('')}'}}\n",
        encoding="utf-8",
    )
    args = ["-c", str(config), "--db", str(tmp_path / "x.db"), "run"]
    return CliRunner().invoke(cli, args, env={"EARMARK_NOW": NOW, "MASTODON_TOKEN": None})


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with db_connect(tmp_path / "x.db") as conn:
        return conn.execute(sql).fetchall()


def test_a_lone_surrogate_and_a_huge_follower_count_from_real_servers(server, tmp_path):
    headers = {name: values[0] for name, values in HOOT_META["headers"].items()}
    server.add(HN_SEARCH, hackernews_page(), content_type="application/json; charset=utf-8")
    server.add(HN_SEARCH, json_body=empty_hackernews_page())
    server.add(TAG, json_body=mastodon_page(), headers=headers)
    server.add(TAG, json_body=[], query={"min_id": "117020593741189702"})

    first = run(tmp_path, server)
    assert (first.exit_code, first.stdout) == (0, "")
    assert "Traceback" not in first.stderr
    assert first.stderr.splitlines()[:4] == [
        "hackernews: 1 new post (acme 1); 1 bad row skipped",
        "hackernews: record 999: a search hit's created_at_i is out of range (skipped)",
        "mastodon: 1 new post (acme 1); 1 bad row skipped",
        "mastodon: record mastodon:117020593741189702: created_at 0999-01-01 outside the "
        "years 1000-9999 (skipped)",
    ]
    assert rows(tmp_path, "SELECT id, text, author, author_reach FROM posts ORDER BY id") == [
        ("hackernews:7919418", "acme \ufffd is down for me", "fleitz \ufffd", None),
        ("mastodon:117020593741189701", "#hoot (hashtag toot)", "mastodonpy_test_2", None),
    ]
    assert rows(tmp_path, "SELECT count(*) FROM classifications") == [(2,)]
    assert rows(tmp_path, "SELECT status, errors FROM runs") == [("ok", "{}")]
    cursors = dict(rows(tmp_path, "SELECT source, value FROM cursors"))
    assert cursors["hackernews"] == "1403235154"  # past the good hit: the run moved on
    assert "117020593741189702" in cursors["mastodon"]  # past the year-999 status too

    second = run(tmp_path, server)
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert server.requests_to(TAG)[-1].param("min_id") == "117020593741189702"
