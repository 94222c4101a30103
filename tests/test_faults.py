"""Faults under `earmark run`: every source fault is one stderr line, the exit code says it, the
runs table records it, nothing is stored half-way and the next healthy run loses nothing.

Sources talk to real HTTP servers on 127.0.0.1 (tests/httpserver.py). The HTTP client's retry
waits (1s, 2s, 4s, 8s, or what Retry-After asks) are recorded instead of slept so the suite
stays fast: the `slept` fixture swaps the client's default `sleep` and `jitter` only.
Responses are the recordings in tests/fixtures/ (see SOURCES.md); the three recorded Hacker
News hits are served as the one newest page a first run reads (only `hits`, `nbPages`, `page`
and `nbHits` changed). The database-lock test uses a real second process.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbconn import db_connect
from httpserver import LocalServer
from killhelpers import NOW, snapshot, write_config, write_posts

from earmark.cli import cli
from listen.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures"
HN = FIXTURES / "hackernews"
COMMENT = json.loads((HN / "search_by_date_comment_apple.json").read_text())
STORY = json.loads((HN / "search_story_apple.json").read_text())
ASK_HN = json.loads((HN / "search_ask_hn_page2_apple.json").read_text())
SEARCH = "/api/v1/search_by_date"
HN_IDS = [("hackernews:1256391",), ("hackernews:2922756",)]  # what a healthy run stores
TELEGRAM = FIXTURES / "telegram"
HTML = "text/html; charset=utf-8"


@pytest.fixture
def slept(monkeypatch):
    waits: list[float] = []
    defaults = HttpClient.__init__.__kwdefaults__
    monkeypatch.setitem(defaults, "sleep", waits.append)
    monkeypatch.setitem(defaults, "jitter", lambda: 0.0)
    return waits


def page_of(recording: dict, *, pages: int, page: int) -> dict:
    data = copy.deepcopy(recording)
    data["nbPages"], data["page"], data["nbHits"] = pages, page, pages
    return data


def serve_hackernews(server: LocalServer) -> None:
    """Serve the healthy search: the newest page, the one a first run reads, holds all three."""
    newest = page_of(COMMENT, pages=1, page=0)
    newest["hits"] = [*COMMENT["hits"], *ASK_HN["hits"], *STORY["hits"]]
    newest["nbHits"] = len(newest["hits"])
    server.add(SEARCH, json_body=newest, query={"page": "0"})


def hn_config(tmp_path: Path, server: LocalServer, *, timeout: float = 20) -> Path:
    path = tmp_path / "earmark.yaml"
    path.write_text(
        "topics:\n  - name: apple\n    terms: [apple]\n"
        f"sources:\n  hackernews:\n    base_url: {server.url('/api/v1')}\n"
        f"    timeout: {timeout}\n",
        encoding="utf-8",
    )
    return path


def invoke(config: Path, *args: str, env: dict | None = None):
    db = config.parent / "x.db"
    return CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), *args], env={"EARMARK_NOW": NOW, **(env or {})}
    )


def stored(db: Path, sql: str = "SELECT id FROM posts ORDER BY id") -> list[tuple]:
    with db_connect(db) as conn:
        return [tuple(row) for row in conn.execute(sql)]


def last_run(config: Path) -> dict:
    result = invoke(config, "runs", "--limit", "1", "-f", "jsonl")
    return json.loads(result.stdout)


def assert_failed_then_recovers(tmp_path, config_for, broken, message, *, env=None):
    """Run against the broken server: exit 1, one line, nothing stored; then a healthy run."""
    result = invoke(config_for(broken), "run", env=env)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"hackernews: error: {message}\n"
    db = tmp_path / "x.db"
    assert stored(db) == []
    assert stored(db, "SELECT * FROM cursors") == []  # the cursor did not move
    run = last_run(config_for(broken))
    assert (run["status"], run["errors"]) == ("failed", {"hackernews": message})

    with LocalServer() as healthy:
        serve_hackernews(healthy)
        recovered = invoke(config_for(healthy), "run", env=env)
    assert (recovered.exit_code, recovered.stdout) == (0, "")
    assert recovered.stderr.startswith("hackernews: 2 new posts (apple 2)\n")
    assert stored(db) == HN_IDS


class Stalled:
    """A response body that only comes once the test releases it (long after any timeout)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.waiting = threading.Semaphore(0)
        self.started = 0

    def __call__(self, request) -> str:
        self.started += 1
        try:
            self.release.wait(30)
            return json.dumps(page_of(COMMENT, pages=1, page=0))
        finally:
            self.waiting.release()

    def finish(self, server: LocalServer) -> None:
        """Let every stalled handler answer (to a closed socket) before the next test."""
        self.release.set()
        for _ in range(self.started):
            self.waiting.acquire(timeout=10)


def test_a_source_that_times_out(tmp_path, server, slept):
    stalled = Stalled()
    server.add(SEARCH, stalled, content_type="application/json")
    where = server.url(SEARCH)
    try:
        assert_failed_then_recovers(
            tmp_path,
            lambda s: hn_config(tmp_path, s, timeout=0.2),
            server,
            f"timed out after 0.2s from {where} after 5 tries, giving up; try again later",
        )
    finally:
        stalled.finish(server)
    assert stalled.started == 5
    assert slept == [1.0, 2.0, 4.0, 8.0]  # backoff between the five tries


def test_429_with_retry_after_is_honoured_then_succeeds(tmp_path, server, slept):
    server.add(SEARCH, status=429, headers={"Retry-After": "7"}, query={"page": "0"})
    serve_hackernews(server)
    result = invoke(hn_config(tmp_path, server), "run")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.startswith("hackernews: 2 new posts (apple 2)\n")
    assert slept == [7.0]
    assert stored(tmp_path / "x.db") == HN_IDS


def test_429_asking_for_too_long_a_wait_gives_up_for_this_run(tmp_path, server, slept):
    server.add(SEARCH, status=429, headers={"Retry-After": "3600"})
    assert_failed_then_recovers(
        tmp_path,
        lambda s: hn_config(tmp_path, s),
        server,
        f"HTTP 429 Too Many Requests from {server.url(SEARCH)}; the server asks to wait 3600s, "
        "giving up for this run; try again later",
    )
    assert slept == []


def test_500s_are_retried_then_reported(tmp_path, server, slept):
    server.add(SEARCH, status=500, body="oops")
    assert_failed_then_recovers(
        tmp_path,
        lambda s: hn_config(tmp_path, s),
        server,
        f"HTTP 500 Internal Server Error from {server.url(SEARCH)} after 5 tries, giving up; "
        "try again later",
    )
    assert len(server.requests) == 5


def test_a_500_then_success_loses_nothing(tmp_path, server, slept):
    server.add(SEARCH, status=503, query={"page": "0"})
    serve_hackernews(server)
    result = invoke(hn_config(tmp_path, server), "run")
    assert (result.exit_code, result.stdout) == (0, "")
    assert stored(tmp_path / "x.db") == HN_IDS
    assert slept == [1.0]


def test_truncated_json_is_a_clear_error(tmp_path, server, slept):
    body = json.dumps(page_of(COMMENT, pages=1, page=0))
    server.add(SEARCH, body[: len(body) // 2], content_type="application/json")
    result = invoke(hn_config(tmp_path, server), "run")
    message = result.stderr.removeprefix("hackernews: error: ").rstrip("\n")
    assert message.startswith(f"malformed JSON from {server.url(SEARCH)}: ")
    stored_error = last_run(hn_config(tmp_path, server))["errors"]["hackernews"]
    assert stored_error == message
    assert_failed_then_recovers(tmp_path, lambda s: hn_config(tmp_path, s), server, message)


def test_malformed_json_shape_is_a_clear_error(tmp_path, server, slept):
    server.add(SEARCH, json_body={"message": "maintenance"})  # JSON, but no `hits`
    assert_failed_then_recovers(
        tmp_path,
        lambda s: hn_config(tmp_path, s),
        server,
        "unexpected search response (no `hits` list)",
    )


def test_an_auth_failure_is_one_line_without_retries_or_secrets(tmp_path, server, slept):
    token = "AAAA-bearer-token-that-must-never-show"
    server.add("/2/tweets/search/recent", status=401, json_body={"title": "Unauthorized"})
    config = tmp_path / "earmark.yaml"
    config.write_text(
        "topics:\n  - name: apple\n    terms: [apple]\n"
        f"sources:\n  x: {{base_url: '{server.url()}'}}\n",
        encoding="utf-8",
    )
    result = invoke(config, "run", env={"X_BEARER_TOKEN": token})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"x: error: 401 Unauthorized from {server.url('/2/tweets/search/recent')}; check the "
        "source's credentials (`earmark sources` shows which are set)\n"
    )
    assert len(server.requests) == 1  # an auth failure is not retried
    assert token not in result.stderr + json.dumps(last_run(config))
    assert slept == []


def test_malformed_html_is_a_clear_error_and_other_sources_still_run(tmp_path, server, slept):
    broken = '<html><body><div class="tgme_widget_message" data-post="durov/1"></div></body></html>'
    server.add("/s/durov", broken, content_type=HTML)
    write_posts(tmp_path / "posts.jsonl", 5)
    config = write_config(
        tmp_path,
        "  file: {path: posts.jsonl}\n"
        f"  telegram: {{base_url: '{server.url()}', channels: [durov]}}\n",
    )
    result = invoke(config, "run")
    assert (result.exit_code, result.stdout) == (3, "")
    lines = result.stderr.splitlines()
    assert lines[0] == "file: 4 new posts (acme 2, acmehelp 1, globex 1)"
    assert lines[-1] == (
        "telegram: error: could not read the t.me/s/durov page (AttributeError: 'NoneType' "
        "object has no attribute 'find'); is it a public channel with a web preview?"
    )
    assert last_run(config)["status"] == "partial"


def test_a_page_that_is_not_a_feed_is_a_clear_error(tmp_path, server, slept):
    server.add("/feed", "<html><body>Please log in</body></html>", content_type=HTML)
    config = tmp_path / "earmark.yaml"
    config.write_text(
        "topics:\n  - name: apple\n    terms: [apple]\n"
        f"sources:\n  rss: {{feeds: ['{server.url('/feed')}?token=secret']}}\n",
        encoding="utf-8",
    )
    result = invoke(config, "run")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"rss: error: {server.url('/feed')} is not an RSS or Atom feed (text/html; "
        "charset=utf-8 is not an XML media type); check the URL in sources.rss.feeds\n"
    )


# -- the database locked by another process -----------------------------------------------------

HOLD_EXCLUSIVE = """\
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
conn.execute("INSERT INTO cursors (source, topic, value) VALUES ('held', 'x', 'never')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def test_a_database_locked_by_another_process_is_one_line_and_exit_75(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 10)
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n")
    db = tmp_path / "x.db"
    assert invoke(config, "run").exit_code == 0
    before = snapshot(db)
    write_posts(tmp_path / "posts.jsonl", 10, start=10, append=True)

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_EXCLUSIVE, str(db), "8"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        result = invoke(config, "run")
        waited = time.monotonic() - started
    finally:
        holder.communicate(timeout=30)
    assert (result.exit_code, result.stdout) == (75, "")  # EX_TEMPFAIL: cron tries again later
    assert result.stderr == (
        f"Error: {db}: the database is locked by another process (waited 5s); try again later\n"
    )
    assert 4.5 < waited < 8
    with db_connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert snapshot(db) == before  # nothing half-written
    again = invoke(config, "run")
    assert again.exit_code == 0
    assert again.stderr.splitlines()[0] == "file: 8 new posts (acme 4, acmehelp 2, globex 2)"
    assert len(snapshot(db)["posts"]) == 16
    assert [run["status"] for run in runs_of(config)] == ["ok", "ok"]


def runs_of(config: Path) -> list[dict]:
    result = invoke(config, "runs", "-f", "jsonl")
    return [json.loads(line) for line in result.stdout.splitlines()]
