"""Reddit payloads to Posts: Listing/Thing JSON from the Data API and the public RSS/Atom feeds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from earmark.models import Post
from listen.base import SourceError
from listen.html import html_to_text
from listen.records import parse_each

PLATFORM = "reddit"
WEB_URL = "https://www.reddit.com"
_COMMENTS_PATH = re.compile(r"/comments/([a-z0-9]+)(?:/[^/]*/([a-z0-9]+))?/?", re.I)
_FULLNAME = re.compile(r"^t[13]_[a-z0-9]+$", re.I)


def _unescape(text: Any) -> str:
    """Undo the &lt; &gt; &amp; escaping of listings fetched without raw_json=1."""
    if not isinstance(text, str):
        return ""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _utc(seconds: Any) -> datetime:
    return datetime.fromtimestamp(float(seconds), timezone.utc)


def _full_id(fullname: str | None) -> str | None:
    return f"{PLATFORM}:{fullname}" if fullname else None


def permalink_url(kind: str, data: Mapping[str, Any]) -> str | None:
    """Return a Thing's permalink on www.reddit.com, built from its ids when it has none.

    Older and some current listings (comment search, /api/info) give comments without
    `permalink`; `/r/<subreddit>/comments/<post id>/_/<comment id>/` is the same page.
    """
    permalink = data.get("permalink")
    if isinstance(permalink, str) and permalink:
        return WEB_URL + permalink.split("?")[0] if permalink.startswith("/") else permalink
    subreddit = data.get("subreddit")
    native = data.get("id")
    if not isinstance(subreddit, str) or not subreddit or not isinstance(native, str):
        return None
    if kind == "t3":
        return f"{WEB_URL}/r/{subreddit}/comments/{native}/"
    link_id = data.get("link_id")
    if not isinstance(link_id, str) or not link_id.startswith("t3_"):
        return None
    return f"{WEB_URL}/r/{subreddit}/comments/{link_id[3:]}/_/{native}/"


def parse_thing(thing: Mapping[str, Any]) -> Post | None:
    """Map a t3 (post) or t1 (comment) Thing to a Post; other kinds give None."""
    kind = thing.get("kind")
    data = thing.get("data")
    if kind not in ("t1", "t3") or not isinstance(data, dict):
        return None
    fullname = data.get("name") or f"{kind}_{data['id']}"
    author = data.get("author")
    if author in ("[deleted]", "[removed]"):
        author = None
    url = permalink_url(kind, data)
    if kind == "t3":
        title = _unescape(data.get("title"))
        body = _unescape(data.get("selftext"))
        text = f"{title}\n\n{body}" if body else title
        parent_id, thread_id = None, _full_id(fullname)
    else:
        text = _unescape(data.get("body"))
        parent_id = _full_id(data.get("parent_id"))
        thread_id = _full_id(data.get("link_id"))
    raw = dict(thing)
    if isinstance(data.get("replies"), dict):  # nested reply trees are posts of their own
        raw["data"] = {**data, "replies": ""}
    return Post(
        platform=PLATFORM,
        native_id=fullname,
        text=text,
        created_at=_utc(data["created_utc"]),
        url=url,
        author=author,
        author_reach=None,  # listings do not carry karma or follower counts
        parent_id=parent_id,
        thread_id=thread_id,
        source=PLATFORM,
        raw=raw,
    )


def parse_listing(
    payload: Any, where: str = "reddit", skipped: list[str] | None = None
) -> tuple[list[Post], str | None]:
    """Return the posts of a Listing and its `after` cursor; a non-Listing raises SourceError.

    With a skipped list, an item that cannot be read is left out with a reason added there.
    """
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        raise SourceError(f"reddit: unexpected response from {where}: not a Listing")
    data = payload.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        raise SourceError(f"reddit: unexpected response from {where}: Listing without children")

    def parse(child: Any) -> Post | None:
        try:
            return parse_thing(child) if isinstance(child, dict) else None
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
            raise SourceError(
                f"reddit: malformed item in the Listing from {where} ({error!r} missing or bad)"
            ) from None

    posts = [post for post in parse_each(children, parse, PLATFORM, skipped) if post]
    after = data.get("after")
    return posts, after if isinstance(after, str) and after else None


def _feed_fullname(entry: Any) -> str | None:
    entry_id = entry.get("id") or ""
    if _FULLNAME.match(entry_id):
        return entry_id.lower()
    match = _COMMENTS_PATH.search(entry.get("link") or entry_id)
    if not match:
        return None
    link, comment = match.groups()
    return f"t1_{comment.lower()}" if comment else f"t3_{link.lower()}"


def parse_feed(
    text: str | bytes,
    *,
    parse: Callable[..., Any] | None = None,
    skipped: list[str] | None = None,
) -> list[Post]:
    """Map a Reddit .rss feed (Atom now, RSS 2.0 in older recordings) to Posts.

    With a skipped list, an entry that cannot be read is left out with a reason added there.
    """
    if parse is None:
        import feedparser

        parse = feedparser.parse
    feed = parse(text)
    if feed.get("bozo") and not feed.get("entries"):
        problem = feed.get("bozo_exception")
        raise SourceError(f"reddit: unreadable RSS feed ({type(problem).__name__}: {problem})")
    entries = feed.get("entries", [])
    return [post for post in parse_each(entries, _feed_entry, PLATFORM, skipped) if post]


def _feed_entry(entry: Any) -> Post | None:
    """Map one feed entry to a Post (None when it has no Reddit id or no time)."""
    fullname = _feed_fullname(entry)
    # dict.get: feedparser's own get() warns when mapping a missing `updated` to `published`.
    moment = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not fullname or not moment:
        return None
    html = ""
    if entry.get("content"):
        html = entry["content"][0].get("value", "")
    html = html or entry.get("summary", "")
    author = (entry.get("author") or "").strip()
    if not author:
        found = re.search(r"submitted by\s*<a href=\"[^\"]*/user/([^\"/]+)", html)
        author = found.group(1) if found else ""
    author = re.sub(r"^/?u/", "", author) or None
    # Reddit appends "submitted by /u/x [link] [comments]" to every entry's HTML.
    body = html_to_text(re.split(r"(?:&#32;|\s)*submitted by", html, maxsplit=1)[0])
    title = (entry.get("title") or "").strip()
    is_comment = fullname.startswith("t1_")
    if is_comment:
        text = body or title
    else:
        text = f"{title}\n\n{body}" if body and body != title else title
    link_match = _COMMENTS_PATH.search(entry.get("link") or "")
    thread = f"t3_{link_match.group(1).lower()}" if link_match else None
    return Post(
        platform=PLATFORM,
        native_id=fullname,
        text=text,
        created_at=datetime(*moment[:6], tzinfo=timezone.utc),
        url=entry.get("link"),
        author=author,
        thread_id=_full_id(thread if is_comment else fullname),
        source=PLATFORM,
        raw={
            "feed_entry": {
                key: dict.get(entry, key)
                for key in ("id", "link", "title", "author", "published", "updated")
                if dict.get(entry, key) is not None
            }
            | {"tags": [tag.get("term") for tag in entry.get("tags", [])]}
        },
    )
