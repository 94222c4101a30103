"""Mastodon statuses: public hashtag timelines and, with a token, full-text status search."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from earmark.models import Post, parse_iso
from listen.base import Batch, HttpSourceSettings, SourceError
from listen.html import html_to_text
from listen.http import BudgetExhausted
from listen.httpsource import HttpSource
from listen.records import parse_each
from listen.search_terms import search_terms
from listen.streams import dump_positions, load_positions

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen")

PLATFORM = "mastodon"
DEFAULT_BASE_URL = "https://mastodon.social"
PAGE_SIZE = 40  # the API's maximum for timelines and search
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')


@dataclass
class MastodonSettings(HttpSourceSettings):
    """Options of the mastodon source (base_url is the instance, e.g. https://mastodon.social)."""

    hashtags: list[str] = field(default_factory=list)
    token_env: str | None = "MASTODON_TOKEN"  # with a token, statuses are searched too
    page_size: int = PAGE_SIZE
    # Look up the first post of a reply's thread (one statuses/:id/context request per thread
    # not seen yet in the run), so follow-ups join their thread even when its start is unseen.
    threads: bool = True

    def validate(self) -> None:
        from earmark.configload import FieldError

        if not 1 <= self.page_size <= PAGE_SIZE:
            raise FieldError("page_size", f"must be between 1 and {PAGE_SIZE}")


def parse_status(status: Mapping[str, Any], thread_root: str | None = None) -> Post:
    """Map a Mastodon Status object to a Post (a boost is read as the status it boosts).

    A status that replies to nothing starts its own thread. A reply's thread is the first
    status of its context (`thread_root`, looked up by the source); without it the thread is
    left unknown and the parent chain (`parent_id`) still links the reply to its thread.
    """
    if status.get("reblog"):
        status = status["reblog"]
    try:
        native_id = str(status["id"])
        created = parse_iso(status["created_at"])
    except (KeyError, TypeError, ValueError) as error:
        raise SourceError(f"{PLATFORM}: a status lacks {error}; the API changed?") from None
    if not native_id.isdigit() or not native_id.isascii():  # ids are numbers, sorted as such
        raise SourceError(f"{PLATFORM}: a status id is not a number ({native_id[:40]!r})")
    account = status.get("account") or {}
    spoiler = (status.get("spoiler_text") or "").strip()
    content = html_to_text(status.get("content"))
    text = "\n\n".join(part for part in (spoiler, content, _poll_text(status)) if part)
    text = text or _media_text(status)
    reach = account.get("followers_count")
    parent = status.get("in_reply_to_id")
    root = native_id if not parent else thread_root
    return Post(
        platform=PLATFORM,
        native_id=native_id,
        text=text,
        created_at=created,
        url=status.get("url") or status.get("uri"),
        author=account.get("acct") or account.get("username"),
        author_name=account.get("display_name") or None,
        author_reach=reach if isinstance(reach, int) else None,
        lang=status.get("language") or None,
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{root}" if root else None,
        source=PLATFORM,
        raw=dict(status),
    )


def _poll_text(status: Mapping[str, Any]) -> str:
    poll = status.get("poll")
    options = poll.get("options") if isinstance(poll, dict) else None
    titles = [o.get("title") for o in options or [] if isinstance(o, dict)]
    return "\n".join(f"- {title.strip()}" for title in titles if isinstance(title, str) and title)


def _media_text(status: Mapping[str, Any]) -> str:
    """Return `[image: description]`-style markers for a status with media and no text."""
    markers = []
    for media in status.get("media_attachments") or []:
        if not isinstance(media, dict):
            continue
        kind = {"gifv": "video"}.get(str(media.get("type")), str(media.get("type") or "media"))
        about = media.get("description")
        markers.append(
            f"[{kind}: {about.strip()}]"
            if isinstance(about, str) and about.strip()
            else f"[{kind}]"
        )
    return " ".join(markers)


def parse_statuses(data: Any, where: str, skipped: list[str] | None = None) -> list[Post]:
    """Map a list of statuses (a timeline page) to Posts; see parse_each for skipped."""
    if not isinstance(data, list):
        raise SourceError(f"{PLATFORM}: unexpected response from {where} (expected a list)")
    return parse_each(data, parse_status, PLATFORM, skipped)


def parse_search(data: Any, skipped: list[str] | None = None) -> list[Post]:
    """Map the statuses of a v2 search result to Posts; see parse_each for skipped."""
    if not isinstance(data, dict) or not isinstance(data.get("statuses"), list):
        raise SourceError(f"{PLATFORM}: unexpected search response (no `statuses` list)")
    return parse_each(data["statuses"], parse_status, PLATFORM, skipped)


def parse_context_root(data: Any) -> str | None:
    """Return the id of the first status of a statuses/:id/context response, or None."""
    ancestors = data.get("ancestors") if isinstance(data, dict) else None
    if not isinstance(ancestors, list) or not ancestors or not isinstance(ancestors[0], dict):
        return None
    first = str(ancestors[0].get("id") or "")
    return first if first.isdigit() and first.isascii() else None


def parse_link_header(value: str | None) -> dict[str, str]:
    """Return {rel: url} from an HTTP Link header."""
    return {rel: url for url, rel in _LINK.findall(value or "")}


def link_param(links: Mapping[str, str], rel: str, name: str) -> str | None:
    """Return one query parameter of the Link URL with this rel, or None."""
    url = links.get(rel)
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def snowflake_at(moment: datetime) -> str:
    """Return the smallest Mastodon id at this time (ids are milliseconds << 16)."""
    return str(int(moment.timestamp() * 1000) << 16)


def _newest(posts: list[Post]) -> str:
    return max((post.native_id for post in posts), key=int)


class MastodonSource(HttpSource):
    """Statuses on one instance: hashtag timelines, plus status search when a token is set."""

    name: ClassVar[str] = PLATFORM
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_keys: ClassVar[tuple[str, ...]] = ("token_env",)
    settings_class: ClassVar[type] = MastodonSettings
    env_keys: ClassVar[tuple[str, ...]] = ("MASTODON_TOKEN",)
    note: ClassVar[str] = "free; hashtags need no account, search needs an access token"

    def hashtags(self, topic: Topic) -> list[str]:
        """Return the configured hashtags plus the topic's own `#hashtag` terms."""
        tags = [tag.lstrip("#") for tag in self.settings.hashtags]
        tags += [term[1:] for term in search_terms(topic) if term.startswith("#") and term[1:]]
        unique: dict[str, str] = {}
        for tag in tags:
            unique.setdefault(tag.lower(), tag)
        return list(unique.values())

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield batches per stream (each hashtag, then each searched term), oldest first.

        The cursor is {stream: newest status id}. Hashtag timelines are read upwards with
        `min_id` (oldest page first), so every batch can store its cursor. Search results come
        newest first, so a search stream's position is stored with its last batch only.
        """
        positions = load_positions(cursor)
        token = self.secret("token_env")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        counted = [0]
        streams: list[tuple[str, Any]] = [
            (f"tag:{tag.lower()}", self._hashtag_pages(tag, headers))
            for tag in self.hashtags(topic)
        ]
        if token:
            streams += [
                (f"search:{term.lower()}", self._search_pages(term, headers))
                for term in search_terms(topic)
                if not term.startswith("#")
            ]
        try:
            for key, reader in streams:
                yield from reader(key, positions, since, limit, counted)
                if limit is not None and counted[0] >= limit:
                    break
        except BudgetExhausted as stop:
            log.info("%s", stop)

    def __init__(self, settings, **options):
        super().__init__(settings, **options)
        self._roots: dict[str, str] = {}  # status id -> id of its thread's first status
        self._lookups = settings.threads

    def _add_threads(self, posts: list[Post], headers: Mapping[str, str]) -> None:
        """Set each reply's thread_id from its context (cached per run); keep going on errors."""
        roots = self._roots
        for post in sorted(posts, key=lambda post: int(post.native_id)):
            if post.thread_id:
                roots.setdefault(post.native_id, post.native_id)
                continue
            parent = post.parent_id.removeprefix(f"{PLATFORM}:") if post.parent_id else None
            root = roots.get(parent or "")
            if root is None and self._lookups and self._budget_left() > 1:
                root = self._thread_root(post, headers)
            if root:
                roots[post.native_id] = root
                post.thread_id = f"{PLATFORM}:{root}"

    def _thread_root(self, post: Post, headers: Mapping[str, str]) -> str | None:
        url = f"{self.base_url}/api/v1/statuses/{post.native_id}/context"
        try:
            data, _ = self.http.get_json(url, None, headers)
        except BudgetExhausted:
            self._lookups = False
            return None
        except SourceError as error:  # a deleted or private ancestor: the parent still links
            log.info("%s: no thread for status %s (%s)", PLATFORM, post.native_id, error)
            return None
        root = parse_context_root(data)
        if root is not None:
            for ancestor in data["ancestors"]:
                if isinstance(ancestor, dict) and ancestor.get("id"):
                    self._roots[str(ancestor["id"])] = root
        return root

    def _budget_left(self) -> int:
        # Pages come first: a lookup never takes the request the next page needs.
        return self.http.max_requests - self.http.requests_made

    def _hashtag_pages(self, tag: str, headers: Mapping[str, str]):
        url = f"{self.base_url}/api/v1/timelines/tag/{quote(tag, safe='')}"

        def read(key, positions, since, limit, counted) -> Iterator[Batch]:
            start = positions.get(key) or (snowflake_at(since) if since else None)
            size = self.settings.page_size
            params: dict[str, str] = {"limit": str(size)}
            if start:
                params["min_id"] = start
            while True:
                data, response = self.http.get_json(url, params, headers)
                posts = parse_statuses(data, url, self.warnings)
                if not posts:
                    return
                self._add_threads(posts, headers)
                full_page = len(posts) >= size
                posts.sort(key=lambda post: int(post.native_id))
                if limit is not None:
                    posts = posts[: max(0, limit - counted[0])]
                counted[0] += len(posts)
                positions[key] = _newest(posts)
                yield Batch(posts, dump_positions(positions))
                if not start or not full_page or (limit is not None and counted[0] >= limit):
                    return  # a first run starts listening from the newest page
                links = parse_link_header(response.headers.get("Link"))
                params["min_id"] = link_param(links, "prev", "min_id") or positions[key]

        return read

    def _search_pages(self, term: str, headers: Mapping[str, str]):
        url = f"{self.base_url}/api/v2/search"

        def read(key, positions, since, limit, counted) -> Iterator[Batch]:
            start = positions.get(key) or (snowflake_at(since) if since else None)
            size = self.settings.page_size
            params = {"q": term, "type": "statuses", "limit": str(size)}
            if start:
                params["min_id"] = start
            newest = start
            pending: list[Post] = []
            offset, complete = 0, False
            try:
                while True:
                    data, _ = self.http.get_json(url, {**params, "offset": str(offset)}, headers)
                    posts = parse_search(data, self.warnings)
                    self._add_threads(posts, headers)
                    offset += len(posts)
                    full_page = len(posts) >= size
                    if limit is not None:
                        posts = posts[: max(0, limit - counted[0])]
                    counted[0] += len(posts)
                    if posts and (newest is None or int(_newest(posts)) > int(newest)):
                        newest = _newest(posts)
                    if posts:
                        if pending:
                            yield Batch(pending)
                        pending = sorted(posts, key=lambda post: int(post.native_id))
                    if not full_page or not start:
                        complete = True  # a first run starts listening from the newest page
                        break
                    if limit is not None and counted[0] >= limit:
                        break
            except BudgetExhausted as stop:
                log.info("%s", stop)
            # Results come newest first: after an early stop, moving the position past unread
            # older results would skip them, so it only moves on a first run.
            if (complete or not start) and newest and newest != positions.get(key):
                positions[key] = newest
                yield Batch(pending, dump_positions(positions))
            elif pending:
                yield Batch(pending)

        return read
