"""Reddit: the OAuth Data API (search, subreddits' newest comments), or the public RSS feeds.

With credentials (an app's client id and secret, or a script app's refresh token) earmark
searches on oauth.reddit.com, newest first, and pages back with `after` until it reaches the
stored cursor. Without them it reads the public `.rss` feeds (Atom today, RSS 2.0 in older
recordings; feedparser reads both) and says so once per run.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from earmark import __version__
from earmark.configload import FieldError
from earmark.models import Post
from earmark.secrets import check_env_names, read_secret, register_secret
from listen.base import AuthError, Batch, HttpSourceSettings, MissingCredentials, SourceError
from listen.http import BudgetExhausted, HttpClient
from listen.reddit_parse import WEB_URL, parse_feed, parse_listing, parse_thing
from listen.search_terms import search_terms
from listen.tokens import post_json

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen.reddit")

PLATFORM = "reddit"
PAGE_SIZE = 100
BATCH_SIZE = 100
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,20}$")


@dataclass
class RedditSettings(HttpSourceSettings):
    """Options of the reddit source (credentials are named, never written, here)."""

    subreddits: list[str] = field(default_factory=list)
    comments: bool = True  # also read the newest comments of the subreddits
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    refresh_token_env: str | None = "REDDIT_REFRESH_TOKEN"
    rss_fallback: bool = True  # without credentials, read the public .rss feeds
    base_url: str | None = "https://oauth.reddit.com"
    auth_url: str = "https://www.reddit.com/api/v1/access_token"
    rss_base_url: str = WEB_URL
    # Reddit's API rules ask for `<platform>:<app id>:<version> (by /u/<reddit username>)`:
    # set `username` (the account that owns the app) and earmark writes that User-Agent, or
    # give a whole `user_agent` of your own.
    username: str | None = None
    user_agent: str | None = None

    def __post_init__(self) -> None:
        self.subreddits = [re.sub(r"^/?r/", "", name.strip()) for name in self.subreddits]
        if self.username:
            self.username = re.sub(r"^/?u/", "", self.username.strip())

    @property
    def agent(self) -> str:
        """Return the User-Agent: `user_agent`, else one in Reddit's format from `username`."""
        if self.user_agent:
            return self.user_agent
        if self.username:
            return f"python:earmark:{__version__} (by /u/{self.username})"
        return f"python:earmark:{__version__} (social listening; set reddit username)"

    def validate(self) -> None:
        check_env_names(self, ("client_id_env", "client_secret_env", "refresh_token_env"))
        if self.username is not None and not _USERNAME.match(self.username):
            raise FieldError("username", f"{self.username!r} is not a Reddit username")
        for name in self.subreddits:
            if not _SUBREDDIT.match(name):
                raise FieldError("subreddits", f"{name!r} is not a subreddit name")


# -- parsing (pure) -------------------------------------------------------------------------------


def to_search_query(topic: Topic) -> str:
    """Return the broadest Reddit search for a topic: its terms OR'ed (matched locally after)."""
    quoted = [f'"{term}"' if " " in term else term for term in search_terms(topic)]
    return " OR ".join(quoted) or topic.name


RSS_MARK = "rss"  # in the cursor: this topic was last read from the RSS feeds


def load_cursor(cursor: str | None) -> dict[str, float]:
    """Read the stored cursor: the newest created_utc seen per stream (posts, comments)."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SourceError(
            "reddit: the stored cursor is not readable; delete the reddit rows of the "
            "cursors table to start afresh"
        )
    return {str(k): float(v) for k, v in value.items() if isinstance(v, (int, float))}


# -- fetching -------------------------------------------------------------------------------------


class RedditSource:
    """Reddit posts and comments, through the OAuth API or the public RSS feeds."""

    name: ClassVar[str] = "reddit"
    settings_class: ClassVar[type] = RedditSettings
    env_keys: ClassVar[tuple[str, ...]] = (
        "client_id_env",
        "client_secret_env",
        "refresh_token_env",
    )
    note: ClassVar[str] = (
        "OAuth app credentials; without them reads the public RSS feeds; set `username:` "
        "(your Reddit name) so the User-Agent says `(by /u/name)` as Reddit's rules ask"
    )

    def __init__(
        self,
        settings: RedditSettings,
        *,
        env: Mapping[str, str] = os.environ,
        client: HttpClient | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.env = env
        self.client = client or HttpClient.for_settings(
            self.name, settings, user_agent=settings.agent
        )
        self.client.user_agent = settings.agent
        self.clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._told_rss = False
        self.warnings: list[str] = []  # records skipped, one line each, drained by the runner

    # credentials

    def credentials(self) -> dict[str, bool]:
        """Return {ENV_VAR_NAME: is_set} for the credentials this source can use."""
        names = [self.settings.client_id_env, self.settings.client_secret_env]
        if self.settings.refresh_token_env:
            names.append(self.settings.refresh_token_env)
        return {name: bool(self.env.get(name)) for name in names}

    def _secrets(self) -> tuple[str | None, str | None, str | None]:
        s = self.settings
        return (
            read_secret(self.env, s.client_id_env),
            read_secret(self.env, s.client_secret_env),
            read_secret(self.env, s.refresh_token_env),
        )

    def uses_oauth(self) -> bool:
        """Say whether credentials are set (else the RSS feeds are read, or it fails)."""
        client_id, secret, refresh = self._secrets()
        s = self.settings
        if client_id and (secret or refresh):
            return True
        if not client_id and not secret and not refresh and s.rss_fallback:
            return False
        missing = [s.client_id_env] if not client_id else []
        if not secret and not refresh:
            missing.append(s.client_secret_env)
        raise MissingCredentials(
            f"reddit: set {' and '.join(missing)} (an app's credentials from "
            "https://www.reddit.com/prefs/apps)"
            + ("" if s.rss_fallback else ", or set rss_fallback: true to read the RSS feeds")
        )

    def _access_token(self) -> str:
        if self._token and self.clock() < self._token_expires - 60:
            return self._token
        client_id, secret, refresh = self._secrets()
        if refresh:
            form = {"grant_type": "refresh_token", "refresh_token": refresh}
        else:
            form = {"grant_type": "client_credentials"}
        used = self.settings.refresh_token_env if refresh else self.settings.client_secret_env
        variables = f"{self.settings.client_id_env}/{used}"
        body, _ = post_json(
            self.client,
            self.settings.auth_url,
            data=form,
            auth=(client_id or "", secret or ""),
            what=f"credentials in {variables}",
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            problem = body.get("error") if isinstance(body, dict) else None
            raise AuthError(
                f"reddit: the token endpoint gave no access token"
                f"{f' ({problem})' if isinstance(problem, str) else ''}; check {variables}"
            )
        register_secret(token)
        self._token = token
        expires_in = body.get("expires_in")
        ttl = float(expires_in) if isinstance(expires_in, (int, float)) else 3600.0
        self._token_expires = self.clock() + ttl
        return token

    # fetching

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield batches of posts for the topic newer than cursor/since, oldest batch first."""
        marks = load_cursor(cursor)
        floor = since.timestamp() if since else None
        oauth = self.uses_oauth()
        # The cursor remembers that the RSS feeds were read, so cron hears the notice once
        # (when the topic first falls back), not on every run.
        told = marks.pop(RSS_MARK, 0.0) > 0
        if not oauth:
            marks[RSS_MARK] = 1.0
        if not oauth and not self._told_rss and not told:
            log.warning(
                "reddit: %s and %s are not set; reading the public RSS feeds instead "
                "(fewer results)",
                self.settings.client_id_env,
                self.settings.client_secret_env,
            )
        if not oauth:
            self._told_rss = True
        found: dict[str, tuple[Post, str]] = {}
        for stream, pages in self._streams(topic, oauth):
            mark = max(marks.get(stream, 0.0), floor or 0.0) or None
            try:
                for posts, more in pages:
                    for post in posts:
                        if mark is None or post.created_at.timestamp() >= mark:
                            found.setdefault(post.id, (post, stream))
                    oldest = min((p.created_at.timestamp() for p in posts), default=None)
                    # First run without a start: the newest page only.
                    if mark is None or oldest is None or oldest < mark or not more:
                        break
                    if limit is not None and len(found) >= limit:
                        break
            except BudgetExhausted as stop:
                log.info("%s", stop)
                break
        if not found and told == oauth:
            # Nothing new, but the way the topic is read changed: keep that in the cursor.
            yield Batch([], json.dumps(marks, sort_keys=True))
            return
        yield from _batches(list(found.values()), marks, limit)

    def _streams(self, topic: Topic, oauth: bool) -> Iterator[tuple[str, Iterator]]:
        s = self.settings
        subs = "+".join(s.subreddits)
        query = to_search_query(topic)
        if oauth:
            base = (s.base_url or "https://oauth.reddit.com").rstrip("/")
            search = {"q": query, "sort": "new", "t": "all", "type": "link"}
            if subs:
                search["restrict_sr"] = "1"
                yield "posts", self._api_pages(f"{base}/r/{subs}/search", search)
            else:
                yield "posts", self._api_pages(f"{base}/search", search)
            if subs and s.comments:
                yield "comments", self._api_pages(f"{base}/r/{subs}/comments", {})
        else:
            base = s.rss_base_url.rstrip("/")
            search = {"q": query, "sort": "new", "limit": str(PAGE_SIZE)}
            if subs:
                search["restrict_sr"] = "on"
                yield "posts", self._feed_pages(f"{base}/r/{subs}/search.rss", search)
            else:
                yield "posts", self._feed_pages(f"{base}/search.rss", search)
            if subs and s.comments:
                yield "comments", self._feed_pages(f"{base}/r/{subs}/comments.rss", {})

    def _api_pages(self, url: str, params: dict[str, str]) -> Iterator[tuple[list[Post], bool]]:
        after = None
        while True:
            query = {**params, "limit": str(PAGE_SIZE), "raw_json": "1"}
            if after:
                query["after"] = after
            headers = {"Authorization": f"bearer {self._access_token()}"}
            payload, response = self.client.get_json(url, query, headers)
            log.debug(
                "reddit: rate limit used %s, remaining %s, resets in %ss",
                response.headers.get("X-Ratelimit-Used", "?"),
                response.headers.get("X-Ratelimit-Remaining", "?"),
                response.headers.get("X-Ratelimit-Reset", "?"),
            )
            where = url.split("://", 1)[-1].split("/", 1)[-1]
            posts, after = parse_listing(payload, where, self.warnings)
            yield posts, after is not None
            if after is None:
                return

    def _feed_pages(self, url: str, params: dict[str, str]) -> Iterator[tuple[list[Post], bool]]:
        _, response = self.client.get_text(url, params)
        yield parse_feed(response.content, skipped=self.warnings), False


def _batches(
    found: list[tuple[Post, str]], marks: dict[str, float], limit: int | None
) -> Iterator[Batch]:
    """Yield posts oldest first in batches, each with the cursor covering it and all before."""
    found.sort(key=lambda item: (item[0].created_at, item[0].native_id))
    if limit is not None:
        found = found[-limit:] if limit > 0 else []
    current = dict(marks)
    for start in range(0, len(found), BATCH_SIZE):
        chunk = found[start : start + BATCH_SIZE]
        for post, stream in chunk:
            current[stream] = max(current.get(stream, 0.0), post.created_at.timestamp())
        yield Batch([post for post, _ in chunk], json.dumps(current, sort_keys=True))


__all__ = [
    "RedditSettings",
    "RedditSource",
    "load_cursor",
    "parse_feed",
    "parse_listing",
    "parse_thing",
    "to_search_query",
]
