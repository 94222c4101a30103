"""Bluesky: `app.bsky.feed.searchPosts` with an app-password session, authors' reach batched.

A session comes from `com.atproto.server.createSession` (handle + app password from the env)
and is refreshed with `com.atproto.server.refreshSession` when the server says ExpiredToken.
Bluesky search has no OR, so each of a topic's terms is searched (sort=latest, since the
cursor) and the topic's full rules run locally afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

import requests

from earmark.models import Post
from earmark.secrets import check_env_names, read_secret, redact, register_secret
from listen.base import AuthError, Batch, HttpSourceSettings, MissingCredentials, SourceError
from listen.http import BudgetExhausted, HttpClient, safe_url
from listen.records import parse_each
from listen.search_terms import search_terms
from listen.tokens import post_json

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen.bluesky")

PLATFORM = "bluesky"
WEB_URL = "https://bsky.app"
PAGE_SIZE = 100  # searchPosts allows 1-100
PROFILES_PER_CALL = 25  # getProfiles takes at most 25 actors
BATCH_SIZE = 100
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


@dataclass
class BlueskySettings(HttpSourceSettings):
    """Options of the bluesky source (credentials are named, never written, here)."""

    handle_env: str = "BLUESKY_HANDLE"
    app_password_env: str = "BLUESKY_APP_PASSWORD"
    # The PDS or entryway that hosts the account; it proxies app.bsky.* calls to the AppView.
    base_url: str | None = "https://bsky.social"
    lang: str | None = None  # search only this language (default: the topic's, if just one)
    reach: bool = True  # look up authors' follower counts (one call per 25 authors)

    def validate(self) -> None:
        check_env_names(self, ("handle_env", "app_password_env"))


# -- parsing (pure) -------------------------------------------------------------------------------


def parse_time(value: str) -> datetime:
    """Parse an atproto datetime (any number of fraction digits, Z or offset) to UTC."""
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"not a datetime: {value!r}")
    whole, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    offset = "+00:00" if zone in (None, "Z") else zone
    if len(offset) == 5:  # +0100
        offset = f"{offset[:3]}:{offset[3:]}"
    moment = datetime.fromisoformat(f"{whole}.{micro}{offset}")
    return moment.astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    """Render a datetime the way atproto writes them: UTC, milliseconds, Z."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sort_time(view: Mapping[str, Any]) -> datetime:
    """Return the time search sorts a postView by: the earlier of createdAt and indexedAt."""
    created = parse_time(view["record"]["createdAt"])
    indexed = view.get("indexedAt")
    return min(created, parse_time(indexed)) if isinstance(indexed, str) else created


def post_url(uri: str, handle: str | None) -> str:
    """Return the bsky.app link of a post's at:// URI."""
    repo, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
    return f"{WEB_URL}/profile/{handle or repo}/post/{rkey}"


def parse_post_view(view: Mapping[str, Any]) -> Post:
    """Map an app.bsky.feed.defs#postView to a Post (reach is filled in later)."""
    uri = view["uri"]
    record = view["record"]
    author = view.get("author") or {}
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri")
    root = (reply.get("root") or {}).get("uri")
    langs = record.get("langs") or []
    return Post(
        platform=PLATFORM,
        native_id=uri,
        text=(record.get("text") or "").strip(),
        created_at=parse_time(record["createdAt"]),
        url=post_url(uri, author.get("handle")),
        author=author.get("handle"),
        author_name=author.get("displayName") or None,
        lang=langs[0] if langs and isinstance(langs[0], str) else None,
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{root or uri}",
        source=PLATFORM,
        raw=dict(view),
    )


def parse_search_page(
    payload: Any, skipped: list[str] | None = None
) -> tuple[list[tuple[Post, datetime]], str | None]:
    """Return the (post, sort time) pairs of a searchPosts response and its next cursor.

    With a skipped list, a postView that cannot be read is left out with a reason added there.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("posts"), list):
        raise SourceError("bluesky: unexpected searchPosts response (no `posts` list)")
    found = parse_each(payload["posts"], _parse_view, PLATFORM, skipped)
    cursor = payload.get("cursor")
    return found, cursor if isinstance(cursor, str) and cursor else None


def _parse_view(view: Any) -> tuple[Post, datetime]:
    try:
        return parse_post_view(view), sort_time(view)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise SourceError(
            f"bluesky: malformed postView in the searchPosts response ({error!r})"
        ) from None


def parse_profiles(payload: Any) -> dict[str, int]:
    """Return {did: followersCount} from a getProfiles response."""
    if not isinstance(payload, dict) or not isinstance(payload.get("profiles"), list):
        raise SourceError("bluesky: unexpected getProfiles response (no `profiles` list)")
    reach = {}
    for profile in payload["profiles"]:
        if isinstance(profile, dict) and isinstance(profile.get("followersCount"), int):
            reach[profile.get("did")] = profile["followersCount"]
    return reach


# -- XRPC errors ----------------------------------------------------------------------------------


class _XrpcError(Exception):
    """A 400/401 with an XRPC error body ({"error": "ExpiredToken", "message": ...})."""

    def __init__(self, name: str, message: str, status: int):
        super().__init__(name)
        self.name, self.message, self.status = name, message, status


def _xrpc_error(response: requests.Response) -> tuple[str, str] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = body.get("message")
        return body["error"], message if isinstance(message, str) else ""
    return None


class _XrpcSession:
    """Wrap a requests session so XRPC 400/401 errors reach the source with their names.

    The shared client reports every 400 alike and 401 as bad credentials; ExpiredToken must
    instead refresh the session, and BadQueryString deserves its own message.
    """

    def __init__(self, inner: requests.Session):
        self.inner = inner

    def get(self, url: str, **options: Any) -> requests.Response:
        response = self.inner.get(url, **options)
        if response.status_code in (400, 401):
            error = _xrpc_error(response)
            if error and (response.status_code == 400 or error[0] == "ExpiredToken"):
                raise _XrpcError(error[0], error[1], response.status_code)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# -- fetching -------------------------------------------------------------------------------------


class BlueskySource:
    """Bluesky posts from searchPosts, with an app-password session."""

    name: ClassVar[str] = "bluesky"
    settings_class: ClassVar[type] = BlueskySettings
    env_keys: ClassVar[tuple[str, ...]] = ("handle_env", "app_password_env")
    note: ClassVar[str] = "needs a handle and an app password"

    def __init__(
        self,
        settings: BlueskySettings,
        *,
        env: Mapping[str, str] = os.environ,
        client: HttpClient | None = None,
    ):
        self.settings = settings
        self.env = env
        self.client = client or HttpClient.for_settings(self.name, settings)
        if not isinstance(self.client.session, _XrpcSession):
            self.client.session = _XrpcSession(self.client.session)
        self._access: str | None = None
        self._refresh: str | None = None
        self.warnings: list[str] = []  # records skipped, one line each, drained by the runner

    @property
    def base(self) -> str:
        return (self.settings.base_url or "https://bsky.social").rstrip("/")

    def credentials(self) -> dict[str, bool]:
        """Return {ENV_VAR_NAME: is_set} for the credentials this source can use."""
        s = self.settings
        return {name: bool(self.env.get(name)) for name in (s.handle_env, s.app_password_env)}

    # session

    def _login_names(self) -> str:
        return f"{self.settings.handle_env}/{self.settings.app_password_env}"

    def _create_session(self) -> None:
        s = self.settings
        handle = (self.env.get(s.handle_env) or "").strip()
        password = read_secret(self.env, s.app_password_env)
        missing = [n for n, v in ((s.handle_env, handle), (s.app_password_env, password)) if not v]
        if missing:
            raise MissingCredentials(
                f"bluesky: set {' and '.join(missing)} (your handle and an app password from "
                "Settings > Privacy and security > App passwords)"
            )
        body, _ = post_json(
            self.client,
            f"{self.base}/xrpc/com.atproto.server.createSession",
            json_body={"identifier": handle, "password": password},
            what=f"handle and app password in {self._login_names()}",
        )
        self._take_session(body, "createSession")

    def _refresh_session(self) -> None:
        if not self._refresh:
            self._create_session()
            return
        try:
            body, _ = post_json(
                self.client,
                f"{self.base}/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {self._refresh}"},
                what="session refresh token",
            )
        except SourceError:
            # The refresh token expired or was revoked too: log in again from scratch.
            log.debug("bluesky: refreshSession refused, creating a new session")
            self._create_session()
            return
        self._take_session(body, "refreshSession")

    def _take_session(self, body: Any, call: str) -> None:
        access = body.get("accessJwt") if isinstance(body, dict) else None
        refresh = body.get("refreshJwt") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise AuthError(f"bluesky: {call} returned no accessJwt; check {self._login_names()}")
        register_secret(access)
        register_secret(refresh if isinstance(refresh, str) else None)
        self._access, self._refresh = access, refresh if isinstance(refresh, str) else None

    def _get(self, method: str, params: Any) -> Any:
        """GET an XRPC query with the session, refreshing it once if it expired."""
        if self._access is None:
            self._create_session()
        url = f"{self.base}/xrpc/{method}"
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._access}"}
            try:
                payload, _ = self.client.get_json(url, params, headers)
                return payload
            except _XrpcError as error:
                if error.name == "ExpiredToken" and attempt == 1:
                    log.debug("bluesky: session expired, refreshing it")
                    self._refresh_session()
                    continue
                if error.status == 401 or error.name in ("ExpiredToken", "InvalidToken"):
                    raise AuthError(
                        f"bluesky: {error.status} {error.name} from {safe_url(url)}; "
                        f"check {self._login_names()}"
                    ) from None
                detail = f": {redact(error.message)}" if error.message else ""
                raise SourceError(
                    f"bluesky: {error.name}{detail} (HTTP 400 from {safe_url(url)}); "
                    "check the topic's terms and the source's settings"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

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
        mark = parse_time(cursor) if cursor else None
        if since and (mark is None or since > mark):
            mark = since
        lang = self.settings.lang or (topic.languages[0] if len(topic.languages) == 1 else None)
        found: dict[str, tuple[Post, datetime]] = {}
        try:
            for term in search_terms(topic) or [topic.name]:
                self._search(term, mark, lang, limit, found)
        except BudgetExhausted as stop:
            log.info("%s", stop)
        items = sorted(found.values(), key=lambda item: (item[1], item[0].native_id))
        if limit is not None:
            items = items[-limit:] if limit > 0 else []
        if self.settings.reach and items:
            self._add_reach([post for post, _ in items])
        for start in range(0, len(items), BATCH_SIZE):
            chunk = items[start : start + BATCH_SIZE]
            newest = max(moment for _, moment in chunk)
            yield Batch([post for post, _ in chunk], format_time(newest))

    def _search(
        self,
        term: str,
        mark: datetime | None,
        lang: str | None,
        limit: int | None,
        found: dict[str, tuple[Post, datetime]],
    ) -> None:
        query = f'"{term}"' if " " in term else term
        page_cursor = None
        while True:
            params = {"q": query, "sort": "latest", "limit": str(PAGE_SIZE)}
            if mark is not None:
                params["since"] = format_time(mark)
            if lang:
                params["lang"] = lang
            if page_cursor:
                params["cursor"] = page_cursor
            items, page_cursor = parse_search_page(
                self._get("app.bsky.feed.searchPosts", params), self.warnings
            )
            for post, moment in items:
                if mark is None or moment >= mark:
                    found.setdefault(post.id, (post, moment))
            oldest = min((moment for _, moment in items), default=None)
            if mark is None or page_cursor is None or oldest is None or oldest < mark:
                return
            if limit is not None and len(found) >= limit:
                return

    def _add_reach(self, posts: list[Post]) -> None:
        dids = list(dict.fromkeys(p.raw["author"]["did"] for p in posts if _author_did(p)))
        reach: dict[str, int] = {}
        try:
            for start in range(0, len(dids), PROFILES_PER_CALL):
                actors = dids[start : start + PROFILES_PER_CALL]
                payload = self._get("app.bsky.actor.getProfiles", {"actors": actors})
                reach.update(parse_profiles(payload))
        except AuthError:
            raise
        except (SourceError, BudgetExhausted) as error:
            # Reach is a nicety: keep the posts, say why it is missing.
            log.info("bluesky: author reach unavailable (%s)", error)
        for post in posts:
            did = _author_did(post)
            if did in reach:
                post.author_reach = reach[did]


def _author_did(post: Post) -> str | None:
    author = (post.raw or {}).get("author")
    did = author.get("did") if isinstance(author, dict) else None
    return did if isinstance(did, str) else None


__all__ = [
    "BlueskySettings",
    "BlueskySource",
    "format_time",
    "parse_post_view",
    "parse_profiles",
    "parse_search_page",
    "parse_time",
    "post_url",
    "sort_time",
]
