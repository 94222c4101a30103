"""Stack Exchange source against the recorded API 2.x search response, served on 127.0.0.1.

The recording (tests/fixtures/stackexchange/, see SOURCES.md) holds one question, without `body`
or `owner` (its filter left them out) and without `backoff`. Where a test needs those, it adds
them to a copy as the published API 2.3 schema defines them (`body` HTML from the `withbody`
filter, `owner.display_name`/`owner.reputation`, `backoff` seconds); a last page is the same
wrapper with `items: []` and `has_more: false`.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from listencli import run_cli, stored_ids

from earmark.config import Topic
from listen.base import AuthError, SourceError
from listen.http import HttpClient
from listen.stackexchange import (
    StackExchangeSettings,
    StackExchangeSource,
    parse_question,
    parse_search_page,
)

FIXTURES = Path(__file__).parent / "fixtures" / "stackexchange"
RECORDED = json.loads((FIXTURES / "search_questions_python_yield.json").read_text())
SEARCH = "/2.3/search/advanced"
TOPIC = Topic(name="py", terms=["yield"])
CREATED = "1224800471"


def last_page() -> dict:
    data = copy.deepcopy(RECORDED)
    data["items"], data["has_more"] = [], False
    return data


def make_source(server, slept, env=None, **settings) -> StackExchangeSource:
    options = StackExchangeSettings(base_url=server.url("/2.3"), **settings)
    http = HttpClient(
        "stackexchange", max_requests=options.max_requests, sleep=slept.append, jitter=lambda: 0
    )
    return StackExchangeSource(options, env=env or {}, http=http)


def test_parse_recorded_question():
    post = parse_question(RECORDED["items"][0], "stackoverflow")
    assert post.id == "stackexchange:stackoverflow/231767"
    assert post.text == 'What does the "yield" keyword do in Python?'
    assert post.created_at == datetime(2008, 10, 23, 22, 21, 11, tzinfo=timezone.utc)
    assert post.url == (
        "https://stackoverflow.com/questions/231767/what-does-the-yield-keyword-do-in-python"
    )
    assert (post.author, post.author_reach, post.lang) == (None, None, None)
    assert post.thread_id == "stackexchange:stackoverflow/231767"
    assert post.raw["tags"] == ["python", "iterator", "generator", "yield"]


def test_parse_question_with_body_and_owner():
    item = {
        **RECORDED["items"][0],
        "body": "<p>What is the use of the <code>yield</code> keyword?</p>",
        "owner": {"display_name": "Alex&#39;s", "reputation": 4567, "user_id": 18300},
    }
    post = parse_question(item, "ru.stackoverflow")
    assert post.text == (
        'What does the "yield" keyword do in Python?\n\nWhat is the use of the yield keyword?'
    )
    assert (post.author, post.author_name, post.author_reach) == ("Alex's", "Alex's", 4567)
    assert post.lang == "ru"


def test_parse_page_reads_has_more_and_rejects_error_shapes():
    posts, has_more = parse_search_page(RECORDED, "stackoverflow")
    assert [post.native_id for post in posts] == ["stackoverflow/231767"]
    assert has_more is True
    with pytest.raises(SourceError) as caught:
        parse_search_page({"error_id": 502, "error_name": "throttle_violation"}, "stackoverflow")
    assert str(caught.value) == "stackexchange: unexpected search response (no `items` list)"


def test_first_run_reads_the_newest_page_per_site_and_term(server, slept):
    server.add(SEARCH, json_body=RECORDED)
    source = make_source(server, slept, sites=["stackoverflow", "superuser"])
    batches = list(source.fetch(Topic(name="py", terms=["yield", "#generator"]), None))
    assert [batch.posts[0].native_id for batch in batches] == [
        "stackoverflow/231767",
        "stackoverflow/231767",
        "superuser/231767",
        "superuser/231767",
    ]
    assert json.loads(batches[-1].cursor) == {
        "stackoverflow|generator": CREATED,
        "stackoverflow|yield": CREATED,
        "superuser|generator": CREATED,
        "superuser|yield": CREATED,
    }
    assert server.requests[0].query == {
        "site": ["stackoverflow"],
        "q": ["yield"],
        "sort": ["creation"],
        "order": ["desc"],
        "pagesize": ["100"],
        "filter": ["withbody"],
        "page": ["1"],
    }
    assert len(server.requests) == 4  # one page each: has_more is ignored on a first run


def test_later_run_pages_upwards_from_the_cursor(server, slept):
    server.add(SEARCH, json_body=RECORDED, query={"page": "1"})
    server.add(SEARCH, json_body=last_page(), query={"page": "2"})
    cursor = json.dumps({"stackoverflow|yield": "1200000000"})
    batches = list(make_source(server, slept).fetch(TOPIC, cursor))
    assert [json.loads(batch.cursor) for batch in batches] == [{"stackoverflow|yield": CREATED}]
    assert [(r.param("fromdate"), r.param("order"), r.param("page")) for r in server.requests] == [
        ("1200000000", "asc", "1"),
        ("1200000000", "asc", "2"),
    ]


def test_since_starts_a_new_stream_from_that_time(server, slept):
    server.add(SEARCH, json_body=last_page())
    since = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert list(make_source(server, slept).fetch(TOPIC, None, since=since)) == []
    assert server.requests[0].param("fromdate") == "1704067200"
    assert server.requests[0].param("order") == "asc"


def test_the_key_comes_from_the_environment(server, slept):
    server.add(SEARCH, json_body=last_page())
    source = make_source(server, slept, env={"STACKEXCHANGE_KEY": "key-abcdef"})
    assert source.credentials() == {"STACKEXCHANGE_KEY": True}
    list(source.fetch(TOPIC, None))
    assert server.requests[0].param("key") == "key-abcdef"
    assert make_source(server, slept).credentials() == {"STACKEXCHANGE_KEY": False}


def test_backoff_field_delays_the_next_request(server, slept):
    with_backoff = {**RECORDED, "backoff": 10}
    server.add(SEARCH, json_body=with_backoff, query={"page": "1"})
    server.add(SEARCH, json_body=last_page(), query={"page": "2"})
    list(make_source(server, slept).fetch(TOPIC, json.dumps({"stackoverflow|yield": "1"})))
    assert slept == [10.0]


def test_used_up_quota_keeps_the_page_and_fails_for_what_is_left(server, slept):
    exhausted = {**RECORDED, "quota_remaining": 0}
    server.add(SEARCH, json_body=exhausted)
    source = make_source(server, slept)
    batches = []
    with pytest.raises(SourceError) as caught:
        for batch in source.fetch(Topic(name="py", terms=["yield", "generator"]), None):
            batches.append(batch)
    assert str(caught.value) == (
        "stackexchange: the daily API quota is used up (it resets at midnight UTC; an app key "
        "in the variable named by key_env gives a larger one); 1 of 2 site/term searches not "
        "read this run"
    )
    assert [len(batch.posts) for batch in batches] == [1, 0]
    assert json.loads(batches[-1].cursor) == {
        "stackoverflow|yield": CREATED,
        "~resume": "stackoverflow|generator",  # the next run starts with the one left out
    }
    assert len(server.requests) == 1


def test_used_up_quota_on_the_last_request_needed_is_no_failure(server, slept):
    server.add(SEARCH, json_body={**RECORDED, "quota_remaining": 0})
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert [len(batch.posts) for batch in batches] == [1]


def test_limit_caps_the_posts(server, slept):
    server.add(SEARCH, json_body=RECORDED)
    batches = list(
        make_source(server, slept).fetch(Topic(name="p", terms=["a", "b"]), None, limit=1)
    )
    assert sum(len(batch.posts) for batch in batches) == 1
    assert len(server.requests) == 1


def test_request_budget_stops_cleanly(server, slept):
    server.add(SEARCH, json_body=RECORDED)
    source = make_source(server, slept, max_requests=1)
    batches = list(source.fetch(Topic(name="p", terms=["a", "b"]), None))
    assert [len(batch.posts) for batch in batches] == [1, 0]
    assert json.loads(batches[-1].cursor)["~resume"] == "stackoverflow|b"
    assert len(server.requests) == 1


def test_429_and_500_are_retried(server, slept):
    server.add(SEARCH, status=429, headers={"Retry-After": "4"})
    server.add(SEARCH, status=500)
    server.add(SEARCH, json_body=RECORDED)
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert len(batches) == 1
    assert slept == [4.0, 2.0]


def test_403_is_an_auth_error_without_retry(server, slept):
    server.add(SEARCH, status=403, json_body={"error_id": 403, "error_name": "access_denied"})
    source = make_source(server, slept, env={"STACKEXCHANGE_KEY": "key-abcdef"})
    with pytest.raises(AuthError) as caught:
        list(source.fetch(TOPIC, None))
    assert str(caught.value) == (
        f"stackexchange: 403 Forbidden from {server.url(SEARCH)}; check the source's "
        "credentials (`earmark sources` shows which are set)"
    )
    assert "key-abcdef" not in str(caught.value)
    assert len(server.requests) == 1


def test_malformed_json_is_a_clear_error_and_yields_nothing(server, slept):
    server.add(SEARCH, '{"items": [', content_type="application/json")
    batches = []
    with pytest.raises(SourceError) as caught:
        for batch in make_source(server, slept).fetch(TOPIC, None):
            batches.append(batch)
    assert str(caught.value) == (
        f"stackexchange: malformed JSON from {server.url(SEARCH)}: "
        "Expecting value: line 1 column 12 (char 11)"
    )
    assert batches == []


def test_cli_listen_stores_matching_posts_and_a_second_run_is_silent(server, tmp_path):
    server.add(SEARCH, json_body=RECORDED)
    server.add(SEARCH, json_body=last_page(), query={"fromdate": CREATED})
    config = (
        "topics:\n  - name: py\n    terms: [yield]\n"
        f"sources:\n  stackexchange:\n    base_url: {server.url('/2.3')}\n"
    )
    env = {"STACKEXCHANGE_KEY": None}

    first = run_cli(tmp_path, config, "--source", "stackexchange", env=env)
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "stackexchange: 1 new post (py 1)\n"
    assert stored_ids(tmp_path) == ["stackexchange:stackoverflow/231767"]

    second = run_cli(tmp_path, config, "--source", "stackexchange", env=env)
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert server.requests[-1].param("fromdate") == CREATED
    assert len(stored_ids(tmp_path)) == 1
