"""Bluesky source: real postView/profileView objects inside the published searchPosts envelope.

No recorded `app.bsky.feed.searchPosts` response body exists (see tests/fixtures/SOURCES.md).
The envelope `{cursor, hitsTotal, posts: [postView]}` is built here from the published lexicon
(tests/fixtures/bluesky/lexicon_app.bsky.feed.searchPosts.json) around the REAL postView recorded
from getPostThread (`thread.post`, the same `app.bsky.feed.defs#postView` type). Where a test
needs several posts it copies that real object and changes only values (uri, createdAt, text,
author did) or adds a `record.reply` strong-ref pair as app.bsky.feed.post#replyRef defines it.
getProfiles responses are `{profiles: [profileViewDetailed]}` per the lexicon
(bluesky-social/atproto lexicons/app/bsky/actor/getProfiles.json), built from the REAL
profileView recorded by getFollows plus the lexicon's `followersCount` integer, which that
recording (a profileView, not a profileViewDetailed) lacks.
The session bodies follow com.atproto.server.createSession/refreshSession's published output
(`accessJwt`, `refreshJwt`, `handle`, `did`); error bodies are XRPC's `{error, message}`.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.config import Topic
from listen.base import AuthError, MissingCredentials, SourceError
from listen.bluesky import (
    BlueskySettings,
    BlueskySource,
    format_time,
    parse_post_view,
    parse_profiles,
    parse_search_page,
    parse_time,
)
from listen.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"
PASSWORD = "abcd-efgh-ijkl-mnop"
ENV = {"BLUESKY_HANDLE": "care.example.com", "BLUESKY_APP_PASSWORD": PASSWORD}
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
TOPIC = Topic(name="acme", terms=["acme"])
DID = "did:plc:kvwvcn5iqfooopmyzvb4qzba"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def real_post_view() -> dict:
    return load("get_post_thread_postview.json")["thread"]["post"]


def post_view(rkey: str, created: str, text: str = "", did: str = DID) -> dict:
    """Copy the real postView, changing only values."""
    view = real_post_view()
    view["uri"] = f"at://{did}/app.bsky.feed.post/{rkey}"
    view["author"]["did"] = did
    view["record"]["createdAt"] = created
    view["indexedAt"] = created
    view["record"]["text"] = text
    return view


def search_body(views: list[dict], cursor: str | None = None) -> dict:
    """The searchPosts output envelope, exactly as the lexicon declares it."""
    output = load("lexicon_app.bsky.feed.searchPosts.json")["defs"]["main"]["output"]["schema"]
    body: dict = {"posts": views, "hitsTotal": len(views)}
    if cursor:
        body["cursor"] = cursor
    assert set(body) <= set(output["properties"]) and set(output["required"]) <= set(body)
    return body


def profiles_body(followers: dict[str, int]) -> dict:
    """getProfiles output: the recorded profileView plus the lexicon's followersCount."""
    subject = load("get_follows_profileviews.json")["subject"]
    profiles = []
    for did, count in followers.items():
        profile = copy.deepcopy(subject)
        profile["did"] = did
        profile["followersCount"] = count
        profiles.append(profile)
    return {"profiles": profiles}


def session_body(n: int = 1) -> dict:
    return {
        "accessJwt": f"access-jwt-{n}-" + "a" * 20,
        "refreshJwt": f"refresh-jwt-{n}-" + "r" * 20,
        "handle": "care.example.com",
        "did": "did:plc:careaccount000000000000",
    }


@pytest.fixture
def sleeps():
    return []


def make_source(server, sleeps, env=ENV, **options) -> BlueskySource:
    settings = BlueskySettings(base_url=server.url(), **options)
    client = HttpClient("bluesky", sleep=sleeps.append, max_requests=settings.max_requests)
    return BlueskySource(settings, env=env, client=client)


# -- parsing ----------------------------------------------------------------------------------


def test_parse_the_recorded_post_view():
    post = parse_post_view(real_post_view())
    assert post.id == f"bluesky:at://{DID}/app.bsky.feed.post/3kaheyt6vpc22"
    assert post.url == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"
    assert (post.author, post.author_name) == ("test.marshal.dev", "Python SDK")
    # An image quote-post without text of its own is stored as its media, never empty.
    assert post.text == "[image]"
    assert post.lang == "en"
    assert post.created_at == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=timezone.utc)
    assert post.parent_id is None
    assert post.thread_id == post.id
    assert post.author_reach is None
    assert post.raw["cid"].startswith("bafyrei")


def test_parse_a_reply_keeps_parent_and_root():
    view = real_post_view()
    root = {"uri": f"at://{DID}/app.bsky.feed.post/root1", "cid": "bafyroot"}
    parent = {"uri": f"at://{DID}/app.bsky.feed.post/parent1", "cid": "bafyparent"}
    view["record"]["reply"] = {"root": root, "parent": parent}
    post = parse_post_view(view)
    assert post.parent_id == f"bluesky:{parent['uri']}"
    assert post.thread_id == f"bluesky:{root['uri']}"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-09-28T12:49:36.735Z", datetime(2023, 9, 28, 12, 49, 36, 735000)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1)),
        ("2024-01-01T01:00:00.123456789+01:00", datetime(2024, 1, 1, 0, 0, 0, 123456)),
        ("2024-01-01T00:00:00", datetime(2024, 1, 1)),
    ],
)
def test_parse_time_accepts_atproto_datetimes(text, expected):
    assert parse_time(text) == expected.replace(tzinfo=timezone.utc)


def test_format_time_uses_milliseconds_and_z():
    moment = datetime(2023, 9, 28, 12, 49, 36, 735999, tzinfo=timezone.utc)
    assert format_time(moment) == "2023-09-28T12:49:36.735Z"


def test_parse_search_page_returns_posts_and_cursor():
    found, cursor = parse_search_page(search_body([real_post_view()], cursor="page-2"))
    assert cursor == "page-2"
    ((post, moment),) = found
    assert moment == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=timezone.utc)


def test_parse_search_page_rejects_a_body_without_posts():
    with pytest.raises(SourceError) as error:
        parse_search_page({"error": "nope"})
    assert str(error.value) == "bluesky: unexpected searchPosts response (no `posts` list)"


def test_parse_search_page_rejects_a_post_view_without_record():
    view = real_post_view()
    del view["record"]
    with pytest.raises(SourceError) as error:
        parse_search_page(search_body([view]))
    assert str(error.value) == (
        "bluesky: malformed postView in the searchPosts response (KeyError('record'))"
    )


def test_parse_profiles_maps_did_to_followers():
    assert parse_profiles(profiles_body({DID: 1234})) == {DID: 1234}
    with pytest.raises(SourceError):
        parse_profiles([])


# -- fetching ---------------------------------------------------------------------------------


def test_fetch_creates_a_session_searches_and_adds_reach(server, sleeps):
    server.add(CREATE, json_body=session_body())
    server.add(SEARCH, json_body=search_body([real_post_view()], cursor="next-page"))
    server.add(PROFILES, json_body=profiles_body({DID: 4321}))
    topic = Topic(name="acme", terms=["acme help"], languages=["en"])

    (batch,) = make_source(server, sleeps).fetch(topic, None)

    (create,) = server.requests_to(CREATE)
    assert create.method == "POST"
    assert json.loads(create.body) == {"identifier": "care.example.com", "password": PASSWORD}
    (search,) = server.requests_to(SEARCH)  # a first run reads the newest page only
    assert search.query == {
        "q": ['"acme help"'],
        "sort": ["latest"],
        "limit": ["100"],
        "lang": ["en"],
    }
    assert search.headers["Authorization"] == "Bearer access-jwt-1-" + "a" * 20
    (profiles,) = server.requests_to(PROFILES)
    assert profiles.query == {"actors": [DID]}
    (post,) = batch.posts
    assert post.author_reach == 4321
    assert batch.cursor == "2023-09-28T12:49:36.735Z"


def test_fetch_pages_back_until_the_cursor_and_sends_since(server, sleeps):
    server.add(CREATE, json_body=session_body())
    newest = post_view("3new", "2024-05-02T10:00:00.000Z", "acme is down")
    middle = post_view("3mid", "2024-05-01T10:00:00.000Z", "acme?")
    older = post_view("3old", "2024-04-30T10:00:00.000Z", "acme old")
    server.add(SEARCH, json_body=search_body([newest], cursor="c2"))
    server.add(SEARCH, json_body=search_body([middle, older], cursor="c3"), query={"cursor": "c2"})
    server.add(PROFILES, json_body=profiles_body({DID: 10}))

    (batch,) = make_source(server, sleeps).fetch(TOPIC, "2024-05-01T00:00:00.000Z")

    searches = server.requests_to(SEARCH)
    assert [r.param("cursor") for r in searches] == [None, "c2"]  # c3 not needed: reached cursor
    assert all(r.param("since") == "2024-05-01T00:00:00.000Z" for r in searches)
    assert [p.text for p in batch.posts] == ["acme?", "acme is down"]  # oldest first
    assert batch.cursor == "2024-05-02T10:00:00.000Z"


def test_second_run_from_the_cursor_finds_only_the_cursor_post(server, sleeps):
    server.add(CREATE, json_body=session_body())
    view = post_view("3new", "2024-05-02T10:00:00.000Z", "acme is down")
    server.add(SEARCH, json_body=search_body([view]))
    server.add(PROFILES, json_body=profiles_body({DID: 10}))
    source = make_source(server, sleeps)
    (first,) = source.fetch(TOPIC, None)
    (second,) = source.fetch(TOPIC, first.cursor)
    assert second.cursor == first.cursor
    assert [p.id for p in second.posts] == [p.id for p in first.posts]  # store ignores repeat
    assert len(server.requests_to(CREATE)) == 1  # one session per run


def test_each_term_is_searched_and_duplicates_merge(server, sleeps):
    server.add(CREATE, json_body=session_body())
    shared = post_view("3both", "2024-05-02T10:00:00.000Z", "acme acmehelp")
    server.add(SEARCH, json_body=search_body([shared]), query={"q": "acme"})
    server.add(SEARCH, json_body=search_body([shared]), query={"q": "@acmehelp"})
    server.add(PROFILES, json_body=profiles_body({}))
    topic = Topic(name="acme", terms=["acme", "@acmehelp"])
    (batch,) = make_source(server, sleeps).fetch(topic, None)
    assert [r.param("q") for r in server.requests_to(SEARCH)] == ["acme", "@acmehelp"]
    assert len(batch.posts) == 1
    assert batch.posts[0].author_reach is None  # no profile came back for that author


def test_reach_is_looked_up_25_authors_per_call(server, sleeps):
    server.add(CREATE, json_body=session_body())
    dids = [f"did:plc:author{n:02d}" for n in range(30)]
    views = [
        post_view(f"3p{n:02d}", f"2024-05-01T10:00:{n:02d}.000Z", "acme", did)
        for n, did in enumerate(dids)
    ]
    server.add(SEARCH, json_body=search_body(views))
    server.add(PROFILES, json_body=profiles_body({did: 7 for did in dids[:25]}))
    server.add(PROFILES, json_body=profiles_body({did: 9 for did in dids[25:]}))
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None)
    calls = server.requests_to(PROFILES)
    assert [len(r.query["actors"]) for r in calls] == [25, 5]
    assert sorted({p.author_reach for p in batch.posts}) == [7, 9]


def test_a_failing_profile_lookup_keeps_the_posts(server, sleeps):
    server.add(CREATE, json_body=session_body())
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    server.add(
        PROFILES,
        status=404,
        json_body={"error": "NotFound", "message": "gone"},
        content_type="application/json",
    )
    (batch,) = make_source(server, sleeps).fetch(TOPIC, None)
    assert len(batch.posts) == 1 and batch.posts[0].author_reach is None


def test_reach_lookup_can_be_turned_off(server, sleeps):
    server.add(CREATE, json_body=session_body())
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    list(make_source(server, sleeps, reach=False).fetch(TOPIC, None))
    assert server.requests_to(PROFILES) == []


# -- sessions and errors ----------------------------------------------------------------------


def test_expired_access_token_is_refreshed_once(server, sleeps):
    server.add(CREATE, json_body=session_body(1))
    server.add(
        SEARCH, status=400, json_body={"error": "ExpiredToken", "message": "Token has expired"}
    )
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    server.add(REFRESH, json_body=session_body(2))
    (batch,) = make_source(server, sleeps, reach=False).fetch(TOPIC, None)
    assert len(batch.posts) == 1
    (refresh,) = server.requests_to(REFRESH)
    assert refresh.method == "POST"
    assert refresh.headers["Authorization"] == "Bearer refresh-jwt-1-" + "r" * 20
    auths = [r.headers["Authorization"] for r in server.requests_to(SEARCH)]
    assert auths == ["Bearer access-jwt-1-" + "a" * 20, "Bearer access-jwt-2-" + "a" * 20]
    assert len(server.requests_to(CREATE)) == 1


def test_an_expired_refresh_token_logs_in_again(server, sleeps):
    server.add(CREATE, json_body=session_body(1))
    server.add(CREATE, json_body=session_body(3))
    server.add(SEARCH, status=401, json_body={"error": "ExpiredToken", "message": "expired"})
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    server.add(REFRESH, status=400, json_body={"error": "ExpiredToken", "message": "expired"})
    (batch,) = make_source(server, sleeps, reach=False).fetch(TOPIC, None)
    assert len(batch.posts) == 1
    assert len(server.requests_to(CREATE)) == 2
    assert server.requests_to(SEARCH)[-1].headers["Authorization"] == (
        "Bearer access-jwt-3-" + "a" * 20
    )


def test_still_expired_after_refresh_is_an_auth_error(server, sleeps):
    server.add(CREATE, json_body=session_body(1))
    server.add(SEARCH, status=400, json_body={"error": "ExpiredToken", "message": "expired"})
    server.add(REFRESH, json_body=session_body(2))
    with pytest.raises(AuthError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        f"bluesky: 400 ExpiredToken from {server.url(SEARCH)}; "
        "check BLUESKY_HANDLE/BLUESKY_APP_PASSWORD"
    )


def test_a_wrong_app_password_is_an_auth_error_and_not_retried(server, sleeps):
    server.add(
        CREATE,
        status=401,
        json_body={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    with pytest.raises(AuthError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        f"bluesky: 401 Unauthorized from {server.url(CREATE)}: the handle and app password in "
        "BLUESKY_HANDLE/BLUESKY_APP_PASSWORD were refused; AuthenticationRequired Invalid "
        "identifier or password; check them"
    )
    assert PASSWORD not in str(error.value)
    assert len(server.requests) == 1 and sleeps == []


def test_missing_credentials_name_the_variables(server, sleeps):
    with pytest.raises(MissingCredentials) as error:
        list(
            make_source(server, sleeps, env={"BLUESKY_HANDLE": "x.bsky.social"}).fetch(TOPIC, None)
        )
    assert str(error.value) == (
        "bluesky: set BLUESKY_APP_PASSWORD (your handle and an app password from "
        "Settings > Privacy and security > App passwords)"
    )
    assert server.requests == []


def test_a_bad_query_is_reported_with_the_server_reason(server, sleeps):
    server.add(CREATE, json_body=session_body())
    server.add(SEARCH, status=400, json_body={"error": "BadQueryString", "message": "bad syntax"})
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value) == (
        f"bluesky: BadQueryString: bad syntax (HTTP 400 from {server.url(SEARCH)}); "
        "check the topic's terms and the source's settings"
    )


def test_malformed_json_is_a_source_error(server, sleeps):
    server.add(CREATE, json_body=session_body())
    server.add(SEARCH, body="{", content_type="application/json")
    with pytest.raises(SourceError) as error:
        list(make_source(server, sleeps).fetch(TOPIC, None))
    assert str(error.value).startswith(f"bluesky: malformed JSON from {server.url(SEARCH)}: ")


def test_rate_limit_headers_pace_the_next_request(server, sleeps):
    server.add(CREATE, json_body=session_body())
    newest = post_view("3new", "2024-05-02T10:00:00.000Z", "acme")
    older = post_view("3old", "2024-04-01T10:00:00.000Z", "acme")
    server.add(
        SEARCH,
        json_body=search_body([newest], cursor="c2"),
        headers={"RateLimit-Remaining": "1", "RateLimit-Reset": "20"},
    )
    server.add(SEARCH, json_body=search_body([older]), query={"cursor": "c2"})
    list(make_source(server, sleeps, reach=False).fetch(TOPIC, "2024-05-01T00:00:00Z"))
    assert sleeps == [10.0]


def test_credentials_report_names_not_values():
    source = BlueskySource(BlueskySettings(), env={"BLUESKY_HANDLE": "x"})
    assert source.credentials() == {"BLUESKY_HANDLE": True, "BLUESKY_APP_PASSWORD": False}


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone.utc),
    )
)
def test_format_then_parse_keeps_the_millisecond(moment):
    parsed = parse_time(format_time(moment))
    assert parsed == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert format_time(parsed) == format_time(moment)


# -- link facets: the full URL, not the shortened text (issue #16, item 9) -------------------


def link_facet(text: str, shown: str, uri: str) -> dict:
    """An app.bsky.richtext.facet (published lexicon): a UTF-8 byte range and a #link feature."""
    start = len(text[: text.index(shown)].encode("utf-8"))
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": start + len(shown.encode("utf-8"))},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }


def view_with_facets(text: str, facets: list) -> dict:
    """The recorded postView with this text and facets (clients write both this way)."""
    view = post_view("3kfacets", "2024-05-01T10:00:00.000Z", text)
    view["record"]["facets"] = facets
    return view


def test_shortened_link_text_is_stored_as_the_full_url():
    text = "Café 🎉 notes: drive.google.com/fi... and docs.example.com/a/very/lo…"
    full = "https://drive.google.com/file/d/1AbC/view?usp=sharing"
    other = "https://docs.example.com/a/very/long/path"
    facets = [
        link_facet(text, "drive.google.com/fi...", full),
        link_facet(text, "docs.example.com/a/very/lo…", other),
    ]
    post = parse_post_view(view_with_facets(text, facets))
    assert post.text == f"Café 🎉 notes: {full} and {other}"


def test_link_facets_keep_other_words_and_skip_bad_ranges():
    text = "read this post now"
    named = link_facet(text, "this post", "https://acme.example/status")
    bad = {**link_facet(text, "now", "https://x.example"), "index": {"byteStart": 9, "byteEnd": 99}}
    mention = {
        "index": {"byteStart": 0, "byteEnd": 4},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": DID}],
    }
    post = parse_post_view(view_with_facets(text, [named, bad, mention]))
    assert post.text == "read this post (https://acme.example/status) now"


@settings(max_examples=60)
@given(
    st.text(max_size=20),
    st.text(max_size=20),
    st.from_regex(r"[a-z]{1,10}\.example/[a-z0-9]{0,12}", fullmatch=True),
)
def test_any_text_around_a_shortened_link_keeps_its_characters(before, after, rest):
    uri = f"https://{rest}"
    shown = rest[: max(1, len(rest) // 2)] + "..."
    text = f"{before}{shown}{after}"
    start = len(before.encode("utf-8"))
    facet = {
        "index": {"byteStart": start, "byteEnd": start + len(shown.encode("utf-8"))},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }
    record = {"text": text, "facets": [facet]}
    from listen.bluesky_text import post_text

    assert post_text(record) == f"{before}{uri}{after}".strip()


def test_a_record_without_a_readable_createdat_takes_the_servers_time_not_the_runs():
    view = post_view("3knotime", "2024-05-01T10:00:00.000Z", "acme")
    view["record"]["createdAt"] = "yesterday"
    assert parse_post_view(view).created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    del view["indexedAt"]
    with pytest.raises(SourceError, match="malformed postView"):
        parse_search_page(search_body([view]))
