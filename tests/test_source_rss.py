"""RSS/Atom source against recorded feeds (heise Atom, Reddit's legacy RSS), served on 127.0.0.1.

Recordings: tests/fixtures/rss/ (see SOURCES.md). No real Google Alerts feed was recorded, so
the Google redirect unwrapping is tested on a link of the documented form only.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from listencli import run_cli, stored_ids

from earmark.config import Topic
from earmark.models import to_iso
from listen.base import AuthError, SourceError
from listen.http import HttpClient
from listen.rss import RssSettings, RssSource, entry_native_id, parse_feed, unwrap_link

FIXTURES = Path(__file__).parent / "fixtures" / "rss"
HEISE = (FIXTURES / "heise_developer.atom").read_bytes()
REDDIT = (FIXTURES / "reddit_frontpage_legacy.rss").read_bytes()
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOPIC = Topic(name="dev", terms=["java"])
HEISE_NEWEST = "2016-02-01T16:22:00Z"  # published time of the WildFly entry


def make_source(server, slept, feeds, **settings) -> RssSource:
    options = RssSettings(feeds=[server.url(feed) for feed in feeds], **settings)
    http = HttpClient(
        "rss", max_requests=options.max_requests, sleep=slept.append, jitter=lambda: 0
    )
    return RssSource(options, env={}, http=http, now=lambda: NOW)


def serve_feeds(server):
    server.add("/heise.atom", HEISE, content_type="application/atom+xml")
    server.add("/reddit.rss", REDDIT, content_type="application/rss+xml; charset=UTF-8")


def test_parse_atom_feed_oldest_first_with_html_stripped():
    posts = parse_feed(HEISE, feed_url="http://x/feed", fallback=NOW)
    assert [post.native_id for post in posts] == [
        "http://heise.de/-3088372",
        "http://heise.de/-3088627",
        "http://heise.de/-3088438",
    ]
    post = posts[-1]
    assert post.id == "rss:http://heise.de/-3088438"
    assert post.text == (
        "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei\n\nDie nun verfügbare Version 10 des "
        "Enterprise-Java-Servers stellt die Basis für Red Hats kommerzielle JBoss Enterprise "
        "Application Platform 7 ist zugleich das dritte größere Release seit dem Namenswechsel "
        "des Open-Source-Projekts."
    )
    assert post.created_at == datetime(2016, 2, 1, 16, 22, tzinfo=timezone.utc)  # published
    assert post.url == (
        "http://www.heise.de/developer/meldung/Java-Anwendungsserver-Red-Hat-gibt-WildFly-10-"
        "frei-3088438.html?wt_mc=rss.developer.beitrag.atom"
    )
    assert post.author == "heise online"  # the feed-level author applies to its entries
    assert post.raw["feed"] == "http://x/feed"
    assert post.raw["published"] == "2016-02-01T17:22:00+01:00"


def test_parse_rss_feed():
    posts = parse_feed(REDDIT, feed_url="https://www.reddit.com/.rss", fallback=NOW)
    by_id = {post.native_id: post for post in posts}
    first = by_id[
        "https://www.reddit.com/r/funny/comments/3skxqc/the_water_is_too_deep_so_he_improvises/"
    ]
    assert first.created_at == datetime(2015, 11, 12, 21, 16, 39, tzinfo=timezone.utc)
    assert first.text == (
        "The water is too deep, so he improvises\n\nsubmitted by cakebeerandmorebeer to funny\n"
        "[link] [275 comments]"
    )
    assert first.raw["tags"] == ["funny"]


def test_not_a_feed_is_a_clear_error():
    with pytest.raises(SourceError) as caught:
        parse_feed(
            b"<html><body>Login</body></html>", feed_url="https://x.test/f?t=S", fallback=NOW
        )
    assert str(caught.value) == (
        "rss: https://x.test/f is not an RSS or Atom feed (no RSS or Atom elements); "
        "check the URL in sources.rss.feeds"
    )
    with pytest.raises(SourceError) as caught:
        parse_feed(HEISE[:200] + b"<<<", feed_url="https://x.test/f", fallback=NOW)
    assert str(caught.value).startswith("rss: https://x.test/f is not an RSS or Atom feed (")


def test_long_entry_ids_are_hashed_and_google_links_unwrapped():
    assert entry_native_id({"id": "tag:google.com,2013:googlealerts/feed:1"}) == (
        "tag:google.com,2013:googlealerts/feed:1"
    )
    hashed = entry_native_id({"id": "x" * 200})
    assert hashed.startswith("sha1-") and len(hashed) == 45
    assert entry_native_id({"link": "https://a.test/1"}) == "https://a.test/1"
    assert entry_native_id({}) is None
    assert (
        unwrap_link(
            "https://www.google.com/url?rct=j&sa=t&url=https://news.test/a%3Fb%3D1&ct=ga&cd=1&usg=x"
        )
        == "https://news.test/a?b=1"
    )
    assert unwrap_link("https://news.test/a") == "https://news.test/a"


def test_first_run_yields_every_entry_with_a_cursor_per_feed(server, slept):
    serve_feeds(server)
    source = make_source(server, slept, ["/heise.atom", "/reddit.rss"])
    batches = list(source.fetch(TOPIC, None))
    assert [len(batch.posts) for batch in batches] == [3, 3]
    assert json.loads(batches[0].cursor) == {server.url("/heise.atom"): HEISE_NEWEST}
    assert json.loads(batches[1].cursor) == {
        server.url("/heise.atom"): HEISE_NEWEST,
        server.url("/reddit.rss"): "2015-11-12T22:27:28Z",
    }
    assert server.requests[0].headers["Accept"].startswith("application/atom+xml")


def test_later_run_skips_entries_older_than_the_cursor_minus_grace(server, slept):
    serve_feeds(server)
    source = make_source(server, slept, ["/heise.atom"])
    late = to_iso(datetime(2016, 2, 2, 13, 0, tzinfo=timezone.utc))  # 1 day after 13:00 on 02-01
    batches = list(source.fetch(TOPIC, json.dumps({server.url("/heise.atom"): late})))
    # Only the two entries published within a day before the cursor are read again.
    assert [post.native_id for batch in batches for post in batch.posts] == [
        "http://heise.de/-3088627",
        "http://heise.de/-3088438",
    ]
    assert json.loads(batches[0].cursor) == {server.url("/heise.atom"): late}  # never moves back
    far = to_iso(datetime(2016, 2, 5, tzinfo=timezone.utc))
    assert list(source.fetch(TOPIC, json.dumps({server.url("/heise.atom"): far}))) == []


def test_since_filters_a_first_run(server, slept):
    serve_feeds(server)
    source = make_source(server, slept, ["/heise.atom"])
    since = datetime(2016, 2, 1, 13, 0, tzinfo=timezone.utc)
    batches = list(source.fetch(TOPIC, None, since=since))
    assert [len(batch.posts) for batch in batches] == [2]


def test_each_feed_is_downloaded_once_per_run(server, slept):
    serve_feeds(server)
    source = make_source(server, slept, ["/heise.atom"])
    list(source.fetch(TOPIC, None))
    list(source.fetch(Topic(name="other", terms=["scrum"]), None))
    assert len(server.requests) == 1


def test_limit_caps_the_posts(server, slept):
    serve_feeds(server)
    batches = list(
        make_source(server, slept, ["/heise.atom", "/reddit.rss"]).fetch(TOPIC, None, limit=2)
    )
    assert [len(batch.posts) for batch in batches] == [2]
    assert len(server.requests) == 1


def test_a_failing_feed_does_not_stop_the_others(server, slept):
    serve_feeds(server)
    server.add("/login", "<html><body>Sign in</body></html>", content_type="text/html")
    source = make_source(server, slept, ["/login", "/heise.atom"])
    batches = []
    with pytest.raises(SourceError) as caught:
        for batch in source.fetch(TOPIC, None):
            batches.append(batch)
    assert [len(batch.posts) for batch in batches] == [3]
    assert str(caught.value) == (
        f"rss: {server.url('/login')} is not an RSS or Atom feed (text/html is not an XML "
        "media type); "
        "check the URL in sources.rss.feeds"
    )


def test_several_failures_are_counted_in_one_line(server, slept):
    source = make_source(server, slept, ["/gone1", "/gone2"])
    with pytest.raises(SourceError) as caught:
        list(source.fetch(TOPIC, None))
    assert str(caught.value) == (
        f"rss: HTTP 404 Not Found from {server.url('/gone1')}; check base_url and the source's "
        "settings (and 1 more feeds failed)"
    )


def test_request_budget_stops_cleanly(server, slept):
    serve_feeds(server)
    batches = list(
        make_source(server, slept, ["/heise.atom", "/reddit.rss"], max_requests=1).fetch(
            TOPIC, None
        )
    )
    assert [len(batch.posts) for batch in batches] == [3]
    assert len(server.requests) == 1


def test_429_and_503_are_retried(server, slept):
    server.add("/heise.atom", status=429, headers={"Retry-After": "5"})
    server.add("/heise.atom", status=503)
    server.add("/heise.atom", HEISE, content_type="application/atom+xml")
    batches = list(make_source(server, slept, ["/heise.atom"]).fetch(TOPIC, None))
    assert [len(batch.posts) for batch in batches] == [3]
    assert slept == [5.0, 2.0]


def test_401_is_an_auth_error_without_retry(server, slept):
    server.add("/private.atom", status=401)
    with pytest.raises(AuthError):
        list(make_source(server, slept, ["/private.atom"]).fetch(TOPIC, None))
    assert len(server.requests) == 1


def test_settings_validate_feed_urls():
    from earmark.configload import FieldError

    with pytest.raises(FieldError):
        RssSettings(feeds=[]).validate()
    with pytest.raises(FieldError):
        RssSettings(feeds=["feed.xml"]).validate()
    RssSettings(feeds=["https://example.org/feed.xml"]).validate()


def test_cli_listen_stores_matching_posts_and_a_second_run_is_silent(server, tmp_path):
    serve_feeds(server)
    config = (
        "topics:\n  - name: java\n    terms: [java]\n"
        f"sources:\n  rss:\n    feeds:\n      - {server.url('/heise.atom')}\n"
        f"      - {server.url('/reddit.rss')}\n"
    )
    first = run_cli(tmp_path, config, "--source", "rss")
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "rss: 1 new post (java 1)\n"
    assert stored_ids(tmp_path) == ["rss:http://heise.de/-3088438"]

    second = run_cli(tmp_path, config, "--source", "rss")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert stored_ids(tmp_path) == ["rss:http://heise.de/-3088438"]


def test_a_feed_cut_off_mid_document_stores_nothing_and_is_read_again():
    """A truncated copy of the real heise recording: entries before the cut must not be kept,
    or the cursor would move past the entries lost after it."""
    from listen.rss import parse_feed

    whole = (Path(__file__).parent / "fixtures" / "rss" / "heise_developer.atom").read_bytes()
    cut = whole[: whole.rindex(b"<entry>") + 40]
    assert (
        len(parse_feed(whole, feed_url="https://x.example/f", fallback=datetime.now(timezone.utc)))
        == 3
    )
    with pytest.raises(SourceError) as error:
        parse_feed(cut, feed_url="https://x.example/f", fallback=datetime.now(timezone.utc))
    assert str(error.value).startswith("rss: https://x.example/f is not well-formed (")
    assert str(error.value).endswith("); nothing stored, it is read again next run")
