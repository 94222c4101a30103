"""Hypothesis: hostile records through every source parser, to an exported post.

Records are recorded API items (tests/fixtures/) with fields replaced by hostile values (see
recordsfuzz.py): any JSON, lone surrogates, control characters, numbers beyond 64 bits or
negative, odd dates, nesting hundreds deep. Whatever they hold, the run completes with no
error, every record is stored or skipped with a one-line reason, the untouched record beside
them is stored, and what was stored is classified, routed and exported in every format as
valid UTF-8. Each parser runs on the page as the source's fetch would give it (the HTTP
transport is left out here; tests/test_records_sources.py serves real responses).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st
from recordsfuzz import (
    FIXTURES,
    FUZZ,
    NOW,
    any_json,
    fuzz_page,
    hostile,
    mutated,
)

from listen import bluesky, hackernews, mastodon, reddit_parse, rss, stackexchange, telegram, x
from listen.records import parse_each

# -- every source parser --------------------------------------------------------------------------


def load(path: str):
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


HN = load("hackernews/search_by_date_comment_apple.json")["hits"][0]
HN = {**HN, "comment_text": "acme is down", "objectID": "1"}


@FUZZ
@given(hits=st.lists(mutated(HN, list(HN)), max_size=3))
def test_hackernews_hits(hits):
    page = {"hits": [*hits, HN], "nbPages": 1, "nbHits": len(hits) + 1}

    def parse(data, skipped):
        return hackernews.parse_search_page(data, skipped)[0]

    fuzz_page("hackernews", parse, page, {"hackernews:1"})


HOOT = {**load("mastodon/timelines_tag_hoot.json")[0], "content": "<p>acme</p>", "id": "1"}
ACCOUNT_FIELDS = ["followers_count", "acct", "display_name", "username"]


@FUZZ
@given(
    statuses=st.lists(mutated(HOOT, list(HOOT)), max_size=3),
    account=st.dictionaries(st.sampled_from(ACCOUNT_FIELDS), hostile, max_size=3),
)
def test_mastodon_statuses(statuses, account):
    hostile_account = {**HOOT, "id": "2", "account": {**HOOT["account"], **account}}
    page = [*statuses, hostile_account, HOOT]

    def parse(data, skipped):
        return mastodon.parse_statuses(data, "tag", skipped)

    fuzz_page("mastodon", parse, page, {"mastodon:1"})


SE = {**load("stackexchange/search_questions_python_yield.json")["items"][0], "title": "acme"}


@FUZZ
@given(items=st.lists(mutated(SE, [*SE, "owner", "body"]), max_size=3))
def test_stackexchange_questions(items):
    page = {"items": [*items, SE], "has_more": False}

    def parse(data, skipped):
        return stackexchange.parse_search_page(data, "stackoverflow", skipped)[0]

    expected = {f"stackexchange:stackoverflow/{SE['question_id']}"}
    fuzz_page("stackexchange", parse, page, expected)


VIEW = load("bluesky/get_post_thread_postview.json")["thread"]["post"]
VIEW = {**VIEW, "record": {**VIEW["record"], "text": "acme"}}
RECORD_FIELDS = ["text", "createdAt", "langs", "reply"]


@FUZZ
@given(
    views=st.lists(mutated(VIEW, list(VIEW)), max_size=2),
    record=st.dictionaries(st.sampled_from(RECORD_FIELDS), hostile, max_size=3),
)
def test_bluesky_post_views(views, record):
    odd = {**VIEW, "uri": VIEW["uri"] + "x", "record": {**VIEW["record"], **record}}
    page = {"posts": [*views, odd, VIEW]}

    def parse(data, skipped):
        return [post for post, _ in bluesky.parse_search_page(data, skipped)[0]]

    fuzz_page("bluesky", parse, page, {f"bluesky:{VIEW['uri']}"})


X_PAGE = load("x_twitter/search_recent_expansions.json")
TWEET = {**X_PAGE["data"][0], "text": "acme is down", "id": "1"}
X_USER = X_PAGE["includes"]["users"][0]


@FUZZ
@given(
    tweets=st.lists(mutated(TWEET, list(TWEET)), max_size=3),
    user=st.dictionaries(st.sampled_from(list(X_USER)), hostile, max_size=3),
)
def test_x_tweets(tweets, user):
    users = [{**X_USER, **user, "id": TWEET["author_id"]}]
    page = {"data": [*tweets, TWEET], "includes": {"users": users}, "meta": {}}

    def parse(data, skipped):
        return x.parse_search_page(data, skipped)[0]

    fuzz_page("x", parse, page, {"x:1"})


LISTING = load("reddit/search_r_all_2016.json")
THING = LISTING["data"]["children"][0]
THING = {**THING, "data": {**THING["data"], "title": "acme", "name": "t3_good", "id": "good"}}
THING_FIELDS = ["created_utc", "name", "id", "title", "selftext", "author", "permalink", "body"]


@FUZZ
@given(
    things=st.lists(
        st.dictionaries(st.sampled_from(THING_FIELDS), hostile, max_size=4).map(
            lambda change: {**THING, "data": {**THING["data"], "name": "t3_odd", **change}}
        )
        | any_json,
        max_size=3,
    )
)
def test_reddit_listing_things(things):
    page = {"kind": "Listing", "data": {"children": [*things, THING], "after": None}}

    def parse(data, skipped):
        return reddit_parse.parse_listing(data, "search", skipped)[0]

    fuzz_page("reddit", parse, page, {"reddit:t3_good"})


# XML cannot carry surrogates or most control characters: feeds get every other character.
xml_text = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\t\n"), max_size=30
)
feed_dates = st.sampled_from(
    ["Mon, 01 Jan 0999 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -0500", "not a date", ""]
) | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda moment: moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
)


def rss_item(title: str, guid: str, date: str, description: str) -> str:
    return (
        f"<item><title>{escape(title)}</title><guid>{escape(guid)}</guid>"
        f"<pubDate>{escape(date)}</pubDate><description>{escape(description)}</description></item>"
    )


@FUZZ
@given(items=st.lists(st.tuples(xml_text, xml_text, feed_dates, xml_text), max_size=3))
def test_rss_entries(items):
    good = rss_item("acme is down", "good-1", "Wed, 18 Nov 2026 12:00:00 GMT", "acme")
    body = "".join(rss_item(*item) for item in items) + good
    document = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://example.com/</link>{body}</channel></rss>"
    ).encode()

    def parse(data, skipped):
        return rss.parse_feed(data, feed_url="https://example.com/feed", fallback=NOW,
                              skipped=skipped)  # fmt: skip

    fuzz_page("rss", parse, document, {"rss:good-1"}, {"feeds": ["https://example.com/feed"]})


message_fields = st.fixed_dictionaries(
    {},
    optional={
        "url": hostile | st.just("https://t.me/acme/12"),
        "content": hostile,
        "date": st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
            lambda moment: moment.replace(tzinfo=timezone.utc)
        )
        | hostile,
        "outlinks": hostile,
        "linkPreview": st.none() | hostile,
    },
)
GOOD_MESSAGE = {
    "url": "https://t.me/acme/1",
    "content": "acme is down",
    "date": datetime(2026, 11, 18, 12, tzinfo=timezone.utc),
    "outlinks": [],
    "linkPreview": None,
}


@FUZZ
@given(messages=st.lists(message_fields, max_size=3))
def test_telegram_messages(messages):
    """snscrape's TelegramPost objects, with any attribute replaced (as _read reads them)."""
    items = [SimpleNamespace(**{**GOOD_MESSAGE, **fields}) for fields in messages]
    items.append(SimpleNamespace(**GOOD_MESSAGE))

    def parse(data, skipped):
        return parse_each(data, telegram.parse_message, "telegram", skipped)

    fuzz_page("telegram", parse, items, {"telegram:acme/1"}, {"channels": ["acme"]})
