"""Reddit source against real recorded Listings (PRAW cassettes) served on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
from listencli import stored_ids

from earmark.config import Topic
from listen.base import AuthError, MissingCredentials, SourceError
from listen.http import HttpClient
from listen.reddit import RedditSettings, RedditSource, load_cursor, to_search_query
from listen.reddit_parse import parse_feed, parse_listing

FIXTURES = Path(__file__).parent / "fixtures" / "reddit"
SECRET = "s3cr3t-reddit-value-123"
ENV = {"REDDIT_CLIENT_ID": "client-id-abc", "REDDIT_CLIENT_SECRET": SECRET}
TOPIC = Topic(name="praw", terms=["praw", "oauth search"])


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def recorded_headers(name: str) -> dict[str, str]:
    """Return the recorded response headers of a fixture (first value of each)."""
    meta = load(name.replace(".json", ".meta.json"))
    return {key: values[0] for key, values in meta["headers"].items()}


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


@pytest.fixture
def sleeps():
    return []


def make_source(server, sleeps, env=ENV, **options) -> RedditSource:
    settings = RedditSettings(
        base_url=server.url(),
        auth_url=server.url("/api/v1/access_token"),
        rss_base_url=server.url(),
        **options,
    )
    client = HttpClient("reddit", sleep=sleeps.append, max_requests=settings.max_requests)
    return RedditSource(settings, env=env, client=client)


def add_token(server, **options):
    server.add(
        "/api/v1/access_token",
        json_body={"access_token": "tok-" + "x" * 20, "token_type": "bearer", "expires_in": 86400},
        **options,
    )


def add_listing(server, path, name, **options):
    server.add_file(
        path,
        FIXTURES / name,
        headers=recorded_headers(name)
        if (FIXTURES / name.replace(".json", ".meta.json")).exists()
        else None,
        content_type="application/json; charset=UTF-8",
        **options,
    )


# -- parsing -----------------------------------------------------------------------------------


def test_parse_search_listing_of_t3_posts():
    posts, after = parse_listing(load("search_r_all_2016.json"))
    assert after is None
    assert [p.id for p in posts] == ["reddit:t3_3gpbiu", "reddit:t3_3x4kt2", "reddit:t3_3b4erh"]
    first = posts[0]
    assert first.text.startswith("[PRAW][OAuth2Util] Problem using get_banned() : ra")
    assert "\n\n# solved\n\nProblem solved with this:" in first.text
    assert first.author == "dClauzel"
    assert first.created_at == utc(1439370514)
    assert first.url == (
        "https://www.reddit.com/r/redditdev/comments/3gpbiu/"
        "prawoauth2util_problem_using_get_banned_raise/"
    )
    assert (first.parent_id, first.thread_id) == (None, "reddit:t3_3gpbiu")
    assert first.author_reach is None
    assert first.raw["data"]["subreddit"] == "redditdev"
    assert first.source == "reddit"


def test_parse_comment_listing_keeps_parent_and_thread():
    posts, after = parse_listing(load("subreddit_comments_listing_2023.json"))
    assert after == "t1_k3uzsxu"
    first, _, third = posts
    assert first.id == "reddit:t1_k3yrfii"
    assert first.text == "Did it work?"
    assert first.parent_id == "reddit:t1_k3u4rtt"
    assert first.thread_id == "reddit:t3_agi5zf"
    assert third.parent_id == "reddit:t3_172thsp"  # a top-level comment answers the post
    assert third.thread_id == "reddit:t3_172thsp"


def test_parse_link_post_without_selftext_is_its_title():
    posts, after = parse_listing(load("listing_r_popular_hot_2026.json"))
    assert after == "t3_1sk79iw"
    assert posts[0].text == "Blursed_Self defence"


def test_parse_thread_context_drops_nested_reply_trees_from_raw():
    post_listing, comment_listing = load("comment_thread_context_2025.json")
    (post,), _ = parse_listing(post_listing)
    comments, _ = parse_listing(comment_listing)
    assert post.native_id.startswith("t3_")
    assert comments and all(c.thread_id == post.thread_id for c in comments)
    assert all(c.raw["data"]["replies"] == "" for c in comments)


def test_parse_listing_rejects_a_non_listing():
    with pytest.raises(SourceError) as error:
        parse_listing({"kind": "t3", "data": {}}, "r/acme/search")
    assert str(error.value) == "reddit: unexpected response from r/acme/search: not a Listing"


def test_parse_listing_rejects_an_item_without_its_time():
    payload = load("search_r_all_2016.json")
    del payload["data"]["children"][1]["data"]["created_utc"]
    with pytest.raises(SourceError) as error:
        parse_listing(payload, "search")
    assert str(error.value) == (
        "reddit: malformed item in the Listing from search (KeyError('created_utc') missing or bad)"
    )


def test_parse_legacy_rss_feed():
    """The current .rss feed is Atom; only the legacy RSS 2.0 shape is recorded (see SOURCES.md).

    feedparser maps both to the same entries, and parse_feed reads ids from either the Atom
    `<id>t3_...</id>` or, as here, the permalink.
    """
    posts = parse_feed((FIXTURES / "reddit_frontpage_legacy.rss").read_bytes())
    assert [p.id for p in posts] == ["reddit:t3_3skxqc", "reddit:t3_3sl82z", "reddit:t3_3sklpy"]
    water, ama, _ = posts
    assert water.text == "The water is too deep, so he improvises"
    assert water.author == "cakebeerandmorebeer"
    assert water.created_at == datetime(2015, 11, 12, 21, 16, 39, tzinfo=timezone.utc)
    assert water.url == (
        "https://www.reddit.com/r/funny/comments/3skxqc/the_water_is_too_deep_so_he_improvises/"
    )
    assert ama.text.startswith(
        "We are Aziz Ansari and Alan Yang from Master of None - Ask Us Anything\n\n"
        "It's Aziz Ansari."
    )
    assert "submitted by" not in ama.text
    assert ama.author == "azizansariAMA"
    assert water.raw["feed_entry"]["tags"] == ["funny"]


def test_parse_feed_rejects_garbage():
    with pytest.raises(SourceError) as error:
        parse_feed(b"<html><body>blocked</body")
    assert str(error.value).startswith("reddit: unreadable RSS feed (")


def test_search_query_ors_the_terms_and_quotes_phrases():
    assert to_search_query(TOPIC) == 'praw OR "oauth search"'


def test_unreadable_cursor_is_a_clear_error():
    with pytest.raises(SourceError) as error:
        load_cursor("t3_abc")
    assert str(error.value) == (
        "reddit: the stored cursor is not readable; delete the reddit rows of the cursors table "
        "to start afresh"
    )


# -- fetching over OAuth -----------------------------------------------------------------------


def test_fetch_gets_a_token_then_searches_the_subreddits_and_their_comments(server, sleeps):
    add_token(server)
    add_listing(server, "/r/redditdev+learnpython/search", "search_r_all_2016.json")
    add_listing(server, "/r/redditdev+learnpython/comments", "subreddit_comments_listing_2023.json")
    source = make_source(server, sleeps, subreddits=["redditdev", "r/learnpython"])

    batches = list(source.fetch(TOPIC, None))

    (token_request,) = server.requests_to("/api/v1/access_token")
    assert token_request.method == "POST"
    assert token_request.body == b"grant_type=client_credentials"
    basic = base64.b64encode(f"client-id-abc:{SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    assert token_request.headers["User-Agent"].startswith("python:earmark:")
    (search,) = server.requests_to("/r/redditdev+learnpython/search")
    assert search.query == {
        "q": ['praw OR "oauth search"'],
        "sort": ["new"],
        "t": ["all"],
        "type": ["link"],
        "restrict_sr": ["1"],
        "limit": ["100"],
        "raw_json": ["1"],
    }
    assert search.headers["Authorization"] == "bearer tok-" + "x" * 20
    # Without a cursor or --since, only the newest page of each stream is read.
    assert len(server.requests_to("/r/redditdev+learnpython/comments")) == 1
    (batch,) = batches
    assert [p.native_id for p in batch.posts] == [
        "t3_3b4erh",
        "t3_3gpbiu",
        "t3_3x4kt2",
        "t1_k3ynm7c",
        "t1_k3ynwqb",
        "t1_k3yrfii",
    ]  # oldest first
    assert json.loads(batch.cursor) == {"comments": 1696754768.0, "posts": 1450299786.0}
    assert sleeps == []  # the recorded x-ratelimit-remaining (599) needs no pacing


def test_fetch_site_wide_search_without_subreddits(server, sleeps):
    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    source = make_source(server, sleeps)
    (batch,) = source.fetch(TOPIC, None)
    assert len(batch.posts) == 3
    assert "restrict_sr" not in server.requests_to("/search")[0].query
    assert server.requests_to("/r/redditdev/comments") == []


def test_fetch_pages_back_with_after_until_the_cursor(server, sleeps):
    add_token(server)
    # Page 1 (2026 posts) ends with after=t3_1sk79iw; page 2 holds older posts, the last page.
    add_listing(server, "/search", "listing_r_popular_hot_2026.json")
    add_listing(server, "/search", "search_r_all_2016.json", query={"after": "t3_1sk79iw"})
    source = make_source(server, sleeps)
    cursor = json.dumps({"posts": 1440000000.0})  # between the 2015 posts of page 2

    (batch,) = source.fetch(TOPIC, cursor)

    assert [r.param("after") for r in server.requests_to("/search")] == [None, "t3_1sk79iw"]
    # Only posts at or after the cursor: 3x4kt2 (Dec 2015) and the 2026 page.
    assert [p.native_id for p in batch.posts] == [
        "t3_3x4kt2",
        "t3_1sk99af",
        "t3_1skcem4",
        "t3_1skdnbn",
    ]
    assert json.loads(batch.cursor) == {"posts": 1776092907.0}


def test_fetch_stops_paging_once_a_page_reaches_the_cursor(server, sleeps):
    add_token(server)
    add_listing(server, "/search", "listing_r_popular_hot_2026.json")
    source = make_source(server, sleeps)
    cursor = json.dumps({"posts": 1776090000.0})
    (batch,) = source.fetch(TOPIC, cursor)
    assert len(server.requests_to("/search")) == 1
    assert [p.native_id for p in batch.posts] == ["t3_1skcem4", "t3_1skdnbn"]


def test_second_fetch_with_the_stored_cursor_yields_only_the_cursor_post(server, sleeps):
    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    source = make_source(server, sleeps)
    (first,) = source.fetch(TOPIC, None)
    (second,) = source.fetch(TOPIC, first.cursor)
    # The cursor is inclusive (same-second posts are not lost); the store ignores the repeat.
    assert [p.native_id for p in second.posts] == ["t3_3x4kt2"]
    assert second.cursor == first.cursor
    assert len(server.requests_to("/api/v1/access_token")) == 1  # the token is reused


def test_limit_keeps_the_newest_posts(server, sleeps):
    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None, limit=2)
    assert [p.native_id for p in batch.posts] == ["t3_3gpbiu", "t3_3x4kt2"]


def test_since_bounds_the_first_run(server, sleeps):
    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    since = datetime(2015, 8, 1, tzinfo=timezone.utc)
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None, since=since)
    assert [p.native_id for p in batch.posts] == ["t3_3gpbiu", "t3_3x4kt2"]


def test_refresh_token_grant_when_set(server, sleeps):
    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    env = {**ENV, "REDDIT_REFRESH_TOKEN": "refresh-token-value-789"}
    list(make_source(server, sleeps, env=env).fetch(TOPIC, None))
    (token_request,) = server.requests_to("/api/v1/access_token")
    assert token_request.body == b"grant_type=refresh_token&refresh_token=refresh-token-value-789"


# -- rate limits, errors -----------------------------------------------------------------------


def test_paces_requests_when_the_rate_limit_is_nearly_used(server, sleeps):
    add_token(server)
    headers = {**recorded_headers("listing_r_popular_hot_2026.json")}
    headers.update({"x-ratelimit-remaining": "2.0", "x-ratelimit-reset": "30"})
    server.add_file("/search", FIXTURES / "listing_r_popular_hot_2026.json", headers=headers)
    add_listing(server, "/search", "search_r_all_2016.json", query={"after": "t3_1sk79iw"})
    source = make_source(server, sleeps)
    list(source.fetch(TOPIC, json.dumps({"posts": 1.0})))
    assert sleeps == [10.0]  # the 30s left in the window spread over the 2 (+1) requests left


def test_stops_cleanly_when_the_rate_limit_window_is_used_up(server, sleeps):
    add_token(server)
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "500"}
    server.add_file("/search", FIXTURES / "listing_r_popular_hot_2026.json", headers=headers)
    source = make_source(server, sleeps)
    (batch,) = source.fetch(TOPIC, json.dumps({"posts": 1.0}))
    assert len(batch.posts) == 3  # what was fetched is kept
    assert len(server.requests_to("/search")) == 1
    assert sleeps == []


def test_refused_credentials_are_an_auth_error_and_not_retried(server, sleeps):
    server.add(
        "/api/v1/access_token", status=401, json_body={"message": "Unauthorized", "error": 401}
    )
    source = make_source(server, sleeps)
    with pytest.raises(AuthError) as error:
        list(source.fetch(TOPIC, None))
    assert str(error.value) == (
        f"reddit: 401 Unauthorized from {server.url('/api/v1/access_token')}: the credentials "
        "in REDDIT_CLIENT_ID/REDDIT_CLIENT_SECRET were refused; check them"
    )
    assert SECRET not in str(error.value)
    assert len(server.requests) == 1
    assert sleeps == []


def test_a_token_response_without_a_token_is_an_auth_error(server, sleeps):
    server.add("/api/v1/access_token", json_body={"error": "invalid_grant"})
    with pytest.raises(AuthError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        "reddit: the token endpoint gave no access token (invalid_grant); "
        "check REDDIT_CLIENT_ID/REDDIT_CLIENT_SECRET"
    )


def test_api_403_is_an_auth_error_and_not_retried(server, sleeps):
    add_token(server)
    server.add("/search", status=403, json_body={"message": "Forbidden", "error": 403})
    with pytest.raises(AuthError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        f"reddit: 403 Forbidden from {server.url('/search')}; check the source's credentials "
        "(`earmark sources` shows which are set)"
    )
    assert len(server.requests_to("/search")) == 1


def test_malformed_json_is_a_source_error(server, sleeps):
    add_token(server)
    server.add("/search", body="{not json", content_type="application/json")
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value).startswith(f"reddit: malformed JSON from {server.url('/search')}: ")


def test_a_json_body_that_is_not_a_listing_is_a_source_error(server, sleeps):
    add_token(server)
    server.add("/search", json_body={"kind": "t2", "data": {}})
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        f"reddit: unexpected response from {server.url('/search').split('://')[1].split('/', 1)[1]}"
        ": not a Listing"
    )


def test_retries_a_503_then_succeeds(server, sleeps):
    add_token(server)
    server.add("/search", status=503, headers={"Retry-After": "2"})
    add_listing(server, "/search", "search_r_all_2016.json")
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None)
    assert len(batch.posts) == 3
    assert sleeps == [2.0]


# -- credentials and the RSS fallback ----------------------------------------------------------


def test_credentials_report_names_not_values():
    source = RedditSource(RedditSettings(), env=ENV)
    assert source.credentials() == {
        "REDDIT_CLIENT_ID": True,
        "REDDIT_CLIENT_SECRET": True,
        "REDDIT_REFRESH_TOKEN": False,
    }


def test_half_set_credentials_name_the_missing_variable(server, sleeps):
    source = make_source(server, sleeps, env={"REDDIT_CLIENT_ID": "abc"})
    with pytest.raises(MissingCredentials) as error:
        list(source.fetch(TOPIC, None))
    assert str(error.value) == (
        "reddit: set REDDIT_CLIENT_SECRET (an app's credentials from "
        "https://www.reddit.com/prefs/apps)"
    )
    assert server.requests == []


def test_no_credentials_without_fallback_names_both_variables(server, sleeps):
    source = make_source(server, sleeps, env={}, rss_fallback=False)
    with pytest.raises(MissingCredentials) as error:
        list(source.fetch(TOPIC, None))
    assert str(error.value) == (
        "reddit: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (an app's credentials from "
        "https://www.reddit.com/prefs/apps), or set rss_fallback: true to read the RSS feeds"
    )


def test_without_credentials_reads_the_rss_feeds_and_says_so_once(server, sleeps, caplog):
    """The recorded feed is the legacy RSS 2.0 shape; today's is Atom (feedparser reads both)."""
    server.add_file(
        "/r/funny+IAmA/search.rss",
        FIXTURES / "reddit_frontpage_legacy.rss",
        content_type="application/rss+xml",
    )
    server.add(
        "/r/funny+IAmA/comments.rss",
        body="<rss version='2.0'><channel/></rss>",
        content_type="application/rss+xml",
    )
    source = make_source(server, sleeps, env={}, subreddits=["funny", "IAmA"])
    with caplog.at_level(logging.INFO, logger="earmark.listen.reddit"):
        (batch,) = source.fetch(TOPIC, None)
        list(source.fetch(Topic(name="other", terms=["x"]), None))
    assert [p.native_id for p in batch.posts] == ["t3_3sklpy", "t3_3skxqc", "t3_3sl82z"]
    search = server.requests_to("/r/funny+IAmA/search.rss")[0]
    assert search.query == {
        "q": ['praw OR "oauth search"'],
        "sort": ["new"],
        "limit": ["100"],
        "restrict_sr": ["on"],
    }
    assert search.headers["User-Agent"].startswith("python:earmark:")
    assert server.requests_to("/api/v1/access_token") == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "reddit: REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET are not set; reading the public RSS "
        "feeds instead (fewer results)"
    ]


def test_settings_reject_a_bad_subreddit_and_a_secret_in_an_env_key():
    from earmark.configload import ConfigError, load_dataclass

    with pytest.raises(ConfigError) as error:
        load_dataclass(RedditSettings, {"subreddits": ["no spaces"]}, "sources.reddit")
    assert str(error.value) == "sources.reddit.subreddits: 'no spaces' is not a subreddit name"
    with pytest.raises(ConfigError) as error:
        load_dataclass(RedditSettings, {"client_secret_env": "hunter2-S3cret!"}, "sources.reddit")
    assert str(error.value) == (
        "sources.reddit.client_secret_env: must be the NAME of an environment variable "
        "(letters, digits and _), not the secret itself"
    )


def test_search_query_of_a_boolean_topic_ors_its_positive_words():
    topic = Topic(name="q", query='acme AND (refund* OR "money back") NOT spam')
    assert to_search_query(topic) == 'acme OR refund OR "money back"'


# -- `earmark listen --source reddit` end to end ----------------------------------------------


def write_config(tmp_path, server, terms) -> Path:
    path = tmp_path / "earmark.yaml"
    path.write_text(
        f"""
topics:
  - name: praw
    terms: {json.dumps(terms)}
sources:
  reddit:
    base_url: {server.url()}
    auth_url: {server.url("/api/v1/access_token")}
    rss_base_url: {server.url()}
""",
        encoding="utf-8",
    )
    return path


def listen(tmp_path, config, env):
    from click.testing import CliRunner

    from earmark.cli import cli

    args = ["--db", str(tmp_path / "x.db"), "-c", str(config), "listen", "--source", "reddit"]
    return CliRunner().invoke(cli, args, env=env)


def test_cli_listen_with_credentials_stores_posts_and_a_second_run_is_silent(server, tmp_path):
    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    config = write_config(tmp_path, server, ["praw"])

    first = listen(tmp_path, config, ENV)
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "reddit: 3 new posts (praw 3)\n"
    assert stored_ids(tmp_path) == ["reddit:t3_3b4erh", "reddit:t3_3gpbiu", "reddit:t3_3x4kt2"]

    second = listen(tmp_path, config, ENV)
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert len(stored_ids(tmp_path)) == 3
    assert second.stderr == ""
    # The second run resumed from the stored cursor (the newest post's time).
    assert len(server.requests_to("/search")) == 2


def test_cli_listen_without_credentials_reads_rss_and_says_so_once(server, tmp_path):
    """The recorded feed is the legacy RSS 2.0 shape; today's is Atom (feedparser reads both).

    The first run is a real `python -m earmark` process, so its stderr is exactly what a person
    or cron sees (pytest's log capture would swallow the notice under CliRunner).
    """
    import os
    import subprocess
    import sys

    server.add_file(
        "/search.rss", FIXTURES / "reddit_frontpage_legacy.rss", content_type="application/rss+xml"
    )
    config = write_config(tmp_path, server, ["netflix"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDDIT_", "EARMARK_"))}
    args = ["--db", str(tmp_path / "x.db"), "-c", str(config), "listen", "--source", "reddit"]

    first = subprocess.run(
        [sys.executable, "-m", "earmark", *args], env=env, capture_output=True, text=True
    )
    assert (first.returncode, first.stdout) == (0, "")
    assert first.stderr == (
        "reddit: REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET are not set; reading the public RSS "
        "feeds instead (fewer results)\n"
        "reddit: 1 new post (praw 1)\n"
    )
    assert stored_ids(tmp_path) == ["reddit:t3_3sl82z"]
    assert server.requests_to("/api/v1/access_token") == []

    second = listen(tmp_path, config, dict.fromkeys(ENV))  # None unsets them for the run
    assert (second.exit_code, second.stdout) == (0, "")
    assert stored_ids(tmp_path) == ["reddit:t3_3sl82z"]
    assert len(server.requests_to("/search.rss")) == 2


def test_recorded_rate_limit_headers_are_read(server, sleeps, caplog):
    add_token(server)
    add_listing(server, "/r/acme/comments", "subreddit_comments_listing_2023.json")
    server.add("/r/acme/search", json_body={"kind": "Listing", "data": {"children": []}})
    source = make_source(server, sleeps, subreddits=["acme"])
    with caplog.at_level(logging.DEBUG, logger="earmark.listen.reddit"):
        list(source.fetch(TOPIC, None))
    assert "reddit: rate limit used 1, remaining 599.0, resets in 525s" in caplog.messages
    assert source.client.quota_remaining == 599.0


def test_a_refused_refresh_token_names_its_variable(server, sleeps):
    server.add("/api/v1/access_token", status=400, json_body={"error": "invalid_grant"})
    env = {"REDDIT_CLIENT_ID": "client-id-abc", "REDDIT_REFRESH_TOKEN": "refresh-token-789xyz"}
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps, env=env).fetch(TOPIC, None))
    assert str(error.value) == (
        f"reddit: HTTP 400 Bad Request from {server.url('/api/v1/access_token')}; invalid_grant; "
        "check the credentials in REDDIT_CLIENT_ID/REDDIT_REFRESH_TOKEN and base_url"
    )


# --- issue #16: permalinks built from ids, Reddit's User-Agent format ---------------------------


def without_permalinks(name: str) -> dict:
    """The recorded Listing with `permalink` removed from every item (derived, not recorded:
    comment search and /api/info listings, and older recordings, come without it)."""
    payload = load(name)
    for child in payload["data"]["children"]:
        child["data"].pop("permalink", None)
    return payload


def test_items_without_permalink_get_one_built_from_their_ids():
    recorded, _ = parse_listing(load("subreddit_comments_listing_2023.json"))
    built, _ = parse_listing(without_permalinks("subreddit_comments_listing_2023.json"))
    assert [post.url for post in built] == [
        "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/agi5zf/_/k3yrfii/",
        "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/172thsp/_/k3ynwqb/",
        "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/172thsp/_/k3ynm7c/",
    ]
    # Same post id and comment id as the recorded permalink; only the title slug differs.
    for old, new in zip(recorded, built, strict=True):
        assert old.url.split("/")[:7] == new.url.split("/")[:7]
        assert old.url.split("/")[-2] == new.url.split("/")[-2]
    posts, _ = parse_listing(without_permalinks("search_r_all_2016.json"))
    assert posts[0].url == "https://www.reddit.com/r/redditdev/comments/3gpbiu/"


def test_recorded_permalinks_are_used_without_their_query():
    posts, _ = parse_listing(load("search_r_all_2016.json"))
    assert posts[0].url == (
        "https://www.reddit.com/r/redditdev/comments/3gpbiu/"
        "prawoauth2util_problem_using_get_banned_raise/"
    )


def test_username_gives_the_user_agent_reddit_asks_for(server, sleeps):
    from earmark import __version__

    add_token(server)
    add_listing(server, "/search", "search_r_all_2016.json")
    list(make_source(server, sleeps, username="/u/acme_care").fetch(TOPIC, None))
    agents = {request.headers["User-Agent"] for request in server.requests}
    assert agents == {f"python:earmark:{__version__} (by /u/acme_care)"}
    own = RedditSettings(username="acme_care", user_agent="web:acme-listener:2.0 (by /u/x)")
    assert own.agent == "web:acme-listener:2.0 (by /u/x)"
    with pytest.raises(ValueError, match="is not a Reddit username"):
        RedditSettings(username="not a name").validate()


def test_earmark_sources_says_how_to_set_the_user_agent(tmp_path):
    from click.testing import CliRunner

    from earmark.cli import cli

    (tmp_path / "earmark.yaml").write_text("topics:\n  - name: a\n    terms: [a]\n", "utf-8")
    result = CliRunner().invoke(
        cli,
        ["-c", str(tmp_path / "earmark.yaml"), "--db", str(tmp_path / "x.db"), "sources"]
        + ["-f", "json"],
    )
    assert result.exit_code == 0, result.output
    [reddit] = [row for row in json.loads(result.stdout) if row["source"] == "reddit"]
    assert reddit["note"].endswith(
        "set `username:` (your Reddit name) so the User-Agent says `(by /u/name)` as Reddit's "
        "rules ask"
    )


def test_recorded_comments_without_permalink_get_their_page():
    # /api/info and ?context= responses recorded by PRAW (2016, 2017) carry no permalink.
    [comment], _ = parse_listing(load("api_info_comment_2016.json"))
    assert comment.url == "https://www.reddit.com/r/redditdev/comments/2gmzqe/_/cklhv0f/"
    assert comment.thread_id == "reddit:t3_2gmzqe"
    post_listing, comments_listing = load("comment_chain_context_2017.json")
    [post], _ = parse_listing(post_listing)
    assert post.url == "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/6otocc/comment_chain/"
    [top], _ = parse_listing(comments_listing)
    assert top.url == "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/6otocc/_/dkk4qc2/"
    assert (top.parent_id, top.thread_id) == ("reddit:t1_dkk4q9z", "reddit:t3_6otocc")


def test_legacy_escaping_without_raw_json_is_undone():
    # Derived: the recorded listing escaped as Reddit does without raw_json=1 (& < > only).
    payload = load("search_r_all_2016.json")
    data = payload["data"]["children"][0]["data"]
    data["title"] = "Q&amp;A: &lt;module&gt; &amp;amp; more"
    [first, *_], _ = parse_listing(payload)
    assert first.text.startswith("Q&A: <module> &amp; more\n\n")


def test_the_rss_fallback_notice_is_given_once_not_on_every_cron_run(server, tmp_path):
    """Two real `python -m earmark listen` processes: the second, with nothing new, is silent.

    A topic whose feed has nothing yet still remembers the notice (an empty feed run first).
    """
    import os
    import subprocess
    import sys

    server.add(
        "/search.rss",
        body="<rss version='2.0'><channel/></rss>",
        content_type="application/rss+xml",
    )
    config = write_config(tmp_path, server, ["netflix"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDDIT_", "EARMARK_"))}
    args = ["--db", str(tmp_path / "x.db"), "-c", str(config), "listen", "--source", "reddit"]

    def run():
        done = subprocess.run(
            [sys.executable, "-m", "earmark", *args], env=env, capture_output=True, text=True
        )
        assert (done.returncode, done.stdout) == (0, "")
        return done.stderr

    notice = (
        "reddit: REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET are not set; reading the public RSS "
        "feeds instead (fewer results)\n"
    )
    assert run() == notice
    assert run() == ""
    assert run() == ""
    assert len(server.requests_to("/search.rss")) == 3
