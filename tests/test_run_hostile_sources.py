"""`earmark run` against hostile HTTP sources (tests/hostile_http.py on 127.0.0.1), end to end:
a real `python -m earmark` subprocess with --max-duration ends, says why on stderr, records the
run, releases the lock, and the next run goes on. The subprocess `timeout=30` is the only clock:
it fails the test if a run hangs; nothing asserts how long a run took.

The feed is tests/fixtures/rss/heise_developer.atom (three entries; see fixtures/SOURCES.md).
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
from hostile_http import HostileServer
from killhelpers import run_earmark

from listen.base import SourceError
from listen.deadline import Deadline, deadline_scope
from listen.http import HttpClient
from listen.rss import RssSettings, RssSource

ATOM = (Path(__file__).parent / "fixtures" / "rss" / "heise_developer.atom").read_bytes()
HANG_BOUND = 30  # seconds: only to fail a run that hangs, never a measure


@pytest.fixture
def server():
    with HostileServer() as running:
        yield running


def write_config(tmp_path: Path, feeds: list[str], extra: str = "") -> Path:
    path = tmp_path / "earmark.yaml"
    path.write_text(
        "topics:\n  - name: dev\n    terms: [java, scrum, cordova]\n"
        f"sources:\n  rss:\n    feeds: {json.dumps(feeds)}\n{extra}",
        encoding="utf-8",
    )
    return path


def earmark(config: Path, *args: str):
    return run_earmark(config, config.parent / "e.db", *args, timeout=HANG_BOUND)


def last_run(config: Path) -> dict:
    done = earmark(config, "runs", "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[0]


def assert_lock_free(config: Path) -> None:
    fd = os.open(config.parent / "e.db.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if still held
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def test_run_max_duration_ends_a_trickling_source_and_the_next_run_reads_it(tmp_path, server):
    server.trickle("/feed", ATOM, every=1.0)  # one byte a second: 8 KB would take hours
    feed = server.url("/feed")
    config = write_config(tmp_path, [feed])

    done = earmark(config, "run", "--max-duration", "3s")

    assert done.returncode == 1  # its only source failed
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"rss: error: no complete response from {feed} before --max-duration; stopped, the "
        "rest is read next run",
        "run: stopped at --max-duration; the rest continues next run",
    ]
    assert server.requests == ["/feed"]  # a cut response is not retried past the deadline
    run = last_run(config)
    assert run["status"] == "failed"
    assert run["errors"] == {
        "rss": f"no complete response from {feed} before --max-duration; stopped, the rest is "
        "read next run"
    }
    assert_lock_free(config)
    sources = json.loads(earmark(config, "sources", "-f", "json").stdout)
    (rss,) = [row for row in sources if row["source"] == "rss"]
    assert rss["last_error"] == run["errors"]["rss"]

    server.respond("/feed", ATOM, headers={"Content-Type": "application/atom+xml"})
    healed = earmark(config, "run", "--max-duration", "3s")
    assert healed.returncode == 0, healed.stderr
    assert "rss: 3 new posts (dev 3)" in healed.stderr.splitlines()
    assert last_run(config)["status"] == "ok"


def test_a_trickling_source_next_to_a_healthy_one_makes_a_partial_run(tmp_path, server):
    server.respond("/good", ATOM, headers={"Content-Type": "application/atom+xml"})
    server.trickle("/hn/search_by_date", b'{"hits": []}' * 50, every=1.0)
    extra = f"  hackernews:\n    base_url: {server.url('/hn')}\n"
    config = write_config(tmp_path, [server.url("/good")], extra)

    done = earmark(config, "run", "--max-duration", "2s")

    assert done.returncode == 3
    lines = done.stderr.splitlines()
    assert lines[0] == "rss: 3 new posts (dev 3)"
    assert lines[-2:] == [
        f"hackernews: error: no complete response from {server.url('/hn/search_by_date')} "
        "before --max-duration; stopped, the rest is read next run",
        "run: stopped at --max-duration; the rest continues next run",
    ]
    assert last_run(config)["status"] == "partial"
    assert_lock_free(config)


def test_max_body_and_allowed_redirect_hosts_come_from_the_config(tmp_path, server):
    with HostileServer() as mirror:
        mirror.respond("/feed", ATOM, headers={"Content-Type": "application/atom+xml"})
        server.redirect("/moved", mirror.url("/feed"), status=301)
        server.huge("/huge", size=200_000_000)
        feeds = [server.url("/moved"), server.url("/huge")]
        extra = f"    max_body: 1MB\n    allow_redirect_hosts: ['127.0.0.1:{mirror.port}']\n"
        config = write_config(tmp_path, feeds, extra)

        done = earmark(config, "run")

        assert mirror.requests == ["/feed"]
    assert done.returncode == 1  # its only source failed: one of its feeds did
    assert (
        f"rss: error: the response from {server.url('/huge')} is over max_body (1MB; it is "
        "larger); raise max_body for this source if that is expected" in done.stderr.splitlines()
    )
    stored = json.loads(earmark(config, "posts", "-f", "json").stdout)
    assert len(stored) == 3  # the redirected feed was read and kept
    assert server.requests == ["/moved", "/huge"]


def test_a_redirect_to_another_port_fails_the_source_visibly(tmp_path, server):
    with HostileServer() as internal:
        port = internal.port
        server.redirect("/feed", internal.url("/admin"))
        config = write_config(tmp_path, [server.url("/feed")])
        done = earmark(config, "run")
        assert internal.requests == []
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"rss: error: {server.url('/feed')} redirects to 127.0.0.1:{port}, another host "
        "(list it in allow_redirect_hosts to follow it); not followed, check base_url"
    ]
    assert server.requests == ["/feed"]


def test_a_budget_spent_in_a_retry_fails_the_source_visibly(tmp_path, server):
    server.respond("/feed", status=503)
    config = write_config(tmp_path, [server.url("/feed")], "    max_requests: 1\n")
    done = earmark(config, "run")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"rss: error: HTTP 503 Service Unavailable from {server.url('/feed')}; the request "
        "budget of 1 is used up, so no retry this run (raise max_requests)"
    ]
    assert last_run(config)["status"] == "failed"


def test_a_bad_max_body_is_one_line(tmp_path, server):
    config = write_config(tmp_path, [server.url("/feed")], "    max_body: lots\n")
    done = earmark(config, "run")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "rss: error: max_body: invalid size 'lots': use a number of bytes or e.g. 20MB"
    ]
    assert server.requests == []


def test_the_deadline_stops_a_source_between_feeds_keeping_what_it_read(server):
    """The deadline passes while the first feed is served: the second is never asked for, the
    first one's posts are kept, and the deadline records that it cut the source short."""
    moment = [0.0]

    def first_feed_ends_past_the_deadline(handler) -> None:
        moment[0] = 100.0
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(ATOM)))
        handler.end_headers()
        handler.wfile.write(ATOM)

    server._route("/first", first_feed_ends_past_the_deadline)
    server.respond("/second", ATOM)
    settings = RssSettings(feeds=[server.url("/first"), server.url("/second")])
    source = RssSource(settings, http=HttpClient.for_settings("rss", settings))
    with deadline_scope(Deadline(10.0, clock=lambda: moment[0])) as deadline:
        batches = list(source.fetch(None, None))
    assert [len(batch.posts) for batch in batches] == [3]
    assert server.requests == ["/first"]
    assert deadline.hit


def test_a_source_error_is_still_raised_when_a_later_feed_hits_the_deadline(server):
    server.respond("/gone", status=404)
    server.stall("/stall", seconds=30)
    settings = RssSettings(feeds=[server.url("/gone"), server.url("/stall")])
    source = RssSource(settings)
    with deadline_scope(Deadline.after(1.0)):
        with pytest.raises(SourceError) as caught:
            list(source.fetch(None, None))
    assert str(caught.value).startswith(f"rss: HTTP 404 Not Found from {server.url('/gone')}")
    assert str(caught.value).endswith("(and 1 more feeds failed)")
