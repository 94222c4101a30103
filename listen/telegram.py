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


# Media a message can carry instead of (or besides) text, by the class of its element in the
# t.me/s/ preview; a media-only message is stored as its marker so it is never empty.
MEDIA_MARKERS = (
    ("tgme_widget_message_photo_wrap", "photo"),
    ("tgme_widget_message_video_player", "video"),
    ("tgme_widget_message_roundvideo_player", "video message"),
    ("tgme_widget_message_voice", "voice message"),
    ("tgme_widget_message_document", "file"),
    ("tgme_widget_message_sticker_wrap", "sticker"),
    ("tgme_widget_message_location_wrap", "location"),
)


def parse_media(message: Any) -> dict[str, Any]:
    """Return {"kinds": [...], "poll": {...}} of a t.me/s/ message element (bs4 Tag)."""
    kinds: list[str] = []
    for css_class, kind in MEDIA_MARKERS:
        if message.find(class_=css_class) is not None and kind not in kinds:
            kinds.append(kind)
    found: dict[str, Any] = {"kinds": kinds}
    document = message.find(class_="tgme_widget_message_document_title")
    if document is not None and document.get_text(strip=True):
        found["file"] = document.get_text(" ", strip=True)
    poll = message.find(class_="tgme_widget_message_poll")
    if poll is not None:
        question = poll.find(class_="tgme_widget_message_poll_question")
        options = poll.find_all(class_="tgme_widget_message_poll_option_text")
        found["poll"] = {
            "question": question.get_text(" ", strip=True) if question is not None else "",
            "options": [option.get_text(" ", strip=True) for option in options],
        }
    return found


def media_text(media: dict[str, Any] | None) -> str:
    """Return the text that stands for a message without text: a poll, or `[photo]` markers."""
    if not media:
        return ""
    poll = media.get("poll")
    if poll and poll.get("question"):
        return "\n".join([poll["question"], *(f"- {option}" for option in poll["options"])])
    markers = []
    for kind in media.get("kinds", []):
        if kind == "file" and media.get("file"):
            markers.append(f"[file: {media['file']}]")
        else:
            markers.append(f"[{kind}]")
    return " ".join(markers)


def parse_message(
    item: Any,
    *,
    title: str | None = None,
    members: int | None = None,
    media: dict[str, Any] | None = None,
) -> Post:
    """Map a snscrape TelegramPost to a Post (channel title, subscribers and media when known).

    A message's text is its text or caption; without one, a link preview's title and
    description, else a poll's question and options, else markers such as `[photo]` (`[media]`
    when the preview does not say which).
    """
    channel, number = message_id(item.url)
    content = (item.content or "").strip()
    preview = item.linkPreview
    if not content and preview is not None:
        content = "\n\n".join(part for part in (preview.title, preview.description) if part)
    if not content or (media or {}).get("poll"):
        content = "\n\n".join(part for part in (content, media_text(media)) if part)
    # Every channel message has text or media; media the preview does not describe (every
    # message carries a hidden "not supported in your browser" block) is still media.
    content = content or "[media]"
    raw = {
        "url": item.url,
        "date": item.date.isoformat(),
        "content": item.content,
        "outlinks": list(item.outlinks or []),
        "linkPreview": vars(preview).copy() if preview is not None else None,
    }
    if media and (media.get("kinds") or media.get("poll")):
        raw["media"] = media
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
    """Return a TelegramChannelScraper whose requests go through `http`, rooted at base_url.

    snscrape only ever sees t.me URLs: requests are sent to base_url (which may have a path)
    and each response's URL is mapped back to t.me, so the "more" link and relative outlinks
    resolve against t.me, and the next page is again sent to base_url with its path.
    """
    base_url = base_url.rstrip("/")

    class Scraper(module.TelegramChannelScraper):
        def _soup_to_items(self, soup, pageUrl, onlyUsername=False):  # noqa: N803 - snscrape's name
            # snscrape joins a message's text without its line breaks ("end.Next"): keep them.
            for br in soup.find_all("br"):
                br.replace_with("\n")
            if not onlyUsername:
                for message in soup.find_all("div", attrs={"class": "tgme_widget_message"}):
                    if message.get("data-post"):
                        self.media[message["data-post"].lower()] = parse_media(message)
            return super()._soup_to_items(soup, pageUrl, onlyUsername)

        def _get(self, url, params=None, headers=None, **kwargs):
            # snscrape sends a browser User-Agent; we keep our own descriptive one.
            if url.startswith(TELEGRAM_ORIGIN):
                url = base_url + url[len(TELEGRAM_ORIGIN) :]
            if "before=" in url:
                self.pages_read += 1
                if self.pages_read >= pages:
                    raise _PageLimit
            response = http.get(url, params)
            if response.url.startswith(base_url):
                response.url = TELEGRAM_ORIGIN + response.url[len(base_url) :]
            return response

    scraper = Scraper(channel, retries=0)
    scraper.pages_read = 0
    scraper.media = {}
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
                    post = parse_message(item, media=scraper.media.get(_post_key(item)))
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


def _post_key(item: Any) -> str:
    channel, number = message_id(item.url)
    return f"{channel}/{number}".lower()


def _newer(post: Post, known: int | None, since: datetime | None) -> bool:
    if known is not None and message_id(post.url)[1] <= known:
        return False
    return since is None or post.created_at >= since
