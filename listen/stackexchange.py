"""Stack Exchange questions through API 2.3 `/search/advanced`, on the configured sites."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from earmark.models import Post
from listen.base import Batch, HttpSourceSettings, SourceError
from listen.html import html_to_text
from listen.http import BudgetExhausted, DeadlineReached, PlatformError
from listen.httperrors import error_detail
from listen.httpsource import HttpSource
from listen.records import parse_each
from listen.search_terms import plain_terms, search_terms
from listen.streams import dump_positions, load_positions

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen")

PLATFORM = "stackexchange"
DEFAULT_BASE_URL = "https://api.stackexchange.com/2.3"
PAGE_SIZE = 100  # the API's maximum
# Sites written in one language; every other site gets no language (the classifier detects it).
SITE_LANGUAGES = {
    "ru.stackoverflow": "ru",
    "es.stackoverflow": "es",
    "pt.stackoverflow": "pt",
    "ja.stackoverflow": "ja",
}


@dataclass
class StackExchangeSettings(HttpSourceSettings):
    """Options of the stackexchange source."""

    sites: list[str] = field(default_factory=lambda: ["stackoverflow"])
    key_env: str | None = "STACKEXCHANGE_KEY"  # optional app key: a larger daily quota
    filter: str = "withbody"  # built-in API filter that adds the question body
    page_size: int = PAGE_SIZE

    def validate(self) -> None:
        from earmark.configload import FieldError

        if not self.sites:
            raise FieldError("sites", "list at least one site, e.g. [stackoverflow]")
        if not 1 <= self.page_size <= PAGE_SIZE:
            raise FieldError("page_size", f"must be between 1 and {PAGE_SIZE}")


def parse_question(item: Mapping[str, Any], site: str) -> Post:
    """Map one question of a search result to a Post (ids are per site: `site/question_id`)."""
    try:
        question_id = int(item["question_id"])
        created = datetime.fromtimestamp(int(item["creation_date"]), tz=timezone.utc)
    except (KeyError, TypeError, ValueError) as error:
        raise SourceError(f"{PLATFORM}: a question lacks {error}; the API changed?") from None
    except (OverflowError, OSError):
        raise SourceError(f"{PLATFORM}: a question's creation_date is out of range") from None
    title = html.unescape(item.get("title") or "").strip()
    body = html_to_text(item.get("body"))
    owner = item.get("owner") or {}
    name = html.unescape(owner["display_name"]) if owner.get("display_name") else None
    reputation = owner.get("reputation")
    native_id = f"{site}/{question_id}"
    return Post(
        platform=PLATFORM,
        native_id=native_id,
        text="\n\n".join(part for part in (title, body) if part),
        created_at=created,
        url=item.get("link"),
        author=name,
        author_name=name,
        author_reach=reputation if isinstance(reputation, int) else None,
        lang=SITE_LANGUAGES.get(site),
        thread_id=f"{PLATFORM}:{native_id}",
        source=PLATFORM,
        raw=dict(item),
    )


def parse_search_page(
    data: Any, site: str, skipped: list[str] | None = None
) -> tuple[list[Post], bool]:
    """Return the questions of one search page and whether more pages follow.

    With a skipped list, a question that cannot be read is left out with a reason added there.
    """
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError(f"{PLATFORM}: unexpected search response (no `items` list)")
    posts = parse_each(data["items"], lambda item: parse_question(item, site), PLATFORM, skipped)
    return posts, bool(data.get("has_more"))


class StackExchangeSource(HttpSource):
    """Questions matching a topic's terms on each configured Stack Exchange site."""

    name: ClassVar[str] = PLATFORM
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_keys: ClassVar[tuple[str, ...]] = ("key_env",)
    settings_class: ClassVar[type] = StackExchangeSettings
    env_keys: ClassVar[tuple[str, ...]] = ("STACKEXCHANGE_KEY",)
    note: ClassVar[str] = "free; an optional app key raises the daily quota (300 -> 10,000)"
    quota_used_up = False  # the API said quota_remaining: 0 (per source, for the whole run)

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield questions per site and term, oldest first from the cursor {site|term: time}.

        `/search/advanced` ANDs the words of `q`, so each site and term is its own stream. A
        stream with no position yet reads only the newest page (listening starts now) unless
        `since` is given; after that, `fromdate` (inclusive) and ascending creation order let
        every batch carry its cursor. The request budget is shared fairly: every stream gets
        its first page before any gets a second, and a run the budget stops records where it
        stopped, so the next run starts with the streams left out.
        """
        positions = load_positions(cursor)
        resume = positions.pop(RESUME_KEY, None)
        key = self.secret("key_env")
        terms = plain_terms(search_terms(topic))
        streams = [(site, term) for site in self.settings.sites for term in terms]
        names = [_stream_name(site, term) for site, term in streams]
        if resume in names:
            at = names.index(resume)
            streams = streams[at:] + streams[:at]
        todo = [_Stream(site, term, positions, since) for site, term in streams]
        count = 0
        try:
            while todo:
                stream = todo[0]
                batch, more = self._read_page(stream, positions, key)
                todo.pop(0)
                if more:
                    todo.append(stream)  # its next page waits until every stream had one
                if batch is not None:
                    if limit is not None:
                        batch.posts = batch.posts[: max(0, limit - count)]
                    count += len(batch.posts)
                    yield batch
                    if limit is not None and count >= limit:
                        return
        except BudgetExhausted as stop:
            said = None if isinstance(stop, DeadlineReached) else str(stop)
            if said is None:
                log.info("%s", stop)
            yield self._stopped_short(topic, todo, len(streams), positions, said)
        except _QuotaUsedUp as used_up:
            yield self._stopped_short(topic, todo, len(streams), positions)
            raise SourceError(f"{used_up}; {_unread(todo, len(streams))}") from None
        except PlatformError as error:
            if not _is_throttled(error):
                raise
            yield self._stopped_short(topic, todo, len(streams), positions)
            detail = error_detail(error.payload)
            raise SourceError(
                f"{PLATFORM}: Stack Exchange is throttling this address ({detail}); "
                f"{_unread(todo, len(streams))}, read when it lifts (an app key in the "
                "variable named by key_env gives a larger quota)"
            ) from None

    def _stopped_short(
        self,
        topic: Topic,
        todo: list[_Stream],
        total: int,
        positions: dict[str, str],
        why: str | None = None,
    ) -> Batch:
        """Return the cursor-only batch that makes the next run start with what was left.

        With `why`, the stop is said without -v (the run does not fail for it).
        """
        if todo:
            if why:
                unread = _unread(todo, total)
                log.warning("%s (topic %s: %s; they go first next run)", why, topic.name, unread)
            positions = {**positions, RESUME_KEY: todo[0].name}
        return Batch([], dump_positions(positions))

    def _read_page(
        self, stream: _Stream, positions: dict[str, str], key: str | None
    ) -> tuple[Batch | None, bool]:
        """Read the stream's next page; return its batch (None if empty) and whether more follow."""
        if self.quota_used_up:
            raise _QuotaUsedUp(
                f"{PLATFORM}: the daily API quota is used up (it resets at midnight UTC; an app "
                "key in the variable named by key_env gives a larger one)"
            )
        params = {
            "site": stream.site,
            "q": stream.term,
            "sort": "creation",
            "order": "asc" if stream.start else "desc",
            "pagesize": str(self.settings.page_size),
            "filter": self.settings.filter,
            "page": str(stream.page),
        }
        if stream.start:
            params["fromdate"] = stream.start
        if key:
            params["key"] = key
        data, _ = self.http.get_json(f"{self.base_url}/search/advanced", params)
        posts, has_more = parse_search_page(data, stream.site, self.warnings)
        backoff = data.get("backoff")
        if isinstance(backoff, (int, float)) and backoff > 0:
            # The API asks clients to wait this long before calling the same method again.
            self.http.pause(float(backoff))
        if data.get("quota_remaining") == 0:
            self.quota_used_up = True
        stream.page += 1
        batch = None
        if posts:
            newest = max(int(post.created_at.timestamp()) for post in posts)
            positions[stream.name] = str(max(newest, int(stream.start or 0)))
            posts.sort(key=lambda post: post.created_at)
            batch = Batch(posts, dump_positions(positions))
        # A stream's first run reads only the newest page.
        return batch, bool(stream.start) and has_more


RESUME_KEY = "~resume"  # in the cursor: the site|term stream the next run starts with


class _Stream:
    """One site and term: where it starts and the page to read next."""

    def __init__(self, site: str, term: str, positions: dict[str, str], since: datetime | None):
        self.site, self.term = site, term
        self.name = _stream_name(site, term)
        self.start = positions.get(self.name)
        if not self.start and since is not None:
            self.start = str(int(since.timestamp()))
        self.page = 1


class _QuotaUsedUp(Exception):  # noqa: N818 - internal stop signal, turned into a SourceError
    pass


def _stream_name(site: str, term: str) -> str:
    return f"{site}|{term.lower()}"


def _unread(todo: list[_Stream], total: int) -> str:
    """Say what a run stopped short of: searches not started, or pages left."""
    unread = sum(1 for stream in todo if stream.page == 1)
    if unread:
        return f"{unread} of {total} site/term searches not read this run"
    return f"{len(todo)} site/term searches have more pages"


def _is_throttled(error: PlatformError) -> bool:
    payload = error.payload if isinstance(error.payload, dict) else {}
    return payload.get("error_name") == "throttle_violation" or payload.get("error_id") == 502
