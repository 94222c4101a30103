"""Map rows of imported files to Posts: earmark JSONL, snscrape tweets, Customer Support on Twitter.

Pure functions: a row (a dict from a JSON line or a CSV record) goes in, a Post or a RowError
with the reason comes out. Reply threads of the Customer Support on Twitter CSV are resolved
with a ThreadIndex built by the file source.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from earmark.models import POST_FIELDS, Post, parse_iso

# The header of the public "Customer Support on Twitter" dataset (Kaggle, thoughtvector).
TWCS_COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"  # Tue Oct 31 22:10:47 +0000 2017
_PLATFORM = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")
_UNKNOWN_LANGS = {"", "und", "unknown", "zxx", "qme", "qht", "qam", "qct", "qst"}


class RowError(Exception):
    """A row cannot be imported; `reason` says why, `line` where (0 when not yet known)."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def is_twcs_header(columns) -> bool:
    """Whether CSV columns are the Customer Support on Twitter layout."""
    return set(TWCS_COLUMNS) - {"response_tweet_id"} <= set(columns)


def detect_layout(row: Mapping[str, Any], mapping: Mapping[str, str] | None = None) -> str:
    """Name the layout of a row: mapped, twcs, snscrape or earmark."""
    if mapping:
        return "mapped"
    if "tweet_id" in row and "in_response_to_tweet_id" in row and "inbound" in row:
        return "twcs"
    kind = row.get("_type")
    if isinstance(kind, str) and kind.startswith("snscrape.modules.twitter."):
        return "snscrape"
    has_content = "rawContent" in row or "content" in row
    if isinstance(row.get("user"), dict) and "date" in row and has_content:
        return "snscrape"
    return "earmark"


def to_post(
    row: Mapping[str, Any],
    layout: str | None = None,
    platform: str = "file",
    mapping: Mapping[str, str] | None = None,
    threads: ThreadIndex | None = None,
) -> Post:
    """Map one row to a Post; raise RowError naming what is missing or invalid."""
    layout = layout or detect_layout(row, mapping)
    if layout == "twcs":
        return _twcs_post(row, threads)
    if layout == "snscrape":
        return _snscrape_post(row)
    if layout == "mapped":
        row = apply_mapping(row, mapping or {})
    return _earmark_post(row, platform)


def apply_mapping(row: Mapping[str, Any], mapping: Mapping[str, str]) -> dict:
    """Rename columns to post fields; a dotted column (`user.name`) reads a nested value."""
    mapped = {key: value for key, value in row.items() if key in POST_FIELDS}
    for column, target in mapping.items():
        mapped[target] = _dig(row, column)
    mapped["_raw"] = row
    return mapped


def _dig(row: Mapping[str, Any], path: str) -> Any:
    if path in row:
        return row[path]
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip() if not isinstance(value, str) else value.strip()
    # A JSON-escaped NUL ("\u0000") survives parsing; it is never meaningful in a post and
    # breaks tools that read the text as C strings, so it goes.
    text = text.replace("\x00", "")
    return text or None


def parse_time(value: Any) -> datetime:
    """Parse ISO-8601, Twitter's `Tue Oct 31 22:10:47 +0000 2017` or Unix seconds/milliseconds."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, timezone.utc)
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return parse_time(float(text))
    if text[:1].isalpha():  # Twitter's format starts with the weekday
        return datetime.strptime(text, _TWITTER_TIME).astimezone(timezone.utc)
    return parse_iso(text)


def _time(value: Any, key: str = "created_at") -> datetime:
    if value is None or value == "":
        raise RowError(0, f"missing {key}")
    try:
        return parse_time(value)
    except (ValueError, OverflowError, OSError):
        raise RowError(0, f"invalid {key} {str(value)[:40]!r}") from None


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(value)) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_native_id(value: Any) -> str | None:
    """Return an id as text: `3.0` (a float-formatted CSV id) becomes `3`."""
    text = _text(value)
    if text is None:
        return None
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def _lang(value: Any) -> str | None:
    text = _text(value)
    return None if text is None or text.lower() in _UNKNOWN_LANGS else text


def _ref(platform: str, value: Any) -> str | None:
    """A parent/thread reference as a post id (`platform:native_id`)."""
    native = parse_native_id(value)
    if native is None:
        return None
    return native if native.startswith(f"{platform}:") else f"{platform}:{native}"


def _earmark_post(row: Mapping[str, Any], default_platform: str) -> Post:
    text = _text(row.get("text"))
    if text is None:
        raise RowError(0, "missing text")
    platform = _text(row.get("platform"))
    native = parse_native_id(row.get("native_id"))
    if native is None:
        full = parse_native_id(row.get("id"))
        if full is None:
            raise RowError(0, "missing id")
        prefix, colon, rest = full.partition(":")
        if platform is None and colon and _PLATFORM.match(prefix):
            platform = prefix  # earmark ids read `platform:native_id`
        platform = platform or default_platform
        native = rest if colon and prefix == platform else full
    platform = platform or default_platform
    created = _time(row.get("created_at"))
    raw = row.get("_raw", row)
    return Post(
        platform=platform,
        native_id=native,
        text=text,
        created_at=created,
        url=_text(row.get("url")),
        author=_text(row.get("author")),
        author_name=_text(row.get("author_name")),
        author_reach=_int(row.get("author_reach")),
        lang=_lang(row.get("lang")),
        parent_id=_ref(platform, row.get("parent_id")),
        thread_id=_ref(platform, row.get("thread_id")),
        raw=dict(raw),
    )


def _tweet_id(row: Mapping[str, Any], key: str) -> str | None:
    # snscrape --jsonl writes `key.str` beside ids too large for some JSON parsers.
    return parse_native_id(row.get(f"{key}.str")) or parse_native_id(row.get(key))


def _snscrape_post(row: Mapping[str, Any]) -> Post:
    # Field names follow snscrape's Tweet and User dataclasses (snscrape/modules/twitter.py).
    texts = (_text(row.get(key)) for key in ("rawContent", "content", "renderedContent"))
    text = next((t for t in texts if t), None)
    if text is None:
        raise RowError(0, "missing rawContent")
    native = _tweet_id(row, "id")
    if native is None:
        raise RowError(0, "missing id")
    user = row.get("user") if isinstance(row.get("user"), dict) else {}
    conversation = _tweet_id(row, "conversationId")
    parent = _tweet_id(row, "inReplyToTweetId")
    return Post(
        platform="x",
        native_id=native,
        text=text,
        created_at=_time(row.get("date"), "date"),
        url=_text(row.get("url")),
        author=_text(user.get("username")),
        author_name=_text(user.get("displayname")),
        author_reach=_int(user.get("followersCount")),
        lang=_lang(row.get("lang")),
        parent_id=_ref("x", parent),
        thread_id=_ref("x", conversation) if conversation and conversation != native else None,
        raw=dict(row),
    )


def _twcs_post(row: Mapping[str, Any], threads: ThreadIndex | None) -> Post:
    native = parse_native_id(row.get("tweet_id"))
    if native is None:
        raise RowError(0, "missing tweet_id")
    text = _text(row.get("text"))
    if text is None:
        raise RowError(0, "missing text")
    parent = parse_native_id(row.get("in_response_to_tweet_id"))
    root = threads.root(native) if threads is not None and parent else None
    return Post(
        platform="x",
        native_id=native,
        text=text,
        created_at=_time(row.get("created_at")),
        author=_text(row.get("author_id")),
        parent_id=_ref("x", parent),
        thread_id=_ref("x", root) if root and root != native else None,
        raw=dict(row),
    )


class ThreadIndex:
    """Reply links (tweet -> the tweet it answers) of one file, to find each thread's root.

    Dense numeric ids (the dataset numbers its tweets 1..N) are kept in one flat array indexed
    by id, 8 bytes per tweet rather than ~100 for a dict of Python ints, so a multi-million-row
    file costs tens of megabytes. Other ids fall back to a dict.
    """

    ABSENT, ROOT = -2, -1
    _DECIDE_AT = 4096  # links kept in a dict before choosing the array

    def __init__(self) -> None:
        self._dict: dict[str, str | None] = {}
        self._by_id: array | None = None  # index = id, value = parent id, ROOT or ABSENT
        self._sparse = False

    def add(self, native: str | None, parent: str | None) -> None:
        """Record that native answers parent (None: it starts a thread)."""
        if native is None:
            return
        if self._by_id is not None and native.isdigit() and (parent is None or parent.isdigit()):
            number = int(native)
            if number < 8 * len(self._by_id) + 1024:
                if number >= len(self._by_id):
                    grow = max(number + 1 - len(self._by_id), len(self._by_id) // 2)
                    self._by_id.extend(array("q", [self.ABSENT]) * grow)
                self._by_id[number] = int(parent) if parent else self.ROOT
                return
        self._dict[native] = parent
        if self._by_id is None and not self._sparse and len(self._dict) >= self._DECIDE_AT:
            self._choose_storage()

    def _choose_storage(self) -> None:
        numbers = [
            int(k) for k, v in self._dict.items() if k.isdigit() and (v is None or v.isdigit())
        ]
        if len(numbers) < len(self._dict) or max(numbers) >= 8 * len(numbers) + 1024:
            self._sparse = True
            return
        self._by_id = array("q", [self.ABSENT]) * (max(numbers) + 1)
        for native, parent in self._dict.items():
            self._by_id[int(native)] = int(parent) if parent else self.ROOT
        self._dict = {}

    def parent(self, native: str) -> str | None | bool:
        """Return the parent id, None for a thread start, False when native is not in the file."""
        if native in self._dict:
            return self._dict[native]
        if self._by_id is not None and native.isdigit():
            number = int(native)
            if number < len(self._by_id) and self._by_id[number] != self.ABSENT:
                value = self._by_id[number]
                return None if value == self.ROOT else str(value)
        return False

    def root(self, native: str, max_hops: int = 10_000) -> str | None:
        """Return the first tweet of native's thread if the whole chain is in the file."""
        current = native
        for _ in range(max_hops):
            parent = self.parent(current)
            if parent is False:
                return None  # the chain leaves the file: its root is unknown
            if parent is None:
                return current
            current = parent
        return None
