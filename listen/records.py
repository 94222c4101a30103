"""Make a post from any source safe to store, or say why it cannot be used.

Every source's posts go through `check_post` (the runner's `screen_posts` does it once for
all of them), so one hostile record never reaches the database in a shape that would stop
every later run: lone surrogates become U+FFFD, numbers SQLite cannot hold become null, and a
post whose time is unusable is skipped with a reason. Source parsers read API pages with
`parse_each`, which skips a record they cannot read instead of failing the page, and
`save_batch` saves around a record the database still refuses.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from earmark.errors import EarmarkError
from earmark.models import Post

T = TypeVar("T")

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what an SQLite INTEGER holds
MIN_YEAR, MAX_YEAR = 1000, 9999  # four-digit ISO-8601 years: what every stage can read back
MAX_RAW_DEPTH = 32  # deeper parts of a record's raw copy are dropped (None)
# A JSON line nested deeper than this is refused. Python 3.11's json refuses about 1,000 levels
# itself while 3.13's reads them: the limit is earmark's, so every version says the same.
MAX_JSON_DEPTH = 100
_REQUIRED = ("platform", "native_id", "text")
_OPTIONAL = ("url", "author", "author_name", "lang", "parent_id", "thread_id", "source")
_ID_KEYS = ("objectID", "id", "uri", "question_id", "name", "guid", "url", "link")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Return value with every lone surrogate replaced by U+FFFD (valid UTF-8 everywhere)."""
    if value.isascii():
        return value
    return _SURROGATE.sub("\ufffd", value)


def check_post(post: Post) -> str | None:
    """Make post safe to store, in place; return why it cannot be used, or None when it can."""
    fields = post.__dict__  # set directly: this runs for every post read
    for name in _REQUIRED:
        value = fields[name]
        if type(value) is not str or not value.isascii():
            value = fields[name] = _as_text(value)
            if value is None:
                return f"missing {name}"
        if not value and name != "text":  # a post may be a bare photo; it is never matched
            return f"empty {name}"
    for name in _OPTIONAL:
        value = fields[name]
        if value is not None and (type(value) is not str or not value or not value.isascii()):
            fields[name] = _as_text(value) or None
    reach = to_int64(post.author_reach)
    post.author_reach = reach if reach is None or reach >= 0 else None  # no negative audiences
    created = post.created_at
    if not isinstance(created, datetime):
        return f"created_at is not a time ({type(created).__name__})"
    try:
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        created = created.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return f"created_at {_show(created)} out of range"
    if not MIN_YEAR <= created.year <= MAX_YEAR:
        return f"created_at {_show(created)} outside the years {MIN_YEAR}-{MAX_YEAR}"
    post.created_at = created
    post.raw = clean_raw(post.raw)
    return None


def screen_posts(
    posts: Sequence[Post], name: str, warnings: list[str], *, checked: bool = False
) -> list[Post]:
    """Return the posts safe to store (made so in place); each one skipped adds a warning.

    checked: the source already ran check_post on each (the file source, to name the line).
    """
    usable = []
    for post in posts:
        if post.source is None:
            post.source = name
        if checked:
            usable.append(post)
            continue
        try:
            problem = check_post(post)
        except Exception as error:  # noqa: BLE001 - a record must never stop its source
            problem = _reason(error, name)
        if problem is None:
            usable.append(post)
        else:
            warnings.append(f"record {describe(post)}: {problem}")
    return usable


def describe(post: Post) -> str:
    """Name a post in a skip message: its id, or what there is of one."""
    native = post.native_id if isinstance(post.native_id, str) else repr(post.native_id)
    return _name(f"{post.platform}:{native}")


def to_int64(value: Any) -> int | None:
    """Return value as an int SQLite can store, or None (not a number, or out of range)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    return value if INT64_MIN <= value <= INT64_MAX else None


def clean_raw(raw: Any) -> dict | None:
    """Return a raw record that serialises to valid UTF-8 JSON, or None when it cannot."""
    if not isinstance(raw, dict):
        return None
    if _is_clean(raw, 0):
        return raw  # the common case: nothing to copy
    return _walk(raw, 0)


def _is_clean(value: Any, depth: int) -> bool:
    """Whether value is JSON that needs no change (a loop in Python beats json.dumps here)."""
    kind = type(value)
    if kind is str:
        return value.isascii() or not _SURROGATE.search(value)
    if value is None or kind is bool:
        return True
    if kind is int:
        return value.bit_length() <= 10_000
    if kind is float:
        return math.isfinite(value)
    if depth >= MAX_RAW_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or _is_clean(key, depth)):
                return False
            if not ((type(item) is str and item.isascii()) or _is_clean(item, depth + 1)):
                return False
        return True
    if kind is list:
        for item in value:
            if not _is_clean(item, depth + 1):
                return False
        return True
    return False


def _walk(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if depth >= MAX_RAW_DEPTH:
        return None
    if isinstance(value, dict):
        return {clean_text(str(k)): _walk(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, depth + 1) for v in value]
    if isinstance(value, int):  # bool too
        return value if value.bit_length() <= 10_000 else None  # str() refuses longer ones
    if value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return clean_text(str(value))


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _show(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


def parse_each(
    items: Iterable[Any],
    parse: Callable[[Any], T],
    source: str,
    skipped: list[str] | None = None,
) -> list[T]:
    """Map each item of an API page with parse; one that fails is skipped with a reason.

    Without a skipped list the first failure is raised (for callers that want a strict parse).
    """
    parsed = []
    for number, item in enumerate(items, start=1):
        try:
            parsed.append(parse(item))
        except Exception as error:  # noqa: BLE001 - one record must never stop its page
            if skipped is None:
                raise
            skipped.append(f"record {record_name(item, number)}: {_reason(error, source)}")
    return parsed


def record_name(item: Any, number: int) -> str:
    """Name an API record in a skip message: its id when it has one, else its place."""
    if isinstance(item, Mapping):
        for key in _ID_KEYS:
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return _name(str(value))
    return f"#{number} of the page"


def _name(value: str) -> str:
    # An id is the platform's text: a line break in it must not break the one-line message.
    return clean_text(" ".join(value.split()))[:80]


def _reason(error: Exception, source: str) -> str:
    text = clean_text(" ".join(str(error).split()))[:200]
    if isinstance(error, EarmarkError):
        return text.removeprefix(f"{source}: ")
    return f"unexpected {type(error).__name__}" + (f": {text}" if text else "")


# What a record the database cannot take raises (bad values, not a broken database).
_RECORD_ERRORS = (OverflowError, UnicodeError, ValueError, TypeError, RecursionError)


def save_batch(store, posts, matches, cursors) -> tuple[set[str], list[str]]:
    """Save a batch; if one record cannot be stored, save the others one by one, without it.

    check_post makes this rare: it is the last line of defence, so a record that slipped
    through still never stops the batch (nor, through the cursor, every later run).
    """
    try:
        return set(store.posts.save_posts(posts, matches, cursors)), []
    except (*_RECORD_ERRORS, sqlite3.InterfaceError, sqlite3.ProgrammingError):
        pass
    new_ids: set[str] = set()
    refused = []
    for post in posts:
        own = [m for m in matches if m.post_id == post.id]
        try:
            new_ids.update(store.posts.save_posts([post], own))
        except (*_RECORD_ERRORS, sqlite3.InterfaceError, sqlite3.ProgrammingError) as error:
            refused.append(f"record {describe(post)}: cannot be stored ({_reason(error, '')})")
    store.posts.save_posts([], [], cursors)
    return new_ids, refused


def nested_too_deep(data: Any, text: str) -> bool:
    """Return whether parsed JSON (from text) nests deeper than MAX_JSON_DEPTH."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:  # C-speed: most records stop here
        return False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False
