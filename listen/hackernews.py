"""Hacker News stories and comments through the Algolia search API (`search_by_date`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from earmark.models import Post
from listen.base import Batch, HttpSourceSettings, SourceError
from listen.html import html_to_text
from listen.http import BudgetExhausted, note_stop
from listen.httpsource import HttpSource
from listen.records import parse_each
from listen.search_terms import plain_terms, search_terms

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen")

PLATFORM = "hackernews"
DEFAULT_BASE_URL = "https://hn.algolia.com/api/v1"
ITEM_URL = "https://news.ycombinator.com/item?id={}"


@dataclass
class HackerNewsSettings(HttpSourceSettings):
    """Options of the hackernews source."""

    hits_per_page: int = 100  # Algolia allows up to 1000
    tags: str = "(story,comment)"  # Algolia tag filter: stories and comments


def parse_hit(hit: Mapping[str, Any]) -> Post:
    """Map one Algolia hit (a story or a comment) to a Post."""
    try:
        native_id = str(hit["objectID"])
        created = datetime.fromtimestamp(int(hit["created_at_i"]), tz=timezone.utc)
    except (KeyError, TypeError, ValueError) as error:
        raise SourceError(f"{PLATFORM}: a search hit lacks {error}; the API changed?") from None
    except (OverflowError, OSError):
        raise SourceError(f"{PLATFORM}: a search hit's created_at_i is out of range") from None
    tags = hit.get("_tags") or []
    is_comment = "comment" in tags or hit.get("comment_text") is not None
    if is_comment:
        text = html_to_text(hit.get("comment_text"))
        parent = hit.get("parent_id")
        story = hit.get("story_id")
    else:
        title = (hit.get("title") or "").strip()
        body = html_to_text(hit.get("story_text"))
        text = "\n\n".join(part for part in (title, body) if part)
        if not body and hit.get("url"):
            text = f"{text}\n\n{hit['url']}" if text else hit["url"]
        parent = None
        story = native_id
    raw = {key: value for key, value in hit.items() if key != "_highlightResult"}
    return Post(
        platform=PLATFORM,
        native_id=native_id,
        text=text,
        created_at=created,
        url=ITEM_URL.format(native_id),
        author=hit.get("author"),
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{story}" if story else None,
        source=PLATFORM,
        raw=raw,
    )


def parse_search_page(data: Any, skipped: list[str] | None = None) -> tuple[list[Post], int]:
    """Return the posts of one `search_by_date` page and its number of pages.

    With a skipped list, a hit that cannot be read is left out with a reason added there.
    """
    if not isinstance(data, dict) or not isinstance(data.get("hits"), list):
        raise SourceError(f"{PLATFORM}: unexpected search response (no `hits` list)")
    posts = parse_each(data["hits"], parse_hit, PLATFORM, skipped)
    return posts, _count(data.get("nbPages"))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and 0 <= value < 2**31 else 0


def build_query(topic: Topic) -> dict[str, str]:
    """Return the Algolia query for a topic: every term, each one optional (so any may match)."""
    terms = plain_terms(search_terms(topic))
    words = " ".join(f'"{term}"' if " " in term else term for term in terms)
    return {"query": words, "optionalWords": " ".join(terms)}


class HackerNewsSource(HttpSource):
    """Stories and comments that mention a topic, newest first, since the stored cursor."""

    name: ClassVar[str] = PLATFORM
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL
    secret_keys: ClassVar[tuple[str, ...]] = ()
    settings_class: ClassVar[type] = HackerNewsSettings
    env_keys: ClassVar[tuple[str, ...]] = ()
    note: ClassVar[str] = "free, no account (Algolia HN search)"

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield pages of posts newer than cursor; the last batch carries the new cursor.

        Algolia only sorts newest first, so the cursor (newest `created_at_i` seen) is stored
        with the last batch, once every page down to the old cursor was read. If the request
        budget or `limit` stops the run earlier, the cursor only moves on a first run (no
        cursor yet): otherwise the next run would skip the unread older posts.

        A first run without `since` reads the newest page only, as every source does (listening
        starts now); `--since` reads back that far.
        """
        old = int(cursor) if cursor else 0
        floor = old if since is None else max(old, int(since.timestamp()) - 1)
        base_query = build_query(topic)
        seen: set[str] = set()
        kept = 0  # posts yielded or pending
        newest = old
        pending: list[Post] = []
        ceiling: int | None = None
        complete = False
        try:
            while not complete:
                page, oldest = 0, None
                while True:
                    filters = [f"created_at_i>{floor}"]
                    if ceiling is not None:
                        filters.append(f"created_at_i<={ceiling}")
                    params = {
                        **base_query,
                        "tags": self.settings.tags,
                        "numericFilters": ",".join(filters),
                        "hitsPerPage": str(self.settings.hits_per_page),
                        "page": str(page),
                    }
                    data, _ = self.http.get_json(f"{self.base_url}/search_by_date", params)
                    posts, pages = parse_search_page(data, self.warnings)
                    fresh = [post for post in posts if post.native_id not in seen]
                    seen.update(post.native_id for post in posts)
                    for post in posts:
                        stamp = int(post.created_at.timestamp())
                        oldest = stamp if oldest is None else min(oldest, stamp)
                    if limit is not None:
                        fresh = fresh[: max(0, limit - kept)]
                    for post in fresh:
                        newest = max(newest, int(post.created_at.timestamp()))
                    if fresh:
                        if pending:
                            yield Batch(pending)
                        pending, kept = fresh, kept + len(fresh)
                    if limit is not None and kept >= limit:
                        raise _LimitReached(f"{PLATFORM}: stopped at the limit of {limit} posts")
                    page += 1
                    if not posts or page >= pages:
                        break
                    if not cursor and since is None:
                        complete = True  # a first run: the newest page only
                        break
                if complete:
                    break
                # Algolia serves at most ~1000 hits per query: go on below the oldest one seen.
                nb_hits = _count(data.get("nbHits"))
                complete = (
                    oldest is None
                    or page * self.settings.hits_per_page >= nb_hits
                    or ceiling == oldest
                )
                ceiling = oldest
        except BudgetExhausted as stop:
            note_stop(log, stop)
        except _LimitReached as stop:
            log.info("%s", stop)
        # Newest first: moving the cursor past unread older posts would skip them for good,
        # so after an early stop it only moves on a first run.
        advance = (complete or not cursor) and newest > old
        if pending or advance:
            yield Batch(pending, str(newest) if advance else None)


class _LimitReached(Exception):  # noqa: N818 - internal stop signal
    pass
