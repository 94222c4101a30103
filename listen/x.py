"""X (Twitter): API v2 recent search with an app's bearer token, within a per-run post budget.

The API is paid per post read, so `max_posts` caps what one run may read (across topics) and
each request asks for no more than what is left. `since_id` is the cursor; `next_token` pages
back through newer results. Retweets are left out by default (they repeat the original text).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from earmark.configload import FieldError
from earmark.models import Post, parse_iso, to_iso, utcnow
from earmark.secrets import check_env_names, read_secret
from listen.base import Batch, HttpSourceSettings, MissingCredentials, SourceError
from listen.html import unescape_basic
from listen.http import BudgetExhausted, HttpClient, PlatformError, note_stop
from listen.languages import to_bcp47, to_platform_code
from listen.records import parse_each
from listen.search_terms import search_terms

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen.x")

PLATFORM = "x"
WEB_URL = "https://x.com"
MIN_RESULTS, MAX_RESULTS = 10, 100  # what recent search accepts per request
BATCH_SIZE = 100
RECENT_WINDOW = timedelta(days=7)  # recent search only reaches back this far
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids carry their creation time since this
# note_tweet holds the whole text of posts longer than 280 characters (`text` is cut).
TWEET_FIELDS = (
    "created_at,lang,conversation_id,referenced_tweets,in_reply_to_user_id,public_metrics,"
    "note_tweet"
)
USER_FIELDS = "public_metrics,username,name"


@dataclass
class XSettings(HttpSourceSettings):
    """Options of the x source (the bearer token is named, never written, here)."""

    bearer_token_env: str = "X_BEARER_TOKEN"
    base_url: str | None = "https://api.x.com"
    max_posts: int = 100  # posts read per run, across topics: each one is billed
    exclude_retweets: bool = True

    def validate(self) -> None:
        check_env_names(self, ("bearer_token_env",))
        if self.max_posts < 0:
            raise FieldError("max_posts", "must be 0 or more")


# -- parsing (pure) -------------------------------------------------------------------------------


def snowflake_time(tweet_id: str) -> datetime:
    """Return the creation time encoded in a tweet id (for responses without created_at)."""
    millis = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, timezone.utc)


def parse_tweet(tweet: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]]) -> Post:
    """Map a v2 Tweet object (and its author from includes.users) to a Post."""
    tweet_id = str(tweet["id"])
    if not tweet_id.isdigit() or not tweet_id.isascii():  # ids are numbers, sorted as such
        raise ValueError(f"id {tweet_id[:40]!r} is not a number")
    user = users.get(str(tweet.get("author_id")), {})
    username = user.get("username")
    metrics = user.get("public_metrics") or {}
    created = tweet.get("created_at")
    parent = next(
        (
            ref.get("id")
            for ref in tweet.get("referenced_tweets") or []
            if isinstance(ref, dict) and ref.get("type") == "replied_to"
        ),
        None,
    )
    conversation = tweet.get("conversation_id") or tweet_id
    note = tweet.get("note_tweet")
    long_text = note.get("text") if isinstance(note, dict) else None
    text = long_text if isinstance(long_text, str) and long_text else tweet["text"]
    path = f"{username}/status/{tweet_id}" if username else f"i/web/status/{tweet_id}"
    return Post(
        platform=PLATFORM,
        native_id=tweet_id,
        text=unescape_basic(str(text)),  # X escapes &, < and > in post text
        created_at=parse_iso(created) if isinstance(created, str) else snowflake_time(tweet_id),
        url=f"{WEB_URL}/{path}",
        author=username,
        author_name=user.get("name"),
        author_reach=metrics.get("followers_count"),
        lang=to_bcp47(tweet.get("lang")),
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{conversation}",
        source=PLATFORM,
        raw={"tweet": dict(tweet), "author": dict(user) if user else None},
    )


def parse_search_page(
    payload: Any, skipped: list[str] | None = None
) -> tuple[list[Post], str | None]:
    """Return the posts of a recent-search response and its next_token.

    With a skipped list, a tweet that cannot be read is left out with a reason added there.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("meta"), dict):
        raise SourceError("x: unexpected search response (no `meta`)")
    data = payload.get("data") or []  # absent when nothing matched
    includes = payload.get("includes") if isinstance(payload.get("includes"), dict) else {}
    users = {
        str(user.get("id")): user for user in includes.get("users") or [] if isinstance(user, dict)
    }
    if not isinstance(data, list):
        raise SourceError("x: unexpected search response (`data` is not a list)")

    def parse(tweet: Any) -> Post:
        try:
            return parse_tweet(tweet, users)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise SourceError(f"x: malformed tweet in the search response ({error!r})") from None

    posts = parse_each(data, parse, PLATFORM, skipped)
    token = payload["meta"].get("next_token")
    return posts, token if isinstance(token, str) and token else None


def to_search_query(topic: Topic, *, exclude_retweets: bool = True) -> str:
    """Return the broadest recent-search query for a topic: its terms OR'ed, in parentheses."""
    terms = [f'"{term}"' if " " in term else term for term in search_terms(topic)]
    query = " OR ".join(terms) or topic.name
    if len(terms) > 1:
        query = f"({query})"
    if len(topic.languages) == 1:
        query += f" lang:{to_platform_code(topic.languages[0], PLATFORM)}"
    if exclude_retweets:
        query += " -is:retweet"
    return query


# -- fetching -------------------------------------------------------------------------------------


class XSource:
    """Posts on X from API v2 recent search (paid per post read)."""

    name: ClassVar[str] = "x"
    settings_class: ClassVar[type] = XSettings
    env_keys: ClassVar[tuple[str, ...]] = ("bearer_token_env",)
    note: ClassVar[str] = "paid API: every post read is billed; max_posts caps posts per run"

    def __init__(
        self,
        settings: XSettings,
        *,
        env: Mapping[str, str] = os.environ,
        client: HttpClient | None = None,
        now: datetime | None = None,
    ):
        self.settings = settings
        self.env = env
        self.client = client or HttpClient.for_settings(self.name, settings)
        self.now = now
        self.posts_read = 0  # against settings.max_posts, for the whole run
        self.warnings: list[str] = []  # records skipped, one line each, drained by the runner

    def credentials(self) -> dict[str, bool]:
        """Return {ENV_VAR_NAME: is_set} for the credentials this source can use."""
        return {self.settings.bearer_token_env: bool(self.env.get(self.settings.bearer_token_env))}

    def _token(self) -> str:
        token = read_secret(self.env, self.settings.bearer_token_env)
        if not token:
            raise MissingCredentials(
                f"x: set {self.settings.bearer_token_env} (an app's bearer token from "
                "https://developer.x.com/en/portal/dashboard)"
            )
        return token

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield batches of posts for the topic newer than cursor/since, oldest batch first."""
        self._token()  # missing credentials fail before any request
        if cursor is not None and not cursor.isdigit():
            raise SourceError(
                "x: the stored cursor is not a tweet id; delete the x rows of the cursors table "
                "to start afresh"
            )
        base = (self.settings.base_url or "https://api.x.com").rstrip("/")
        url = f"{base}/2/tweets/search/recent"
        params = {
            "query": to_search_query(topic, exclude_retweets=self.settings.exclude_retweets),
            "expansions": "author_id",
            "tweet.fields": TWEET_FIELDS,
            "user.fields": USER_FIELDS,
        }
        now = self.now or utcnow()
        earliest = now - RECENT_WINDOW + timedelta(minutes=1)
        if cursor and _id_time(cursor) > earliest:
            params["since_id"] = cursor
        elif cursor or since:
            # X refuses a since_id older than its 7-day window: start at the window instead.
            params["start_time"] = to_iso(max(since or earliest, earliest))
        found: dict[str, Post] = {}
        complete = self._search(url, params, earliest, since, limit, found, first=not cursor)
        posts = sorted(found.values(), key=lambda post: int(post.native_id))
        if not complete and cursor:
            # Pages run newest first: moving the cursor now would skip the unread older posts.
            for start in range(0, len(posts), BATCH_SIZE):
                yield Batch(posts[start : start + BATCH_SIZE])
            return
        if limit is not None:
            posts = posts[-limit:] if limit > 0 else []
        for start in range(0, len(posts), BATCH_SIZE):
            chunk = posts[start : start + BATCH_SIZE]
            yield Batch(chunk, chunk[-1].native_id)

    def _search(
        self,
        url: str,
        params: dict[str, str],
        earliest: datetime,
        since: datetime | None,
        limit: int | None,
        found: dict[str, Post],
        *,
        first: bool,
    ) -> bool:
        """Read pages into found; return whether every page down to the cursor was read."""
        headers = {"Authorization": f"Bearer {self._token()}"}
        next_token = None
        try:
            while True:
                budget_left = self.settings.max_posts - self.posts_read
                if budget_left < MIN_RESULTS:  # the API cannot be asked for fewer than 10
                    log.warning(
                        "x: post budget of %d per run reached (max_posts); the rest is read "
                        "next run (raise max_posts to read more per run)",
                        self.settings.max_posts,
                    )
                    return False
                size = min(MAX_RESULTS, budget_left)
                if limit is not None:
                    size = min(size, max(MIN_RESULTS, limit - len(found)))
                query = {**params, "max_results": str(size)}
                if next_token:
                    query["next_token"] = next_token
                try:
                    payload, _ = self.client.get_json(url, query, headers)
                except PlatformError as error:
                    if next_token or "since_id" not in params or not _refuses_since_id(error):
                        raise
                    # The cursor fell out of the 7-day window (X says so): start at the window.
                    log.info("x: the stored cursor is older than recent search reaches")
                    params.pop("since_id", None)
                    params["start_time"] = to_iso(max(since or earliest, earliest))
                    continue
                posts, next_token = parse_search_page(payload, self.warnings)
                self.posts_read += len(posts)
                for post in posts:
                    # With a cursor, since_id decides; --since still bounds what is kept.
                    if since is None or post.created_at >= since:
                        found.setdefault(post.native_id, post)
                # A first run without --since reads the newest page only.
                if next_token is None or (first and since is None):
                    return True
                if limit is not None and len(found) >= limit:
                    return True
        except BudgetExhausted as stop:
            note_stop(log, stop)
            return False


def _refuses_since_id(error: PlatformError) -> bool:
    """Whether X refused the request for its since_id (too old for recent search)."""
    payload = error.payload if isinstance(error.payload, dict) else {}
    problems = payload.get("errors") if isinstance(payload.get("errors"), list) else []
    for problem in problems:
        parameters = problem.get("parameters") if isinstance(problem, dict) else None
        if isinstance(parameters, dict) and "since_id" in parameters:
            return error.status == 400
    return False


def _id_time(tweet_id: str) -> datetime:
    try:
        return snowflake_time(tweet_id)
    except (OverflowError, OSError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)  # no usable time: treated as too old


__all__ = [
    "XSettings",
    "XSource",
    "parse_search_page",
    "parse_tweet",
    "snowflake_time",
    "to_search_query",
]
