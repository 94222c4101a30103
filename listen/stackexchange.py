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
from listen.http import BudgetExhausted
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

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield questions per site and term, oldest first from the cursor {site|term: time}.

        `/search/advanced` ANDs the words of `q`, so each term is its own stream. A stream with
        no position yet reads only the newest page (listening starts now) unless `since` is
        given; after that, `fromdate` (inclusive) and ascending creation order let every batch
        carry its cursor.
        """
        positions = load_positions(cursor)
        key = self.secret("key_env")
        terms = plain_terms(search_terms(topic))
        count = 0
        try:
            for site in self.settings.sites:
                for term in terms:
                    stream = f"{site}|{term.lower()}"
                    for batch in self._read(site, term, stream, positions, since, key):
                        if limit is not None:
                            batch.posts = batch.posts[: max(0, limit - count)]
                        count += len(batch.posts)
                        yield batch
                        if limit is not None and count >= limit:
                            return
        except BudgetExhausted as stop:
            log.info("%s", stop)

    def _read(
        self,
        site: str,
        term: str,
        stream: str,
        positions: dict[str, str],
        since: datetime | None,
        key: str | None,
    ) -> Iterator[Batch]:
        start = positions.get(stream)
        if not start and since is not None:
            start = str(int(since.timestamp()))
        params = {
            "site": site,
            "q": term,
            "sort": "creation",
            "order": "asc" if start else "desc",
            "pagesize": str(self.settings.page_size),
            "filter": self.settings.filter,
        }
        if start:
            params["fromdate"] = start
        if key:
            params["key"] = key
        page = 1
        while True:
            data, _ = self.http.get_json(
                f"{self.base_url}/search/advanced", {**params, "page": str(page)}
            )
            posts, has_more = parse_search_page(data, site, self.warnings)
            backoff = data.get("backoff")
            if isinstance(backoff, (int, float)) and backoff > 0:
                # The API asks clients to wait this long before calling the same method again.
                self.http.pause(float(backoff))
            if posts:
                newest = max(int(post.created_at.timestamp()) for post in posts)
                positions[stream] = str(max(newest, int(start or 0)))
                posts.sort(key=lambda post: post.created_at)
                yield Batch(posts, dump_positions(positions))
            if data.get("quota_remaining") == 0:
                raise BudgetExhausted(
                    f"{PLATFORM}: the daily API quota is used up; stopping with what was fetched"
                    " (an app key in the variable named by key_env gives a larger quota)"
                )
            if not start or not has_more:  # a first run reads only the newest page
                return
            page += 1
