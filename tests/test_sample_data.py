"""Checks on the bundled fictional sample posts (earmark/data/sample_posts.jsonl)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from urllib.parse import urlsplit

import pytest

from earmark.models import POST_FIELDS

KEYS = {*POST_FIELDS, "fictional"}  # earmark's post format, marked as invented
PLATFORMS = {"x", "reddit", "mastodon", "bluesky", "hackernews", "telegram", "rss"}
WINDOW_END = datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
WINDOW_START = WINDOW_END - timedelta(hours=48)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.(?:example|example\.com|example\.org)\b")
ORDER_OR_ACCOUNT = re.compile(r"#?\b(?:AC|GX)-\d{4,}\b|\baccount \d{6,}\b", re.IGNORECASE)


def load_sample_posts() -> list[dict]:
    """Load every line of the bundled sample file as a dict."""
    resource = files("earmark") / "data" / "sample_posts.jsonl"
    lines = resource.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def parse_utc(value: str) -> datetime:
    """Parse a `...Z` timestamp, failing on anything that is not explicit UTC."""
    assert value.endswith("Z"), value
    moment = datetime.fromisoformat(value[:-1] + "+00:00")
    assert moment.utcoffset() == timedelta(0), value
    return moment


@pytest.fixture(scope="module")
def posts() -> list[dict]:
    return load_sample_posts()


def test_sample_has_enough_posts_with_exact_keys(posts):
    assert len(posts) >= 150
    for post in posts:
        assert set(post) == KEYS, post["id"]


def test_sample_ids_are_unique_and_match_platform_and_native_id(posts):
    ids = [post["id"] for post in posts]
    assert len(ids) == len(set(ids))
    for post in posts:
        assert post["platform"] in PLATFORMS, post["id"]
        assert post["id"] == f"{post['platform']}:{post['native_id']}"


def test_sample_created_at_is_utc_inside_the_48_hour_window(posts):
    for post in posts:
        moment = parse_utc(post["created_at"])
        assert WINDOW_START <= moment <= WINDOW_END, post["id"]


def test_sample_parents_exist_are_older_and_share_the_thread(posts):
    by_id = {post["id"]: post for post in posts}
    replies = [post for post in posts if post["parent_id"] is not None]
    assert len(replies) >= 20
    for post in replies:
        parent = by_id[post["parent_id"]]
        assert parse_utc(parent["created_at"]) < parse_utc(post["created_at"]), post["id"]
        assert post["thread_id"] is not None, post["id"]
        assert post["thread_id"] == (parent["thread_id"] or parent["id"]), post["id"]
        assert post["thread_id"] in by_id, post["id"]


def test_sample_every_record_is_marked_fictional(posts):
    assert all(post["fictional"] is True for post in posts)


def test_sample_covers_at_least_five_platforms(posts):
    assert len({post["platform"] for post in posts}) >= 5


def test_sample_has_non_english_posts(posts):
    non_english = [post for post in posts if post["lang"] not in (None, "en")]
    assert len(non_english) >= 8


def test_sample_has_posts_with_email_or_order_number(posts):
    texts = [post["text"] for post in posts]
    with_pii = [text for text in texts if EMAIL.search(text) or ORDER_OR_ACCOUNT.search(text)]
    assert len(with_pii) >= 5


def test_sample_urls_are_on_example_hosts_only(posts):
    for post in posts:
        parts = urlsplit(post["url"])
        assert parts.scheme == "https", post["url"]
        assert parts.hostname is not None and parts.hostname.endswith(".example"), post["url"]


def test_sample_has_exact_duplicate_spam_from_different_authors(posts):
    authors_by_text: dict[str, set[str]] = {}
    for post in posts:
        authors_by_text.setdefault(post["text"], set()).add(post["author"])
    assert sum(1 for authors in authors_by_text.values() if len(authors) >= 2) >= 2
