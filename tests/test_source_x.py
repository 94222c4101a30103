"""X source against recorded API v2 recent-search responses, served on 127.0.0.1.

Recordings: tweepy's cassette of `search/recent` (default fields, `next_token`, rate-limit
headers) and the v2 documentation example with `expansions=author_id` (see SOURCES.md).
The reach test puts the recorded users lookup (`users_public_metrics.json`, the same User
objects `user.fields=public_metrics` returns in `includes.users`) into a search response and
points one recorded tweet's `author_id` at one of them; only that value is changed.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from earmark.config import Topic
from listen.base import AuthError, MissingCredentials, SourceError
from listen.http import HttpClient
from listen.x import XSettings, XSource, parse_search_page, snowflake_time, to_search_query

FIXTURES = Path(__file__).parent / "fixtures" / "x_twitter"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAbearer-token-value"
ENV = {"X_BEARER_TOKEN": TOKEN}
SEARCH = "/2/tweets/search/recent"
TOPIC = Topic(name="tweepy", terms=["tweepy"])
NEXT = "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"  # the recorded next_token
RECORDED_RESET = 1665183229  # x-rate-limit-reset in the tweepy recording


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def recorded_headers() -> dict[str, str]:
    meta = load("search_recent_tweepy_2022.meta.json")
    return {key: values[0] for key, values in meta["headers"].items()}


@pytest.fixture
def sleeps():
    return []


def make_source(server, sleeps, env=ENV, now=None, **options) -> XSource:
    settings = XSettings(base_url=server.url(), **options)
    client = HttpClient(
        "x",
        sleep=sleeps.append,
        max_requests=settings.max_requests,
        clock=lambda: RECORDED_RESET - 20.0,
        jitter=lambda: 0.0,
    )
    return XSource(settings, env=env, client=client, now=now)


def add_tweepy_page(server, **options):
    server.add_file(
        SEARCH,
        FIXTURES / "search_recent_tweepy_2022.json",
        headers=options.pop("headers", recorded_headers()),
        content_type="application/json; charset=utf-8",
        **options,
    )


# -- parsing ----------------------------------------------------------------------------------


def test_parse_expanded_search_response():
    posts, next_token = parse_search_page(load("search_recent_expansions.json"))
    assert next_token is None
    assert [p.native_id for p in posts] == [
        "1276035977375477760",
        "1275882613572583424",
        "1275763727908798470",
        "1275653067283759104",
    ]
    first = posts[0]
    assert first.id == "x:1276035977375477760"
    assert (first.author, first.author_name) == ("happycamper", "Emily Waligoske 🏕")
    assert first.url == "https://x.com/happycamper/status/1276035977375477760"
    assert first.created_at == datetime(2020, 6, 25, 6, 14, 19, tzinfo=timezone.utc)
    assert first.lang == "en"
    assert first.parent_id == "x:1275653067283759104"
    assert first.thread_id == "x:1276035977375477760"  # no conversation_id in this recording
    assert first.author_reach is None  # these users were expanded without public_metrics
    assert first.raw["author"]["username"] == "happycamper"
    assert posts[2].lang is None  # "und": undetermined


def test_parse_reach_from_expanded_public_metrics():
    payload = load("search_recent_expansions.json")
    payload["includes"]["users"] = load("users_public_metrics.json")["data"]
    payload["data"][0]["author_id"] = "2244994945"  # TwitterDev, in the recorded users
    posts, _ = parse_search_page(payload)
    assert (posts[0].author, posts[0].author_reach) == ("TwitterDev", 514020)


def test_parse_default_fields_take_the_time_from_the_id():
    posts, next_token = parse_search_page(load("search_recent_tweepy_2022.json"))
    assert next_token == "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"
    assert len(posts) == 10
    first = posts[0]
    assert first.text == "2022-10-07 22:42:12.637103 tweepy"
    # The text was written at 22:42:12.637 by the recording script; the id says .752.
    assert first.created_at == datetime(2022, 10, 7, 22, 42, 12, 752000, tzinfo=timezone.utc)
    assert first.url == "https://x.com/i/web/status/1578516068309794817"
    assert first.author is None


def test_snowflake_time():
    assert snowflake_time("1578516068309794817").isoformat() == "2022-10-07T22:42:12.752000+00:00"


def test_empty_result_has_no_data_key():
    posts, token = parse_search_page({"meta": {"result_count": 0}})
    assert (posts, token) == ([], None)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"errors": [{"message": "x"}]}, "x: unexpected search response (no `meta`)"),
        ({"data": {"id": "1"}, "meta": {}}, "x: unexpected search response (`data` is not a list)"),
        (
            {"data": [{"id": "1"}], "meta": {}},
            "x: malformed tweet in the search response (KeyError('text'))",
        ),
    ],
)
def test_parse_rejects_malformed_payloads(payload, message):
    with pytest.raises(SourceError) as error:
        parse_search_page(payload)
    assert str(error.value) == message


def test_search_query_ors_terms_and_drops_retweets():
    topic = Topic(name="acme", terms=["acme", "acme help", "@acmehelp"], languages=["en"])
    assert to_search_query(topic) == '(acme OR "acme help" OR @acmehelp) lang:en -is:retweet'
    assert to_search_query(TOPIC, exclude_retweets=False) == "tweepy"


# -- fetching ---------------------------------------------------------------------------------


def test_fetch_sends_the_bearer_token_fields_and_expansions(server, sleeps):
    add_tweepy_page(server)
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None)
    (request,) = server.requests_to(SEARCH)  # a first run reads the newest page only
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.query == {
        "query": ["tweepy -is:retweet"],
        "expansions": ["author_id"],
        "tweet.fields": [
            "created_at,lang,conversation_id,referenced_tweets,in_reply_to_user_id,public_metrics,"
            "note_tweet"
        ],
        "user.fields": ["public_metrics,username,name"],
        "max_results": ["100"],
    }
    assert [p.native_id for p in batch.posts][:2] == ["1578511538419212288", "1578512041748627456"]
    assert batch.cursor == "1578516068309794817"  # the newest id: the next since_id
    assert sleeps == []


def test_fetch_follows_next_token_from_the_cursor(server, sleeps):
    add_tweepy_page(server)
    server.add_file(
        SEARCH,
        FIXTURES / "search_recent_expansions.json",
        query={"next_token": NEXT},
        content_type="application/json",
    )
    # The cursor (a tweet of 2020-06-08) is inside the 7-day window of that "now".
    now = datetime(2020, 6, 10, tzinfo=timezone.utc)
    (batch,) = make_source(server, sleeps, now=now).fetch(TOPIC, "1270000000000000000")
    requests = server.requests_to(SEARCH)
    assert [r.param("next_token") for r in requests] == [
        None,
        "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul",
    ]
    assert all(r.param("since_id") == "1270000000000000000" for r in requests)
    assert len(batch.posts) == 14
    assert batch.posts[0].native_id == "1275653067283759104"  # oldest first
    assert batch.cursor == "1578516068309794817"


def test_since_becomes_start_time_within_the_seven_day_window(server, sleeps):
    add_tweepy_page(server)
    server.add(SEARCH, json_body={"meta": {"result_count": 0}}, query={"next_token": NEXT})
    now = datetime(2022, 10, 8, 12, 0, tzinfo=timezone.utc)
    source = make_source(server, sleeps, now=now)
    list(source.fetch(TOPIC, None, since=datetime(2022, 10, 7, tzinfo=timezone.utc)))
    list(source.fetch(TOPIC, None, since=datetime(2022, 9, 1, tzinfo=timezone.utc)))
    starts = [r.param("start_time") for r in server.requests_to(SEARCH)]
    assert starts == [
        "2022-10-07T00:00:00Z",
        "2022-10-07T00:00:00Z",  # the next page of the same search
        "2022-10-01T12:01:00Z",
        "2022-10-01T12:01:00Z",
    ]  # clamped: recent search reaches back 7 days


def test_max_posts_caps_posts_read_per_run_across_topics(server, sleeps):
    add_tweepy_page(server)
    source = make_source(server, sleeps, max_posts=15)
    (batch,) = source.fetch(TOPIC, "1")
    assert len(batch.posts) == 10
    assert [r.param("max_results") for r in server.requests_to(SEARCH)] == ["15"]
    # 5 posts of budget left: less than the API's minimum page, so nothing more is read.
    assert list(source.fetch(Topic(name="other", terms=["other"]), None)) == []
    assert len(server.requests_to(SEARCH)) == 1
    assert source.posts_read == 10


def test_limit_asks_for_the_api_minimum_and_keeps_the_newest(server, sleeps):
    add_tweepy_page(server)
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None, limit=3)
    assert server.requests_to(SEARCH)[0].param("max_results") == "10"
    assert [p.native_id for p in batch.posts] == [
        "1578515061600964608",
        "1578515564971970560",
        "1578516068309794817",
    ]


def test_rate_limit_headers_pace_the_next_page(server, sleeps):
    add_tweepy_page(server, headers={**recorded_headers(), "x-rate-limit-remaining": "1"})
    server.add(
        SEARCH,
        json_body={"meta": {"result_count": 0}},
        query={"next_token": NEXT},
    )
    list(make_source(server, sleeps).fetch(TOPIC, "1"))
    assert sleeps == [10.0]  # 20s to the recorded reset, spread over the 1 (+1) requests left


def test_a_429_with_a_distant_reset_stops_with_what_was_read(server, sleeps):
    add_tweepy_page(server)
    server.add(
        SEARCH,
        status=429,
        json_body={"title": "Too Many Requests"},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(RECORDED_RESET + 900)},
        query={"next_token": NEXT},
    )
    (batch,) = make_source(server, sleeps).fetch(TOPIC, "1")
    assert len(batch.posts) == 10
    # Pages run newest first: the older posts of the next page are unread, so the cursor stays
    # where it was (moving it to the newest post read would skip them for good).
    assert batch.cursor is None
    assert sleeps == [1.0]  # one backoff, then the 15-minute window is not waited for


def test_a_401_is_an_auth_error_and_not_retried(server, sleeps):
    server.add(SEARCH, status=401, json_body={"title": "Unauthorized", "status": 401})
    with pytest.raises(AuthError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        f"x: 401 Unauthorized from {server.url(SEARCH)}; check the source's credentials "
        "(`earmark sources` shows which are set)"
    )
    assert TOKEN not in str(error.value)
    assert len(server.requests) == 1 and sleeps == []


def test_missing_token_names_the_variable(server, sleeps):
    with pytest.raises(MissingCredentials) as error:
        list(make_source(server, sleeps, env={}).fetch(TOPIC, None))
    assert str(error.value) == (
        "x: set X_BEARER_TOKEN (an app's bearer token from "
        "https://developer.x.com/en/portal/dashboard)"
    )
    assert server.requests == []


def test_a_cursor_that_is_not_an_id_is_a_clear_error(server, sleeps):
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, "2024-01-01"))
    assert str(error.value) == (
        "x: the stored cursor is not a tweet id; delete the x rows of the cursors table to "
        "start afresh"
    )


def test_malformed_json_is_a_source_error(server, sleeps):
    server.add(SEARCH, body="<html>", content_type="application/json")
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value).startswith(f"x: malformed JSON from {server.url(SEARCH)}: ")


def test_note_says_the_api_is_paid_and_credentials_are_names():
    assert "paid" in XSource.note and "max_posts" in XSource.note
    source = XSource(XSettings(), env={})
    assert source.credentials() == {"X_BEARER_TOKEN": False}


def test_reach_survives_into_the_posts_fetched(server, sleeps):
    payload = load("search_recent_expansions.json")
    payload["includes"]["users"] = load("users_public_metrics.json")["data"]
    for tweet in payload["data"]:
        tweet["author_id"] = "783214"
    server.add(SEARCH, json_body=copy.deepcopy(payload))
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None)
    assert {p.author_reach for p in batch.posts} == {58677711}


def test_since_still_bounds_the_posts_kept_when_a_cursor_exists(server, sleeps):
    server.add_file(
        SEARCH, FIXTURES / "search_recent_expansions.json", content_type="application/json"
    )
    since = datetime(2020, 6, 24, 12, 0, tzinfo=timezone.utc)
    now = datetime(2020, 6, 26, tzinfo=timezone.utc)
    cursor = "1275000000000000000"  # a tweet of 2020-06-22, within 7 days of now
    (batch,) = make_source(server, sleeps, now=now).fetch(TOPIC, cursor, since=since)
    assert server.requests_to(SEARCH)[0].param("since_id") == cursor
    assert [p.native_id for p in batch.posts] == [
        "1275763727908798470",
        "1275882613572583424",
        "1276035977375477760",
    ]
