"""Mastodon source against statuses recorded from a Mastodon 4.6 server, served on 127.0.0.1.

Recordings: tests/fixtures/mastodon/ (see SOURCES.md). The `Link` and `X-RateLimit-*` headers
come from the `.meta.json` sidecars. No non-empty status search was recorded: search tests put
recorded Status objects into the recorded `{accounts, statuses, hashtags, collections}`
envelope, which is the published v2 search schema. A public-timeline page (same Status list
shape as a hashtag timeline) stands in for a busier hashtag page.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from listencli import run_cli, stored_ids

from earmark.config import Topic
from listen.base import AuthError, SourceError
from listen.http import HttpClient
from listen.mastodon import (
    MastodonSettings,
    MastodonSource,
    link_param,
    parse_link_header,
    parse_search,
    parse_status,
    snowflake_at,
)

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
HOOT = json.loads((FIXTURES / "timelines_tag_hoot.json").read_text())
PUBLIC = json.loads((FIXTURES / "timelines_public_anonymous.json").read_text())
REPLY = json.loads((FIXTURES / "status_reply.json").read_text())
EMPTY_SEARCH = json.loads((FIXTURES / "search_v2_statuses_empty.json").read_text())
HOOT_META = json.loads((FIXTURES / "timelines_tag_hoot.meta.json").read_text())
TAG = "/api/v1/timelines/tag/hoot"
SEARCH = "/api/v2/search"
TOPIC = Topic(name="owls", terms=["#hoot", "toot"])


def recorded_headers(meta: dict) -> dict[str, str]:
    return {name: values[0] for name, values in meta["headers"].items() if name != "content-type"}


def search_envelope(*statuses: dict) -> dict:
    return {**EMPTY_SEARCH, "statuses": list(statuses)}


def make_source(server, slept, env=None, **settings) -> MastodonSource:
    options = MastodonSettings(base_url=server.url(""), **settings)
    http = HttpClient(
        "mastodon", max_requests=options.max_requests, sleep=slept.append, jitter=lambda: 0
    )
    return MastodonSource(options, env=env or {}, http=http)


def ids(batches) -> list[list[str]]:
    return [[post.native_id for post in batch.posts] for batch in batches]


def test_parse_hashtag_status():
    post = parse_status(HOOT[0])
    assert post.id == "mastodon:117020593741189701"
    assert post.text == "#hoot (hashtag toot)"
    assert post.created_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=timezone.utc)
    assert post.url == "http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert (post.author, post.author_name, post.author_reach) == ("mastodonpy_test_2", None, 0)
    assert post.lang == "ja"
    assert post.parent_id is None
    assert post.raw["tags"] == [{"name": "hoot", "url": "http://localhost:3000/tags/hoot"}]


def test_parse_reply_status_keeps_its_parent_and_decodes_html():
    post = parse_status(REPLY)
    assert post.text == "@mastodonpy_test_2 same!"
    assert post.parent_id == "mastodon:117020583245459824"
    assert post.lang == "en"
    assert post.author == "admin"


def test_parse_public_timeline_entities_and_reach():
    posts = [parse_status(status) for status in PUBLIC]
    assert [(post.text, post.author_reach) for post in posts] == [
        ("Toot, finally!", 0),
        ("you can't say that on television", 1),
        ("it's cool guy too", 1),
    ]


def test_parse_boost_reads_the_boosted_status():
    boost = {**PUBLIC[0], "id": "1", "content": "", "reblog": REPLY}
    assert parse_status(boost).native_id == "117020583258292382"


def test_parse_status_without_id_is_a_clear_error():
    status = {key: value for key, value in HOOT[0].items() if key != "id"}
    with pytest.raises(SourceError) as caught:
        parse_status(status)
    assert str(caught.value) == "mastodon: a status lacks 'id'; the API changed?"


def test_parse_search_reads_statuses_and_rejects_other_shapes():
    assert parse_search(EMPTY_SEARCH) == []
    assert [post.native_id for post in parse_search(search_envelope(REPLY))] == [REPLY["id"]]
    with pytest.raises(SourceError) as caught:
        parse_search([])
    assert str(caught.value) == "mastodon: unexpected search response (no `statuses` list)"


def test_parse_recorded_link_header():
    links = parse_link_header(HOOT_META["headers"]["link"][0])
    assert link_param(links, "prev", "min_id") == "117020593741189701"
    assert link_param(links, "next", "max_id") == "117020593741189701"
    assert link_param(links, "last", "min_id") is None


def test_snowflake_at_matches_recorded_ids():
    # The recorded status 117020593741189701 was created at 2026-08-01T13:55:55.867Z.
    moment = datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=timezone.utc)
    assert abs((int(snowflake_at(moment)) >> 16) - (int(HOOT[0]["id"]) >> 16)) < 10  # ms


def test_first_run_reads_the_newest_hashtag_page_and_stores_its_cursor(server, slept):
    server.add(TAG, json_body=HOOT, headers=recorded_headers(HOOT_META))
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert ids(batches) == [["117020593741189701"]]
    assert json.loads(batches[0].cursor) == {"tag:hoot": "117020593741189701"}
    assert server.requests[0].query == {"limit": ["40"]}
    assert "Authorization" not in server.requests[0].headers


def test_later_run_follows_link_pagination_upwards_from_the_cursor(server, slept):
    older = "117020590000000000"
    server.add(TAG, json_body=HOOT, headers=recorded_headers(HOOT_META), query={"min_id": older})
    server.add(TAG, json_body=[], query={"min_id": "117020593741189701"})
    cursor = json.dumps({"tag:hoot": older})
    batches = list(make_source(server, slept, page_size=1).fetch(TOPIC, cursor))
    assert ids(batches) == [["117020593741189701"]]
    assert json.loads(batches[0].cursor) == {"tag:hoot": "117020593741189701"}
    assert [request.param("min_id") for request in server.requests] == [
        older,
        "117020593741189701",  # taken from the recorded Link rel="prev"
    ]


def test_a_page_is_yielded_oldest_first_with_a_cursor_at_its_newest(server, slept):
    server.add(TAG, json_body=PUBLIC)
    cursor = json.dumps({"tag:hoot": "117020500000000000"})
    batches = list(make_source(server, slept).fetch(TOPIC, cursor))
    assert ids(batches) == [["117020590477318485", "117020592137523525", "117020593134559451"]]
    assert json.loads(batches[0].cursor) == {"tag:hoot": "117020593134559451"}
    assert len(server.requests) == 1  # a short page means nothing newer is left


def test_since_on_a_first_run_starts_from_the_matching_snowflake(server, slept):
    server.add(TAG, json_body=[])
    since = datetime(2026, 8, 1, 13, 0, tzinfo=timezone.utc)
    list(make_source(server, slept).fetch(TOPIC, None, since=since))
    assert server.requests[0].param("min_id") == snowflake_at(since)


def test_configured_hashtags_are_read_with_the_topics_own(server, slept):
    server.add(TAG, json_body=[])
    server.add("/api/v1/timelines/tag/acme", json_body=[])
    source = make_source(server, slept, hashtags=["#acme", "hoot"])
    assert source.hashtags(TOPIC) == ["acme", "hoot"]
    list(source.fetch(TOPIC, None))
    assert [request.path for request in server.requests] == ["/api/v1/timelines/tag/acme", TAG]


def test_with_a_token_statuses_are_searched_with_bearer_auth(server, slept):
    server.add(TAG, json_body=[])
    server.add(SEARCH, json_body=search_envelope(REPLY))
    source = make_source(server, slept, env={"MASTODON_TOKEN": "tok-123456"})
    assert source.credentials() == {"MASTODON_TOKEN": True}
    batches = list(source.fetch(TOPIC, None))
    assert ids(batches) == [["117020583258292382"]]
    assert json.loads(batches[0].cursor) == {"search:toot": "117020583258292382"}
    search = server.requests_to(SEARCH)[0]
    assert search.query == {"q": ["toot"], "type": ["statuses"], "limit": ["40"], "offset": ["0"]}
    assert search.headers["Authorization"] == "Bearer tok-123456"
    assert server.requests_to(TAG)[0].headers["Authorization"] == "Bearer tok-123456"


def test_search_from_a_cursor_pages_by_offset_and_stores_the_cursor_last(server, slept):
    server.add(TAG, json_body=[])
    server.add(SEARCH, json_body=search_envelope(REPLY), query={"offset": "0"})
    server.add(SEARCH, json_body=EMPTY_SEARCH, query={"offset": "1"})
    cursor = json.dumps({"search:toot": "117020500000000000", "tag:hoot": "117020500000000000"})
    source = make_source(server, slept, env={"MASTODON_TOKEN": "tok-123456"}, page_size=1)
    batches = list(source.fetch(TOPIC, cursor))
    assert ids(batches) == [["117020583258292382"]]
    assert json.loads(batches[-1].cursor) == {
        "search:toot": "117020583258292382",
        "tag:hoot": "117020500000000000",
    }
    assert [r.param("min_id") for r in server.requests_to(SEARCH)] == ["117020500000000000"] * 2


def test_without_a_token_there_is_no_search(server, slept):
    server.add(TAG, json_body=[])
    source = make_source(server, slept)
    assert source.credentials() == {"MASTODON_TOKEN": False}
    list(source.fetch(TOPIC, None))
    assert server.requests_to(SEARCH) == []


def test_budget_stop_keeps_what_was_read(server, slept):
    server.add(TAG, json_body=HOOT)
    source = make_source(server, slept, hashtags=["hoot", "acme"], max_requests=1)
    batches = list(source.fetch(TOPIC, None))
    assert ids(batches) == [["117020593741189701"]]
    assert len(server.requests) == 1


def test_429_and_500_are_retried(server, slept):
    server.add(TAG, status=429, headers={"Retry-After": "3"})
    server.add(TAG, status=502)
    server.add(TAG, json_body=HOOT)
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert ids(batches) == [["117020593741189701"]]
    assert slept == [3.0, 2.0]


def test_401_is_an_auth_error_without_retry(server, slept):
    server.add(TAG, status=401, json_body={"error": "The access token is invalid"})
    source = make_source(server, slept, env={"MASTODON_TOKEN": "bad-token-1"})
    with pytest.raises(AuthError) as caught:
        list(source.fetch(TOPIC, None))
    assert str(caught.value) == (
        f"mastodon: 401 Unauthorized from {server.url(TAG)}; check the source's credentials "
        "(`earmark sources` shows which are set)"
    )
    assert len(server.requests) == 1


def test_malformed_payload_fails_before_any_batch(server, slept):
    server.add(TAG, json_body={"error": "Record not found"})
    with pytest.raises(SourceError) as caught:
        list(make_source(server, slept).fetch(TOPIC, None))
    assert str(caught.value) == (
        f"mastodon: unexpected response from {server.url(TAG)} (expected a list)"
    )


def test_malformed_json_after_a_good_page_keeps_only_the_stored_progress(server, slept):
    older = "117020590000000000"
    server.add(TAG, json_body=HOOT, headers=recorded_headers(HOOT_META), query={"min_id": older})
    server.add(TAG, "<html>Bad gateway</html>", query={"min_id": "117020593741189701"})
    source = make_source(server, slept, page_size=1)
    seen = []
    with pytest.raises(SourceError) as caught:
        for batch in source.fetch(TOPIC, json.dumps({"tag:hoot": older})):
            seen.append(batch)
    assert str(caught.value).startswith(f"mastodon: malformed JSON from {server.url(TAG)}: ")
    # The one batch before the failure carries a cursor that covers exactly its own posts.
    assert [json.loads(batch.cursor) for batch in seen] == [{"tag:hoot": "117020593741189701"}]


def test_cli_listen_stores_matching_posts_and_a_second_run_is_silent(server, tmp_path):
    server.add(TAG, json_body=HOOT, headers=recorded_headers(HOOT_META))
    server.add(TAG, json_body=[], query={"min_id": "117020593741189701"})
    config = (
        "topics:\n  - name: owls\n    terms: ['#hoot']\n"
        f"sources:\n  mastodon:\n    base_url: {server.url('')}\n"
    )
    env = {"MASTODON_TOKEN": None}  # None unsets it for the run

    first = run_cli(tmp_path, config, "--source", "mastodon", env=env)
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "mastodon: 1 new post (owls 1)\n"
    assert stored_ids(tmp_path) == ["mastodon:117020593741189701"]

    second = run_cli(tmp_path, config, "--source", "mastodon", env=env)
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert server.requests[-1].param("min_id") == "117020593741189701"
    assert stored_ids(tmp_path) == ["mastodon:117020593741189701"]


# --- issue #16: replies join their thread ------------------------------------------------------

PARENT_ID = REPLY["in_reply_to_id"]


def context_of(*ancestors: dict) -> dict:
    """Return a statuses/:id/context body (published Context schema: ancestors, descendants).

    Built, not recorded: the only recorded context (Mastodon.py's test_status_context) is
    empty. The ancestors are recorded Status objects with their ids set to form a thread.
    """
    return {"ancestors": list(ancestors), "descendants": []}


def test_a_status_that_replies_to_nothing_starts_its_own_thread():
    post = parse_status(HOOT[0])
    assert post.thread_id == "mastodon:117020593741189701"


def test_a_reply_alone_leaves_its_thread_to_the_lookup_and_keeps_its_parent():
    assert parse_status(REPLY).thread_id is None
    assert parse_status(REPLY).parent_id == f"mastodon:{PARENT_ID}"
    assert parse_status(REPLY, thread_root="5").thread_id == "mastodon:5"


def test_replies_get_the_first_status_of_their_context_as_thread(server, slept):
    root = {**PUBLIC[2], "id": "117020583000000000", "in_reply_to_id": None}
    parent = {**PUBLIC[1], "id": PARENT_ID, "in_reply_to_id": root["id"]}
    follow_up = {**PUBLIC[0], "id": "117020583300000000", "in_reply_to_id": REPLY["id"]}
    server.add(TAG, json_body=[follow_up, REPLY])  # newest first, as timelines come
    server.add(f"/api/v1/statuses/{REPLY['id']}/context", json_body=context_of(root, parent))
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    posts = [post for batch in batches for post in batch.posts]
    assert [(post.native_id, post.thread_id) for post in posts] == [
        (REPLY["id"], "mastodon:117020583000000000"),
        ("117020583300000000", "mastodon:117020583000000000"),  # no second lookup needed
    ]
    assert [request.path for request in server.requests] == [
        TAG,
        f"/api/v1/statuses/{REPLY['id']}/context",
    ]


def test_a_failed_or_unaffordable_lookup_keeps_the_reply_with_its_parent(server, slept):
    server.add(TAG, json_body=[REPLY])
    server.add(f"/api/v1/statuses/{REPLY['id']}/context", status=404)
    [batch] = make_source(server, slept).fetch(TOPIC, None)
    assert [(post.thread_id, post.parent_id) for post in batch.posts] == [
        (None, f"mastodon:{PARENT_ID}")
    ]
    # With one request left, the page gets it and no lookup is tried.
    server.requests.clear()
    [batch] = make_source(server, slept, max_requests=1).fetch(TOPIC, None)
    assert batch.posts[0].thread_id is None
    assert [request.path for request in server.requests] == [TAG]
    # threads: false turns the lookups off.
    server.requests.clear()
    [batch] = make_source(server, slept, threads=False).fetch(TOPIC, None)
    assert [request.path for request in server.requests] == [TAG]


# --- more recorded statuses (Mastodon.py cassettes, see SOURCES.md) -----------------------------


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_link_text_shortened_by_mastodon_is_stored_whole():
    post = parse_status(recorded("status_link_card.json"))
    assert post.text == "http://example.org/"
    assert post.thread_id == "mastodon:117020609135389699"


def test_a_poll_keeps_its_options_and_media_give_markers_when_there_is_no_text():
    poll = parse_status(recorded("status_poll.json"))
    assert poll.text == "nice\n\n- four twenty\n- sixty-nine"
    images = recorded("status_two_images.json")
    assert parse_status(images).text == "LOL check this out"
    images["content"] = ""  # the same status without its text (derived)
    assert parse_status(images).text == (
        "[image: John Lennon doing a funny walk] [image: hololives #1 detective, watson ameliachan]"
    )
    images["media_attachments"][0]["description"] = None
    assert parse_status(images).text.startswith("[image] [image: hololives")


def test_a_recorded_boost_is_read_as_the_status_it_boosts():
    boost = recorded("status_reblog.json")
    post = parse_status(boost)
    assert post.native_id == boost["reblog"]["id"] != boost["id"]
    assert post.author == boost["reblog"]["account"]["acct"]
    assert post.text == parse_status(boost["reblog"]).text != ""
