"""Each source parser skips a record it cannot read, naming it, and keeps the page's others.

Without a `skipped` list the parsers stay strict (the first bad record raises SourceError, as
tests/test_source_*.py check); the sources always pass their `warnings` list.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from listen import bluesky, hackernews, mastodon, reddit_parse, stackexchange, x
from listen.base import SourceError

FIXTURES = Path(__file__).parent / "fixtures"


def load(path: str):
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def hackernews_page():
    page = load("hackernews/search_by_date_comment_apple.json")
    good = page["hits"][0]
    page["hits"] = [{**good, "objectID": "9", "created_at_i": 10**30}, good]
    return page, lambda data, skipped: hackernews.parse_search_page(data, skipped)[0]


def mastodon_page():
    good = load("mastodon/timelines_tag_hoot.json")[0]
    return [{**good, "id": "not-a-number"}, good], (
        lambda data, skipped: mastodon.parse_statuses(data, "tag", skipped)
    )


def stackexchange_page():
    page = load("stackexchange/search_questions_python_yield.json")
    page["items"] = [{**page["items"][0], "creation_date": -(10**20)}, page["items"][0]]
    return page, lambda data, skipped: stackexchange.parse_search_page(data, "so", skipped)[0]


def bluesky_page():
    good = load("bluesky/get_post_thread_postview.json")["thread"]["post"]
    bad = {**copy.deepcopy(good), "uri": "at://bad"}
    del bad["record"]
    return {"posts": [bad, good]}, (
        lambda data, skipped: [post for post, _ in bluesky.parse_search_page(data, skipped)[0]]
    )


def x_page():
    page = load("x_twitter/search_recent_expansions.json")
    good = page["data"][0]
    page["data"] = [{**good, "id": "12\ud800"}, good]
    return page, lambda data, skipped: x.parse_search_page(data, skipped)[0]


def reddit_page():
    page = load("reddit/search_r_all_2016.json")
    good = page["data"]["children"][0]
    bad = copy.deepcopy(good)
    bad["data"]["created_utc"] = "1e400"  # float("1e400") is inf: no time for it
    page["data"]["children"] = [bad, good]
    return page, lambda data, skipped: reddit_parse.parse_listing(data, "search", skipped)[0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (hackernews_page, "record 9: a search hit's created_at_i is out of range"),
        (mastodon_page, "record not-a-number: a status id is not a number ('not-a-number')"),
        (stackexchange_page, "record 231767: a question's creation_date is out of range"),
        (bluesky_page, "record at://bad: malformed postView in the searchPosts response "
                       "(KeyError('record'))"),
        (x_page, "record 12\ufffd: malformed tweet in the search response "
                 "(ValueError(\"id '12\\\\ud800' is not a number\"))"),
        (reddit_page, "record #1 of the page: malformed item in the Listing from search "
                      "(OverflowError('timestamp out of range for platform time_t') "
                      "missing or bad)"),
    ],
    ids=["hackernews", "mastodon", "stackexchange", "bluesky", "x", "reddit"],
)  # fmt: skip
def test_a_bad_record_is_skipped_with_its_name_and_the_good_one_kept(make, message):
    page, parse = make()
    skipped: list[str] = []
    posts = parse(page, skipped)
    assert len(posts) == 1 and skipped == [message]
    with pytest.raises(SourceError):
        parse(page, None)  # strict without a list
