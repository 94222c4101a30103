"""Bluesky: `app.bsky.feed.searchPosts` with an app-password session, authors' reach batched.

A session comes from `com.atproto.server.createSession` (handle + app password from the env)
and is refreshed with `com.atproto.server.refreshSession` when it expires; it is kept between
runs in a private file (listen/bluesky_session.py), so cron runs do not log in every time.
Bluesky search has no OR, so each of a topic's terms is searched (sort=latest, since the
cursor) and the topic's full rules run locally afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from earmark.models import Post
from earmark.secrets import check_env_names, read_secret, redact, register_secret
from listen.base import AuthError, Batch, HttpSourceSettings, MissingCredentials, SourceError
from listen.bluesky_parse import (
    format_time,
    parse_post_view,
    parse_profiles,
    parse_search_page,
    parse_time,
    post_url,
    sort_time,
)
from listen.bluesky_session import (
    SessionFile,
    XrpcError,
    XrpcSession,
    default_session_path,
    expires_soon,
)
from listen.http import BudgetExhausted, HttpClient, safe_url
from listen.search_terms import search_terms
from listen.tokens import post_json

if TYPE_CHECKING:
    from earmark.config import Topic

log = logging.getLogger("earmark.listen.bluesky")

PAGE_SIZE = 100  # searchPosts allows 1-100
PROFILES_PER_CALL = 25  # getProfiles takes at most 25 actors
BATCH_SIZE = 100


@dataclass
class BlueskySettings(HttpSourceSettings):
    """Options of the bluesky source (credentials are named, never written, here)."""

    handle_env: str = "BLUESKY_HANDLE"
    app_password_env: str = "BLUESKY_APP_PASSWORD"
    # The PDS or entryway that hosts the account; it proxies app.bsky.* calls to the AppView.
    base_url: str | None = "https://bsky.social"
    lang: str | None = None  # search only this language (default: the topic's, if just one)
    reach: bool = True  # look up authors' follower counts (one call per 25 authors)
    # Keep the session between runs (createSession is rate limited), in a file only you can
    # read: by default $XDG_STATE_HOME/earmark/bluesky-session.json (~/.local/state/earmark/).
    keep_session: bool = True
    session_file: str | None = None

    def validate(self) -> None:
        check_env_names(self, ("handle_env", "app_password_env"))


# -- fetching -------------------------------------------------------------------------------------


class BlueskySource:
    """Bluesky posts from searchPosts, with an app-password session."""

    name: ClassVar[str] = "bluesky"
    settings_class: ClassVar[type] = BlueskySettings
    env_keys: ClassVar[tuple[str, ...]] = ("handle_env", "app_password_env")
    note: ClassVar[str] = (
        "needs a handle and an app password; keeps its session (not the password) in "
        "$XDG_STATE_HOME/earmark/bluesky-session.json, mode 0600"
    )

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
        if not isinstance(self.client.session, XrpcSession):
            self.client.session = XrpcSession(self.client.session)
        self._access: str | None = None
        self._refresh: str | None = None
        path = settings.session_file or default_session_path(env)
        kept = Path(os.path.expanduser(str(path))) if path and settings.keep_session else None
        self._kept = SessionFile(kept)
        self._from_file = False  # the tokens in use were read back from the session file
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

    def _session_key(self) -> str:
        handle = (self.env.get(self.settings.handle_env) or "").strip().lower()
        return f"{self.base}|{handle}"

    def _start_session(self) -> None:
        """Use the kept session if there is one (refreshed if it expires soon), else log in."""
        kept = self._kept.load(self._session_key()) if self._session_key()[-1] != "|" else None
        if kept is None:
            self._create_session()
            return
        self._access, self._refresh = kept["accessJwt"], kept.get("refreshJwt")
        self._from_file = True
        if expires_soon(self._access):
            self._refresh_session()

    def _forget_session(self) -> None:
        log.debug("bluesky: the kept session was refused, logging in again")
        self._kept.save(self._session_key(), None)
        self._from_file = False
        self._create_session()

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
        self._from_file = False
        self._kept.save(self._session_key(), body)

    def _get(self, method: str, params: Any) -> Any:
        """GET an XRPC query with the session, refreshing it once if it expired."""
        if self._access is None:
            self._start_session()
        url = f"{self.base}/xrpc/{method}"
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._access}"}
            try:
                payload, _ = self.client.get_json(url, params, headers)
                return payload
            except AuthError:
                if not (self._from_file and attempt == 1):
                    raise
                self._forget_session()  # revoked or from another server: log in afresh
                continue
            except XrpcError as error:
                if error.name == "ExpiredToken" and attempt == 1:
                    log.debug("bluesky: session expired, refreshing it")
                    self._refresh_session()
                    continue
                if self._from_file and attempt == 1 and error.name == "InvalidToken":
                    self._forget_session()
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
