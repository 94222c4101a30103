"""Every recorded item of the Telegram, Mastodon, Reddit and Bluesky fixtures becomes a post
with readable text, its author, a permalink, the platform's UTC time, ids, thread and language.

The files are found by their shape, not their name, so recordings added to
tests/fixtures/{telegram,mastodon,reddit,bluesky}/ (with provenance in SOURCES.md) are checked
too. Schemas (lexicons), profiles and `.meta.json` sidecars hold no posts and are skipped.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from httpserver import LocalServer

from earmark.config import Topic
from earmark.models import Post
from listen.bluesky import parse_post_view
from listen.http import HttpClient
from listen.mastodon import parse_status
from listen.reddit_parse import parse_feed, parse_listing
from listen.telegram import TelegramSettings, TelegramSource

FIXTURES = Path(__file__).parent / "fixtures"
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
LOADED = datetime.now(timezone.utc)


def files(platform: str, *suffixes: str) -> list[Path]:
    return sorted(
        path
        for path in (FIXTURES / platform).glob("*")
        if path.suffix in suffixes and not path.name.endswith(".meta.json")
    )


def mastodon_statuses(data) -> list[dict]:
    if isinstance(data, list):
        return [item for item in data if isinstance(item, dict) and "account" in item]
    if isinstance(data, dict) and "account" in data and "content" in data:
        return [data]
    if isinstance(data, dict):
        found = []
        for key in ("statuses", "ancestors", "descendants"):
            found += mastodon_statuses(data.get(key) or [])
        return found
    return []


def reddit_posts(data) -> list[Post]:
    if isinstance(data, list):
        return [post for item in data for post in reddit_posts(item)]
    if isinstance(data, dict) and data.get("kind") == "Listing":
        posts, _ = parse_listing(data)
        nested = []
        for child in data["data"]["children"]:
            replies = child.get("data", {}).get("replies")
            if isinstance(replies, dict):
                nested += reddit_posts(replies)
        return posts + nested
    return []


def bluesky_views(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("posts"), list):
        return data["posts"]
    if isinstance(data, dict) and isinstance(data.get("thread"), dict):
        views, stack = [], [data["thread"]]
        while stack:
            node = stack.pop()
            if isinstance(node.get("post"), dict):
                views.append(node["post"])
            stack += [n for n in [node.get("parent"), *(node.get("replies") or [])] if n]
        return views
    if isinstance(data, dict) and isinstance(data.get("feed"), list):
        return [item["post"] for item in data["feed"] if isinstance(item, dict)]
    return []


def check(post: Post, platform: str, *, from_html: bool = True) -> None:
    """Check what every post needs; from_html: the platform sent markup, none may be left.

    Plain-text platforms (Reddit's markdown, Bluesky) keep what people typed, `<module>` too.
    """
    where = f"{platform} {post.native_id}"
    assert post.platform == platform and post.native_id, where
    assert post.text and post.text == post.text.strip(), where
    if from_html:
        assert not _TAG.search(post.text), f"{where}: HTML in {post.text[:80]!r}"
    assert not _ENTITY.search(post.text), f"{where}: entity in {post.text[:80]!r}"
    assert post.url and re.match(r"^https?://[^/\s]+/\S+$", post.url), where
    assert post.created_at.utcoffset() == timedelta(0), where
    assert post.created_at < LOADED - timedelta(minutes=1), f"{where}: the run's time?"
    assert post.thread_id is None or post.thread_id.startswith(f"{platform}:"), where
    assert post.parent_id is None or post.parent_id.startswith(f"{platform}:"), where


def json_files(platform: str) -> list[Path]:
    return files(platform, ".json")


@pytest.mark.parametrize("path", json_files("mastodon"), ids=lambda p: p.name)
def test_every_recorded_mastodon_status(path):
    for status in mastodon_statuses(json.loads(path.read_text("utf-8"))):
        post = parse_status(status)
        check(post, "mastodon")
        shown = status.get("reblog") or status
        assert post.author == shown["account"]["acct"]
        assert post.url == (shown.get("url") or shown.get("uri"))
        assert post.lang == (shown.get("language") or None)
        if not shown.get("in_reply_to_id"):
            assert post.thread_id == f"mastodon:{shown['id']}"
        else:
            assert post.parent_id == f"mastodon:{shown['in_reply_to_id']}"


@pytest.mark.parametrize("path", json_files("reddit"), ids=lambda p: p.name)
def test_every_recorded_reddit_thing(path):
    posts = reddit_posts(json.loads(path.read_text("utf-8")))
    assert posts
    for post in posts:
        check(post, "reddit", from_html=False)
        kind, _, native = post.native_id.partition("_")
        assert post.url.startswith("https://www.reddit.com/r/") and f"/{native}/" in post.url
        assert post.thread_id and post.thread_id.startswith("reddit:t3_")
        data = post.raw["data"]
        assert post.author == (
            None if data["author"] in ("[deleted]", "[removed]") else data["author"]
        )
        assert post.created_at.timestamp() == float(data["created_utc"])


@pytest.mark.parametrize("path", files("reddit", ".rss", ".atom", ".xml"), ids=lambda p: p.name)
def test_every_recorded_reddit_feed_entry(path):
    posts = parse_feed(path.read_bytes())
    assert posts
    for post in posts:
        check(post, "reddit")
        assert post.author


@pytest.mark.parametrize("path", json_files("bluesky"), ids=lambda p: p.name)
def test_every_recorded_bluesky_post_view(path):
    for view in bluesky_views(json.loads(path.read_text("utf-8"))):
        post = parse_post_view(view)
        check(post, "bluesky", from_html=False)
        assert post.author == view["author"]["handle"]
        assert post.url.startswith(f"https://bsky.app/profile/{view['author']['handle']}/post/")
        assert post.thread_id
        langs = view["record"].get("langs") or [None]
        assert post.lang == langs[0]


def message_pages() -> list[Path]:
    """The recorded t.me/s/ pages (a channel card, t.me/<name>, has no messages)."""
    return [p for p in files("telegram", ".html") if 'data-post="' in p.read_text("utf-8")]


@pytest.mark.parametrize("path", message_pages(), ids=lambda p: p.name)
def test_every_recorded_telegram_message(path):
    html = path.read_text("utf-8")
    (channel,) = set(re.findall(r'data-post="([^"/]+)/\d+"', html))
    with LocalServer() as server:
        server.add(f"/s/{channel}", html, content_type="text/html", query={})
        options = TelegramSettings(base_url=server.url(""), channels=[channel])
        http = HttpClient("telegram", max_requests=5, sleep=lambda _: None)
        source = TelegramSource(options, env={}, http=http)
        posts = [post for batch in source.fetch(Topic(name="t", terms=["x"]), None)
                 for post in batch.posts]  # fmt: skip
    assert len(posts) == html.count('class="tgme_widget_message_wrap')
    for post in posts:
        check(post, "telegram")
        assert post.url == f"https://t.me/{post.native_id}"
        assert post.author == channel
