"""Any RSS or Atom feed (news, Google Alerts, a subreddit's `.rss`), parsed with feedparser."""

from __future__ import annotations

import calendar
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from earmark.models import Post, parse_iso, to_iso
from listen.base import Batch, HttpSourceSettings, SourceError
from listen.feeddates import parse_feed_date
from listen.html import html_to_text
from listen.http import BudgetExhausted, HttpClient, note_stop, safe_url
from listen.languages import to_bcp47
from listen.records import parse_each
from listen.streams import dump_positions, load_positions

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen")

PLATFORM = "rss"
MAX_ID_LENGTH = 120  # longer entry ids are replaced by a hash
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)
# Feeds often show an entry some time after its published time: entries this much older than
# the cursor are read again (the store ignores the ones it has), so late arrivals are not lost.
GRACE = timedelta(days=1)
# Bytes some servers put before `<?xml` (a blank line from a template, a BOM after it): XML
# forbids them, feedparser then reports the feed as broken although it reads every entry.
_LEADING_JUNK = b" \t\r\n"
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class RssSettings(HttpSourceSettings):
    """Options of the rss source: the feed URLs to read."""

    feeds: list[str] = field(default_factory=list)

    def validate(self) -> None:
        from earmark.configload import FieldError

        if not self.feeds:
            raise FieldError("feeds", "list at least one feed URL")
        for feed in self.feeds:
            if urlsplit(feed).scheme not in ("http", "https"):
                raise FieldError("feeds", f"{feed!r} is not an http(s) URL")


def entry_native_id(entry: Mapping[str, Any]) -> str | None:
    """Return an entry's id (or link), hashed when it is too long to be a readable key."""
    value = (entry.get("id") or entry.get("link") or "").strip()
    if not value:
        return None
    if len(value) > MAX_ID_LENGTH or any(ch.isspace() for ch in value):
        return "sha1-" + hashlib.sha1(value.encode("utf-8")).hexdigest()
    return value


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    """Return the entry's published (else updated) time in UTC, or None when undated.

    Dates feedparser cannot read (day and month names in Portuguese, German...) are read by
    parse_feed_date.
    """
    for key in ("published", "updated", "created"):
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
        moment = parse_feed_date(entry.get(key))
        if moment is not None:
            return moment
    return None


def strip_leading_junk(content: bytes) -> bytes:
    """Return a feed without the whitespace (and stray BOMs) some servers send before `<?xml`."""
    start, bom = 0, False
    while True:
        if content.startswith(_UTF8_BOM, start):
            start, bom = start + len(_UTF8_BOM), True
        elif start < len(content) and content[start] in _LEADING_JUNK:
            start += 1
        else:
            break
    if not start or not content.startswith(b"<", start):
        return content
    return (_UTF8_BOM if bom else b"") + content[start:]


def entry_link(entry: Mapping[str, Any]) -> str | None:
    """Return the article's link: FeedBurner's original link over its redirector."""
    original = entry.get("feedburner_origlink")
    if isinstance(original, str) and original.startswith(("http://", "https://")):
        return original
    return unwrap_link(entry.get("link"))


def unwrap_link(link: str | None) -> str | None:
    """Return the target of a Google redirect link (Google Alerts wraps every link in one)."""
    if not link:
        return link
    parts = urlsplit(link)
    if parts.hostname and parts.hostname.endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url")
        if target:
            return target[0]
    return link


def parse_entry(
    entry: Mapping[str, Any],
    *,
    feed_url: str,
    feed_language: str | None,
    fallback: datetime,
    feed_author: str | None = None,
) -> Post | None:
    """Map one feedparser entry to a Post (None when it has neither id nor link)."""
    # A plain dict: feedparser's own mapping warns when it aliases missing keys.
    entry = dict(entry)
    native_id = entry_native_id(entry)
    if native_id is None:
        return None
    title = html_to_text(entry.get("title"))
    contents = entry.get("content") or []
    body_html = contents[0].get("value") if contents else entry.get("summary")
    body = html_to_text(body_html)
    if body.startswith(title):
        title = ""
    detail = dict(contents[0]) if contents else dict(entry.get("summary_detail") or {})
    language = to_bcp47(detail.get("language") or feed_language)
    author = entry.get("author") or feed_author or None
    created = entry_time(entry)
    raw = {
        "feed": feed_url,
        "id": entry.get("id"),
        "link": entry.get("link"),
        "title": entry.get("title"),
        "author": author,
        "published": entry.get("published"),
        "updated": entry.get("updated"),
        "summary": entry.get("summary"),
        "content": [dict(item) for item in contents] or None,
        "tags": [tag.get("term") for tag in entry.get("tags") or []] or None,
        # No readable time in the entry: created_at is the time of the run, and says so.
        "created_at_from": "run" if created is None else None,
    }
    return Post(
        platform=PLATFORM,
        native_id=native_id,
        text="\n\n".join(part for part in (title, body) if part),
        created_at=created or fallback,
        url=entry_link(entry),
        author=author,
        author_name=author,
        lang=language,
        source=PLATFORM,
        raw={key: value for key, value in raw.items() if value is not None},
    )


def _is_xml_error(error: BaseException | None) -> bool:
    """Whether feedparser's complaint is broken XML (not a mere encoding or type mismatch)."""
    from xml.sax import SAXParseException

    return isinstance(error, SAXParseException)


def parse_feed(
    content: bytes,
    *,
    feed_url: str,
    fallback: datetime,
    headers: Mapping[str, str] | None = None,
    skipped: list[str] | None = None,
) -> list[Post]:
    """Parse an RSS/Atom document into Posts, oldest first; not a feed raises SourceError.

    With a skipped list, an entry that cannot be read is left out with a reason added there.
    """
    import feedparser

    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    parsed = feedparser.parse(strip_leading_junk(content), response_headers=lowered)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        error = parsed.get("bozo_exception")
        reason = str(error).splitlines()[0] if error else "no RSS or Atom elements"
        raise SourceError(
            f"{PLATFORM}: {safe_url(feed_url)} is not an RSS or Atom feed ({reason}); "
            "check the URL in sources.rss.feeds"
        )
    if parsed.bozo and _is_xml_error(parsed.get("bozo_exception")):
        # A feed cut off mid-document (a dropped connection, a proxy limit) still yields the
        # entries before the cut; storing them would move the cursor past the ones lost.
        reason = str(parsed.get("bozo_exception")).splitlines()[0]
        raise SourceError(
            f"{PLATFORM}: {safe_url(feed_url)} is not well-formed ({reason}); nothing stored, "
            "it is read again next run"
        )
    language = parsed.feed.get("language")
    feed_author = dict(parsed.feed).get("author")

    def parse(entry: Any) -> Post | None:
        return parse_entry(
            entry,
            feed_url=feed_url,
            feed_language=language,
            fallback=fallback,
            feed_author=feed_author,
        )

    posts = [post for post in parse_each(parsed.entries, parse, PLATFORM, skipped) if post]
    posts.sort(key=lambda post: post.created_at)
    return posts


class RssSource:
    """Entries of the configured feeds newer than what each feed gave last time."""

    name: ClassVar[str] = PLATFORM
    settings_class: ClassVar[type] = RssSettings
    env_keys: ClassVar[tuple[str, ...]] = ()
    note: ClassVar[str] = "free, no account; any RSS/Atom feed (Google Alerts, news, Reddit .rss)"

    def __init__(
        self,
        settings: RssSettings,
        *,
        env: Mapping[str, str] = os.environ,
        http: HttpClient | None = None,
        now: Any = None,
    ):
        self.settings = settings
        self.env = env
        self.http = http or HttpClient.for_settings(PLATFORM, settings)
        self.now = now or (lambda: datetime.now(timezone.utc))
        self._feeds: dict[str, list[Post]] = {}  # each feed is downloaded once per run
        self.warnings: list[str] = []  # records skipped, one line each, drained by the runner

    def credentials(self) -> dict[str, bool]:
        """Return {} : feeds need no credentials."""
        return {}

    def feed_urls(self) -> list[str]:
        """Return the feed URLs, relative ones resolved against base_url when it is set."""
        base = (self.settings.base_url or "").rstrip("/")
        return [
            feed if "://" in feed or not base else f"{base}/{feed.lstrip('/')}"
            for feed in self.settings.feeds
        ]

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield one batch per feed with its entries newer than that feed's cursor.

        The cursor is {feed URL: newest entry time}. Feeds have no server-side search, so every
        new entry is returned and the runner keeps the ones that match the topic. A feed that
        fails does not stop the others; the first failure is raised after they were read.
        """
        positions = load_positions(cursor)
        failures: list[SourceError] = []
        count = 0
        for url in self.feed_urls():
            try:
                posts = self._load(url)
            except BudgetExhausted as stop:
                note_stop(log, stop)
                break
            except SourceError as error:
                failures.append(error)
                continue
            floor = _floor(positions.get(url), since)
            fresh = [post for post in posts if floor is None or post.created_at >= floor]
            if limit is not None:
                fresh = fresh[: max(0, limit - count)]
            if not fresh:
                continue
            count += len(fresh)
            dated = [post.created_at for post in fresh if _is_dated(post)]
            if dated:
                positions[url] = to_iso(max([*dated, *_stored(positions.get(url))]))
            yield Batch(fresh, dump_positions(positions) if positions else None)
            if limit is not None and count >= limit:
                break
        if failures:
            first = failures[0]
            if len(failures) > 1:
                raise type(first)(f"{first} (and {len(failures) - 1} more feeds failed)")
            raise first

    def _load(self, url: str) -> list[Post]:
        if url not in self._feeds:
            _, response = self.http.get_text(url, headers={"Accept": ACCEPT})
            self._feeds[url] = parse_feed(
                response.content,
                feed_url=url,
                fallback=self.now(),
                headers=response.headers,
                skipped=self.warnings,
            )
        return self._feeds[url]


def _is_dated(post: Post) -> bool:
    return (post.raw or {}).get("created_at_from") != "run"


def _stored(position: str | None) -> list[datetime]:
    return [parse_iso(position)] if position else []


def _floor(position: str | None, since: datetime | None) -> datetime | None:
    floor = parse_iso(position) - GRACE if position else None
    if since is not None and (floor is None or since > floor):
        floor = since
    return floor
