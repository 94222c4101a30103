"""Public Telegram channels (their t.me/s/ web preview) through snscrape's channel scraper.

snscrape is imported only inside `fetch`, through `load_telegram_module`, so every other command
works without it. snscrape 0.7's `snscrape.modules` package imports its scrapers with
`importer.find_module`, which Python 3.12 removed: the shim registers a bare `snscrape.modules`
package and imports only `snscrape.modules.telegram`, which itself needs nothing removed.
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from earmark.models import Post
from listen.base import Batch, HttpSourceSettings, SourceError
from listen.http import BudgetExhausted, HttpClient
from listen.httpsource import HttpSource
from listen.streams import dump_positions, load_positions

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen")

PLATFORM = "telegram"
TELEGRAM_ORIGIN = "https://t.me"


@dataclass
class TelegramSettings(HttpSourceSettings):
    """Options of the telegram source: public channel names (with or without @ or t.me/)."""

    channels: list[str] = field(default_factory=list)
    max_pages: int = 5  # pages of ~20 messages read per channel and run, newest first

    def validate(self) -> None:
        from earmark.configload import FieldError

        if not self.channels:
            raise FieldError("channels", "list at least one public channel name")
        if self.max_pages < 1:
            raise FieldError("max_pages", "must be 1 or more")


def channel_name(value: str) -> str:
    """Return the bare channel name of `@name`, `name`, `t.me/name` or `https://t.me/s/name`."""
    name = value.strip()
    if "t.me/" in name:
        name = name.split("t.me/", 1)[1]
        name = name.removeprefix("s/")
    return name.strip("/@ ").split("/")[0]


def load_telegram_module() -> types.ModuleType:
    """Import `snscrape.modules.telegram` without running `snscrape/modules/__init__.py`."""
    loaded = sys.modules.get("snscrape.modules.telegram")
    if loaded is not None:
        return loaded
    try:
        import snscrape
    except ImportError:
        raise SourceError(
            f"{PLATFORM}: snscrape is not installed; install it with `pip install snscrape`"
        ) from None
    if "snscrape.modules" not in sys.modules:
        package = types.ModuleType("snscrape.modules")
        package.__path__ = [str(Path(snscrape.__file__).parent / "modules")]
        package.__package__ = "snscrape.modules"
        sys.modules["snscrape.modules"] = package
    return importlib.import_module("snscrape.modules.telegram")


def message_id(url: str) -> tuple[str, int]:
    """Return (channel, message number) of a post URL like https://t.me/s/durov/519."""
    parts = [part for part in urlsplit(url).path.split("/") if part and part != "s"]
    try:
        return parts[-2], int(parts[-1])
    except (IndexError, ValueError):
        raise SourceError(f"{PLATFORM}: unexpected message URL {url!r}") from None


def parse_message(item: Any, *, title: str | None = None, members: int | None = None) -> Post:
    """Map a snscrape TelegramPost to a Post (channel title and subscribers when known)."""
    channel, number = message_id(item.url)
    content = (item.content or "").strip()
    preview = item.linkPreview
    if not content and preview is not None:
        content = "\n\n".join(part for part in (preview.title, preview.description) if part)
    raw = {
        "url": item.url,
        "date": item.date.isoformat(),
        "content": item.content,
        "outlinks": list(item.outlinks or []),
        "linkPreview": vars(preview).copy() if preview is not None else None,
    }
    return Post(
        platform=PLATFORM,
        native_id=f"{channel}/{number}",
        text=content,
        created_at=item.date.astimezone(timezone.utc),
        url=f"{TELEGRAM_ORIGIN}/{channel}/{number}",
        author=channel,
        author_name=title,
        author_reach=members,
        source=PLATFORM,
        raw=raw,
    )


class _PageLimit(Exception):  # noqa: N818 - internal stop signal
    pass


def make_scraper(
    module: types.ModuleType, channel: str, http: HttpClient, base_url: str, pages: int
):
    """Return a TelegramChannelScraper whose requests go through `http`, rooted at base_url."""

    class Scraper(module.TelegramChannelScraper):
        def _soup_to_items(self, soup, pageUrl, onlyUsername=False):  # noqa: N803 - snscrape's name
            # snscrape joins a message's text without its line breaks ("end.Next"): keep them.
            for br in soup.find_all("br"):
                br.replace_with("\n")
            return super()._soup_to_items(soup, pageUrl, onlyUsername)

        def _get(self, url, params=None, headers=None, **kwargs):
            # snscrape sends a browser User-Agent; we keep our own descriptive one.
            if url.startswith(TELEGRAM_ORIGIN):
                url = base_url + url[len(TELEGRAM_ORIGIN) :]
            if "before=" in url:
                self.pages_read += 1
                if self.pages_read >= pages:
                    raise _PageLimit
            return http.get(url, params)

    scraper = Scraper(channel, retries=0)
    scraper.pages_read = 0
    return scraper


class TelegramSource(HttpSource):
    """Messages of public Telegram channels, newest first, since the stored message number."""

    name: ClassVar[str] = PLATFORM
    default_base_url: ClassVar[str] = TELEGRAM_ORIGIN
    secret_keys: ClassVar[tuple[str, ...]] = ()
    settings_class: ClassVar[type] = TelegramSettings
    env_keys: ClassVar[tuple[str, ...]] = ()
    note: ClassVar[str] = "free, no account; public channels with a t.me/s/ preview (snscrape)"

    def __init__(self, settings, **options):
        super().__init__(settings, **options)
        self._channels: dict[str, tuple[list[Post], bool]] = {}  # read once per run
        self._channels: dict[str, tuple[list[Post], bool]] = {}  # read once per run

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield one batch per channel with its messages newer than that channel's cursor.

        The cursor is {channel: newest message number}. Pages come newest first, so a
        channel's position moves only when its pages were read down to the old position (or
        on a first run, which reads one page: listening starts now). Channels have no search:
        the runner keeps the messages that match the topic.
        """
        module = load_telegram_module()
        positions = load_positions(cursor)
        count = 0
        for value in self.settings.channels:
            channel = channel_name(value)
            known = positions.get(channel.lower())
            try:
                posts, complete = self._read(module, channel, int(known) if known else None, since)
            except BudgetExhausted as stop:
                log.info("%s", stop)
                return
            if limit is not None:
                posts = posts[: max(0, limit - count)]  # oldest first: keep the oldest
                complete = complete and len(posts) == len(self._channels[channel][0])
            count += len(posts)
            newest = max((message_id(post.url)[1] for post in posts), default=None)
            if newest is not None and (complete or known is None):
                positions[channel.lower()] = str(newest)
                yield Batch(posts, dump_positions(positions))
            elif posts:
                yield Batch(posts)
            if limit is not None and count >= limit:
                return

    def _read(
        self, module: types.ModuleType, channel: str, known: int | None, since: datetime | None
    ) -> tuple[list[Post], bool]:
        if channel in self._channels:
            posts, complete = self._channels[channel]
            return [post for post in posts if _newer(post, known, since)], complete
        pages = 1 if known is None and since is None else self.settings.max_pages
        scraper = make_scraper(module, channel, self.http, self.base_url, pages)
        posts: list[Post] = []
        complete = False
        try:
            for number, item in enumerate(scraper.get_items(), start=1):
                try:
                    post = parse_message(item)
                except Exception as error:  # noqa: BLE001 - one odd message must not stop the page
                    where = getattr(item, "url", None) or f"#{number} of the page"
                    self.warnings.append(f"record {str(where)[:80]}: unreadable ({error!r:.120})")
                    continue
                if not _newer(post, known, since):
                    complete = True
                    break
                posts.append(post)
            else:
                complete = True  # the channel's first message was reached
        except _PageLimit:
            complete = known is None and since is None
        except (SourceError, BudgetExhausted):
            raise
        except Exception as error:  # noqa: BLE001 - snscrape/bs4 fail in many ways on odd pages
            raise SourceError(
                f"{PLATFORM}: could not read the t.me/s/{channel} page ({type(error).__name__}: "
                f"{str(error)[:120]}); is it a public channel with a web preview?"
            ) from None
        if posts:
            title, members = self._entity(scraper, channel)
            for post in posts:
                post.author_name, post.author_reach = title, members
        posts.reverse()  # oldest first
        self._channels[channel] = (posts, complete)
        return posts, complete

    def _entity(self, scraper: Any, channel: str) -> tuple[str | None, int | None]:
        try:
            entity = scraper._get_entity()
        except BudgetExhausted:
            return None, None
        except Exception as error:  # noqa: BLE001 - the channel card is optional
            log.info("%s: no channel card for %s (%s)", PLATFORM, channel, type(error).__name__)
            return None, None
        if entity is None:
            return None, None
        return entity.title, entity.members


def _newer(post: Post, known: int | None, since: datetime | None) -> bool:
    if known is not None and message_id(post.url)[1] <= known:
        return False
    return since is None or post.created_at >= since
