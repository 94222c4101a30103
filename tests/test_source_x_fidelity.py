"""X: what issue #16 found wrong (entities, long posts, `in`, stale cursors, error bodies).

No public recording holds an escaped `&amp;`, a `note_tweet` or an `in` language, nor X's 400 for
a too-old `since_id`: these tests take the recorded v2 response (search_recent_expansions.json,
see SOURCES.md) and change, in a copy, only the fields X's published v2 schema documents
(`text` is HTML-escaped for `&`, `<`, `>`; `note_tweet.text` holds the whole text of a post over
280 characters; `lang` is X's code, `in` for Indonesian). The 400 body is X's documented
`invalid-request` problem, with the message X sends for a since_id older than its window.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from dbconn import db_connect
from httpserver import LocalServer
from listencli import run_cli, stored_ids

from earmark.config import Topic
from listen.base import SourceError
from listen.http import HttpClient
from listen.x import XSettings, XSource, parse_search_page, to_search_query

FIXTURES = Path(__file__).parent / "fixtures" / "x_twitter"
RECORDED = json.loads((FIXTURES / "search_recent_expansions.json").read_text(encoding="utf-8"))
ENV = {"X_BEARER_TOKEN": "AAAAAAAAAAAAAAAAAAAAAbearer-token-value"}
SEARCH = "/2/tweets/search/recent"
NOW = datetime(2020, 6, 26, tzinfo=timezone.utc)  # a day after the newest recorded tweet
FRESH_CURSOR = "1275000000000000000"  # a tweet of 2020-06-22: inside the 7-day window
STALE_CURSOR = "1270000000000000000"  # a tweet of 2020-06-08: outside it
LONG = (
    "Our status page lists every incident since 2019, so here is the long version of what "
    "happened today with the API & the search endpoints: " + "details " * 40 + "the end."
)
SINCE_ID_REFUSED = {
    "errors": [
        {
            "parameters": {"since_id": [STALE_CURSOR]},
            "message": "Invalid 'since_id':'1270000000000000000'. 'since_id' must be a tweet id "
            "created after 2020-06-19T00:01Z. Please use a 'since_id' that is larger than "
            "1273796935155924992",
        }
    ],
    "title": "Invalid Request",
    "detail": "One or more parameters to your request was invalid.",
    "type": "https://api.twitter.com/2/problems/invalid-request",
}


def with_changes() -> dict:
    """The recording with an escaped ampersand, an `in` post and a long post."""
    payload = copy.deepcopy(RECORDED)
    first, second = payload["data"][0], payload["data"][1]
    first["text"] = "AT&amp;T &lt;3 and &amp;lt; stays written, says @snowman"
    first["lang"] = "in"
    second["text"] = LONG[:277] + "…"
    second["note_tweet"] = {"text": LONG.replace("&", "&amp;")}
    return payload


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


def make_source(server, **options) -> XSource:
    settings = XSettings(base_url=server.url(), **options)
    client = HttpClient(
        "x", sleep=lambda _: None, max_requests=settings.max_requests, jitter=lambda: 0.0
    )
    return XSource(settings, env=ENV, client=client, now=NOW)


def test_text_is_unescaped_and_long_posts_are_whole():
    """Issue #16.3."""
    posts, _ = parse_search_page(with_changes())
    by_id = {post.native_id: post for post in posts}
    assert by_id["1276035977375477760"].text == (
        "AT&T <3 and &lt; stays written, says @snowman"
    )  # one pass: what the author typed as "&lt;" stays
    assert by_id["1275882613572583424"].text == LONG
    assert len(LONG) > 280


def test_platform_language_codes_become_bcp47():
    """Issue #16.4: X's `in` is Indonesian, `id` in BCP-47; `und` is no language."""
    posts, _ = parse_search_page(with_changes())
    langs = {post.native_id: post.lang for post in posts}
    assert langs["1276035977375477760"] == "id"
    assert langs["1275763727908798470"] is None  # recorded as "und"
    assert langs["1275882613572583424"] == "en"
    query = to_search_query(Topic(name="t", terms=["acme"], languages=["id"]))
    assert query == "acme lang:in -is:retweet"


def test_note_tweet_is_requested(server):
    server.add(SEARCH, json_body=with_changes())
    list(make_source(server).fetch(Topic(name="t", terms=["x"]), None))
    assert "note_tweet" in server.requests[0].param("tweet.fields").split(",")


def test_a_cursor_older_than_the_window_starts_at_the_window(server):
    server.add(SEARCH, json_body=with_changes())
    (batch,) = make_source(server).fetch(Topic(name="t", terms=["x"]), STALE_CURSOR)
    (request,) = server.requests
    assert request.param("since_id") is None
    assert request.param("start_time") == "2020-06-19T00:01:00Z"
    assert batch.cursor == "1276035977375477760"


def test_x_refusing_the_since_id_recovers_by_itself(server):
    """Issue #16.7: the refusal repeated every run; now the run reads from the window."""
    server.add(SEARCH, status=400, json_body=SINCE_ID_REFUSED, query={"since_id": FRESH_CURSOR})
    server.add(SEARCH, json_body=with_changes())
    (batch,) = make_source(server).fetch(Topic(name="t", terms=["x"]), FRESH_CURSOR)
    assert [r.param("since_id") for r in server.requests] == [FRESH_CURSOR, None]
    assert server.requests[1].param("start_time") == "2020-06-19T00:01:00Z"
    assert len(batch.posts) == 4
    assert batch.cursor == "1276035977375477760"


def test_other_refusals_keep_the_platforms_words(server):
    body = {
        "errors": [{"parameters": {"query": ["(("]}, "message": "There were errors processing "
                    "your request: Ambiguous use of and as a keyword (at position 3)"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }  # fmt: skip
    server.add(SEARCH, status=400, json_body=body)
    with pytest.raises(SourceError) as caught:
        list(make_source(server).fetch(Topic(name="t", terms=["x"]), None))
    assert str(caught.value) == (
        f"x: HTTP 400 Bad Request from {server.url(SEARCH)} (There were errors processing your "
        "request: Ambiguous use of and as a keyword (at position 3)); check base_url and the "
        "source's settings"
    )
    assert len(server.requests) == 1


def test_a_budget_used_up_mid_retry_is_an_error(server):
    """Issue #16.5."""
    server.add(SEARCH, status=503)
    with pytest.raises(SourceError) as caught:
        list(make_source(server, max_requests=1).fetch(Topic(name="t", terms=["x"]), None))
    assert str(caught.value) == (
        f"x: HTTP 503 Service Unavailable from {server.url(SEARCH)}; the request budget of 1 is "
        "used up, so no retry this run (raise max_requests)"
    )


def config(server, **options) -> str:
    extra = "".join(f"    {key}: {value}\n" for key, value in options.items())
    return (
        "topics:\n  - name: carrier\n    terms: ['AT&T']\n    languages: [id]\n"
        f"sources:\n  x:\n    base_url: {server.url()}\n{extra}"
    )


def test_cli_a_term_with_an_ampersand_matches_an_indonesian_post(server, tmp_path):
    server.add(SEARCH, json_body=with_changes())
    env = {**ENV, "EARMARK_NOW": "2020-06-26T00:00:00Z"}
    result = run_cli(tmp_path, config(server), "--source", "x", env=env)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "x: 1 new post (carrier 1)\n"
    assert stored_ids(tmp_path) == ["x:1276035977375477760"]
    assert server.requests[0].param("query") == "AT&T lang:in -is:retweet"


def stored_cursor(tmp_path) -> str | None:

    with db_connect(tmp_path / "x.db") as conn:
        row = conn.execute("SELECT value FROM cursors WHERE source = 'x'").fetchone()
    return row[0] if row else None


def test_cli_a_budget_stop_mid_paging_says_so_and_keeps_the_cursor(server, tmp_path):
    """Issue #16.5/6: a later run stopped by max_posts must not skip the unread older posts."""
    page = with_changes()
    page["meta"]["next_token"] = "page-2"
    server.add(SEARCH, json_body=page)
    first = run_cli(tmp_path, config(server), "--source", "x", env=ENV)  # newest page only
    assert (first.exit_code, first.stderr) == (0, "x: 1 new post (carrier 1)\n")
    assert stored_cursor(tmp_path) == "1276035977375477760"
    second = run_cli(tmp_path, config(server, max_posts=10), "--source", "x", env=ENV)
    assert (second.exit_code, second.stdout) == (0, "")
    assert second.stderr == (
        "x: post budget of 10 per run reached (max_posts); the rest is read next run (raise "
        "max_posts to read more per run)\n"
    )
    assert [r.param("next_token") for r in server.requests] == [None, None]
    assert stored_cursor(tmp_path) == "1276035977375477760"  # not moved past the unread page
