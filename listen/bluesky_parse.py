"""Bluesky postViews to Posts: times, permalinks, text with full link URLs, authors' reach."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from earmark.models import Post
from listen.base import SourceError
from listen.bluesky_text import post_text
from listen.records import parse_each

PLATFORM = "bluesky"
WEB_URL = "https://bsky.app"
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


def parse_time(value: str) -> datetime:
    """Parse an atproto datetime (any number of fraction digits, Z or offset) to UTC."""
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"not a datetime: {value!r}")
    whole, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    offset = "+00:00" if zone in (None, "Z") else zone
    if len(offset) == 5:  # +0100
        offset = f"{offset[:3]}:{offset[3:]}"
    moment = datetime.fromisoformat(f"{whole}.{micro}{offset}")
    return moment.astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    """Render a datetime the way atproto writes them: UTC, milliseconds, Z."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def created_time(view: Mapping[str, Any]) -> datetime:
    """Return when a post was written: its record's createdAt, else the server's indexedAt."""
    created = view["record"].get("createdAt")
    if isinstance(created, str):
        try:
            return parse_time(created)
        except ValueError:
            pass
    indexed = view.get("indexedAt")
    if not isinstance(indexed, str):  # no time from the platform at all: not a post to keep
        raise KeyError("createdAt")
    return parse_time(indexed)


def sort_time(view: Mapping[str, Any]) -> datetime:
    """Return the time search sorts a postView by: the earlier of createdAt and indexedAt."""
    created = created_time(view)
    indexed = view.get("indexedAt")
    return min(created, parse_time(indexed)) if isinstance(indexed, str) else created


def post_url(uri: str, handle: str | None) -> str:
    """Return the bsky.app link of a post's at:// URI."""
    repo, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
    return f"{WEB_URL}/profile/{handle or repo}/post/{rkey}"


def parse_post_view(view: Mapping[str, Any]) -> Post:
    """Map an app.bsky.feed.defs#postView to a Post (reach is filled in later)."""
    uri = view["uri"]
    record = view["record"]
    author = view.get("author") or {}
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri")
    root = (reply.get("root") or {}).get("uri")
    langs = record.get("langs") or []
    return Post(
        platform=PLATFORM,
        native_id=uri,
        text=post_text(record),
        created_at=created_time(view),
        url=post_url(uri, author.get("handle")),
        author=author.get("handle"),
        author_name=author.get("displayName") or None,
        lang=langs[0] if langs and isinstance(langs[0], str) else None,
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{root or uri}",
        source=PLATFORM,
        raw=dict(view),
    )


def parse_search_page(
    payload: Any, skipped: list[str] | None = None
) -> tuple[list[tuple[Post, datetime]], str | None]:
    """Return the (post, sort time) pairs of a searchPosts response and its next cursor.

    With a skipped list, a postView that cannot be read is left out with a reason added there.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("posts"), list):
        raise SourceError("bluesky: unexpected searchPosts response (no `posts` list)")
    found = parse_each(payload["posts"], _parse_view, PLATFORM, skipped)
    cursor = payload.get("cursor")
    return found, cursor if isinstance(cursor, str) and cursor else None


def _parse_view(view: Any) -> tuple[Post, datetime]:
    try:
        return parse_post_view(view), sort_time(view)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise SourceError(
            f"bluesky: malformed postView in the searchPosts response ({error!r})"
        ) from None


def parse_profiles(payload: Any) -> dict[str, int]:
    """Return {did: followersCount} from a getProfiles response."""
    if not isinstance(payload, dict) or not isinstance(payload.get("profiles"), list):
        raise SourceError("bluesky: unexpected getProfiles response (no `profiles` list)")
    reach = {}
    for profile in payload["profiles"]:
        if isinstance(profile, dict) and isinstance(profile.get("followersCount"), int):
            reach[profile.get("did")] = profile["followersCount"]
    return reach


__all__ = [
    "created_time",
    "format_time",
    "parse_post_view",
    "parse_profiles",
    "parse_search_page",
    "parse_time",
    "post_url",
    "sort_time",
]
