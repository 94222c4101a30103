"""Hacker News source against the recorded Algolia responses, served on 127.0.0.1.

The recordings (tests/fixtures/hackernews/, see SOURCES.md) are from 2014 and hold one hit per
page with `nbPages: 1000`. Pagination tests serve them as consecutive pages of one search and
set `nbPages` to the number of pages served; an exhausted search is the same envelope with an
empty `hits` list (Algolia's published response shape). Every other key is as recorded.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from listencli import stored_ids

from earmark.config import Topic
from listen.base import AuthError, SourceError
from listen.hackernews import (
    HackerNewsSettings,
    HackerNewsSource,
    build_query,
    parse_hit,
    parse_search_page,
)
from listen.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "hackernews"
COMMENT = json.loads((FIXTURES / "search_by_date_comment_apple.json").read_text())
STORY = json.loads((FIXTURES / "search_story_apple.json").read_text())
ASK_HN = json.loads((FIXTURES / "search_ask_hn_page2_apple.json").read_text())
SEARCH = "/api/v1/search_by_date"
TOPIC = Topic(name="apple", terms=["apple", "#iphone", "steve jobs"])


def page_of(recording: dict, *, pages: int, page: int) -> dict:
    data = copy.deepcopy(recording)
    data["nbPages"], data["page"], data["nbHits"] = pages, page, pages
    return data


def empty_page() -> dict:
    data = copy.deepcopy(COMMENT)
    data["hits"], data["nbHits"], data["nbPages"] = [], 0, 0
    return data


def make_source(server, slept, **settings) -> HackerNewsSource:
    options = HackerNewsSettings(base_url=server.url("/api/v1"), **settings)
    http = HttpClient(
        "hackernews", max_requests=options.max_requests, sleep=slept.append, jitter=lambda: 0
    )
    return HackerNewsSource(options, env={}, http=http)


def serve_three_pages(server):
    server.add(SEARCH, json_body=page_of(COMMENT, pages=3, page=0), query={"page": "0"})
    server.add(SEARCH, json_body=page_of(ASK_HN, pages=3, page=1), query={"page": "1"})
    server.add(SEARCH, json_body=page_of(STORY, pages=3, page=2), query={"page": "2"})


def test_parse_comment_hit():
    post = parse_hit(COMMENT["hits"][0])
    assert post.id == "hackernews:7919418"
    assert post.text == (
        "Yeah the article seems stupid, while technically they aren't contributing to the "
        "scholarship they do pay tuition for the last 2 years.\nI'm not the biggest fan of "
        "starbucks, mostly because their coffee doesn't taste that good, however, I don't why "
        "what they've done shouldn't be applauded.\nIt's kinda funny that I see more people "
        "upset about the business practices of Starbucks/Wal-Mart than Lockheed Martin."
    )
    assert post.created_at == datetime(2014, 6, 20, 3, 32, 34, tzinfo=timezone.utc)
    assert post.author == "fleitz"
    assert post.author_reach is None  # HN has no follower counts
    assert post.url == "https://news.ycombinator.com/item?id=7919418"
    assert post.parent_id == "hackernews:7919290"
    assert post.thread_id == "hackernews:7918547"
    assert post.source == "hackernews"
    assert post.raw["story_title"] == "Starbucks admits it's not contributing to scholarship fund"
    assert "_highlightResult" not in post.raw  # search highlighting is not part of the post


def test_parse_link_story_hit_uses_title_and_link():
    post = parse_hit(STORY["hits"][0])
    assert post.id == "hackernews:2922756"
    assert post.text == (
        "Steve Jobs Resigns as CEO of Apple\n\n"
        "http://finance.yahoo.com/news/Steve-Jobs-Resigns-as-CEO-of-bw-19285464.html?x=0&.v=1"
    )
    assert post.parent_id is None
    assert post.thread_id == "hackernews:2922756"
    assert post.created_at == datetime(2011, 8, 24, 22, 37, 35, tzinfo=timezone.utc)


def test_parse_ask_hn_hit_uses_title_and_text():
    post = parse_hit(ASK_HN["hits"][0])
    assert post.text.startswith(
        "Ask HN: How many people upset over Apple's rules are actually iPhone developers?\n\n"
        "It would be interesting"
    )
    assert post.author == "jasongullickson"


def test_parse_search_page_rejects_a_payload_without_hits():
    with pytest.raises(SourceError) as caught:
        parse_search_page({"message": "oops"})
    assert str(caught.value) == "hackernews: unexpected search response (no `hits` list)"


def test_parse_hit_without_id_is_a_clear_error():
    hit = dict(COMMENT["hits"][0])
    del hit["objectID"]
    with pytest.raises(SourceError) as caught:
        parse_hit(hit)
    assert str(caught.value) == "hackernews: a search hit lacks 'objectID'; the API changed?"


def test_build_query_ors_the_terms():
    assert build_query(TOPIC) == {
        "query": 'apple iphone "steve jobs"',
        "optionalWords": "apple iphone steve jobs",
    }


def test_fetch_follows_pages_and_puts_the_cursor_on_the_last_batch(server, slept):
    serve_three_pages(server)
    batches = list(make_source(server, slept).fetch(TOPIC, "1200000000"))
    assert [[post.native_id for post in batch.posts] for batch in batches] == [
        ["7919418"],
        ["1256391"],
        ["2922756"],
    ]
    assert [batch.cursor for batch in batches] == [None, None, "1403235154"]
    first = server.requests[0]
    assert first.query == {
        "query": ['apple iphone "steve jobs"'],
        "optionalWords": ["apple iphone steve jobs"],
        "tags": ["(story,comment)"],
        "numericFilters": ["created_at_i>1200000000"],
        "hitsPerPage": ["100"],
        "page": ["0"],
    }
    assert [request.param("page") for request in server.requests] == ["0", "1", "2"]


def test_a_first_run_reads_the_newest_page_only(server, slept):
    serve_three_pages(server)
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert [([post.native_id for post in b.posts], b.cursor) for b in batches] == [
        (["7919418"], "1403235154")
    ]  # listening starts now, as on every source; --since reads back further
    assert [request.param("numericFilters") for request in server.requests] == ["created_at_i>0"]


def test_a_first_run_with_since_reads_back_that_far(server, slept):
    serve_three_pages(server)
    since = datetime(2008, 1, 1, tzinfo=timezone.utc)
    batches = list(make_source(server, slept).fetch(TOPIC, None, since=since))
    assert [post.native_id for batch in batches for post in batch.posts] == [
        "7919418",
        "1256391",
        "2922756",
    ]
    assert batches[-1].cursor == "1403235154"


def test_fetch_from_a_cursor_asks_only_for_newer_posts(server, slept):
    server.add(SEARCH, json_body=empty_page())
    batches = list(make_source(server, slept).fetch(TOPIC, "1403235154"))
    assert batches == []
    assert server.requests[0].param("numericFilters") == "created_at_i>1403235154"


def test_fetch_since_sets_the_floor_when_newer_than_the_cursor(server, slept):
    server.add(SEARCH, json_body=empty_page())
    since = datetime(2014, 6, 20, 0, 0, tzinfo=timezone.utc)
    list(make_source(server, slept).fetch(TOPIC, "1300000000", since=since))
    assert server.requests[0].param("numericFilters") == "created_at_i>1403222399"


def test_second_run_from_the_new_cursor_gets_only_newer_posts(server, slept):
    serve_three_pages(server)
    source = make_source(server, slept)
    cursor = [batch.cursor for batch in source.fetch(TOPIC, None) if batch.cursor][-1]
    newer = {"numericFilters": f"created_at_i>{cursor}", "page": "0"}
    server.add(SEARCH, json_body=empty_page(), query=newer)
    assert list(source.fetch(TOPIC, cursor)) == []


def test_budget_stop_on_a_later_run_keeps_the_old_cursor(server, slept):
    serve_three_pages(server)
    batches = list(make_source(server, slept, max_requests=2).fetch(TOPIC, "1200000000"))
    assert [[post.native_id for post in batch.posts] for batch in batches] == [
        ["7919418"],
        ["1256391"],
    ]
    assert [batch.cursor for batch in batches] == [None, None]  # older posts still unread
    assert len(server.requests) == 2


def test_budget_stop_on_the_first_run_starts_listening_from_the_newest(server, slept):
    serve_three_pages(server)
    batches = list(make_source(server, slept, max_requests=1).fetch(TOPIC, None))
    assert [(len(batch.posts), batch.cursor) for batch in batches] == [(1, "1403235154")]


def test_limit_stops_after_that_many_posts(server, slept):
    serve_three_pages(server)
    since = datetime(2008, 1, 1, tzinfo=timezone.utc)
    batches = list(make_source(server, slept).fetch(TOPIC, None, since=since, limit=2))
    assert [post.native_id for batch in batches for post in batch.posts] == ["7919418", "1256391"]
    assert batches[-1].cursor == "1403235154"
    assert len(server.requests) == 2


def test_429_with_retry_after_and_500_are_retried(server, slept):
    server.add(SEARCH, status=429, headers={"Retry-After": "2"})
    server.add(SEARCH, status=500)
    server.add(SEARCH, json_body=page_of(COMMENT, pages=1, page=0))
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert [batch.cursor for batch in batches] == ["1403235154"]
    assert slept == [2.0, 2.0]  # Retry-After, then backoff 1s * 2**1
    assert len(server.requests) == 3


def test_401_is_an_auth_error_without_retry(server, slept):
    server.add(SEARCH, status=401)
    with pytest.raises(AuthError) as caught:
        list(make_source(server, slept).fetch(TOPIC, None))
    assert str(caught.value) == (
        f"hackernews: 401 Unauthorized from {server.url(SEARCH)}; check the source's "
        "credentials (`earmark sources` shows which are set)"
    )
    assert len(server.requests) == 1
    assert slept == []


def test_malformed_page_fails_after_yielding_only_cursorless_batches(server, slept):
    server.add(SEARCH, json_body=page_of(COMMENT, pages=3, page=0), query={"page": "0"})
    server.add(SEARCH, "<html>oops</html>", query={"page": "1"}, content_type="text/html")
    source = make_source(server, slept)
    seen = []
    with pytest.raises(SourceError) as caught:
        for batch in source.fetch(TOPIC, "1200000000"):
            seen.append(batch)
    assert str(caught.value) == (
        f"hackernews: malformed JSON from {server.url(SEARCH)}: "
        "Expecting value: line 1 column 1 (char 0)"
    )
    assert [batch.cursor for batch in seen] == []  # the first page is held until the second


def test_constructor_builds_its_client_from_the_settings():
    source = HackerNewsSource(HackerNewsSettings(timeout=5, max_requests=3), env={})
    assert source.base_url == "https://hn.algolia.com/api/v1"
    assert (source.http.timeout, source.http.max_requests) == (5, 3)
    assert source.credentials() == {}


def run_cli(tmp_path, server, *extra):
    from click.testing import CliRunner

    from earmark.cli import cli

    config = tmp_path / "earmark.yaml"
    config.write_text(
        "topics:\n  - name: apple\n    terms: [apple]\n"
        f"sources:\n  hackernews:\n    base_url: {server.url('/api/v1')}\n",
        encoding="utf-8",
    )
    args = ["--db", str(tmp_path / "x.db"), "-c", str(config), "listen", *extra]
    return CliRunner().invoke(cli, args)


def test_cli_listen_stores_matching_posts_and_a_second_run_is_silent(server, tmp_path):
    serve_three_pages(server)
    newer = {"numericFilters": "created_at_i>1403235154", "page": "0"}
    server.add(SEARCH, json_body=empty_page(), query=newer)

    first = run_cli(tmp_path, server, "--source", "hackernews", "--since", "8000d")
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "hackernews: 2 new posts (apple 2)\n"
    # The comment only matched Algolia's prefix search ("applauded"): the local match drops it.
    assert stored_ids(tmp_path) == ["hackernews:1256391", "hackernews:2922756"]

    second = run_cli(tmp_path, server, "--source", "hackernews")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert server.requests[-1].param("numericFilters") == "created_at_i>1403235154"
    assert len(stored_ids(tmp_path)) == 2
