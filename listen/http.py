"""The one HTTP client every source uses: retries, backoff, rate limits and a request budget."""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from earmark import __version__
from listen.base import AuthError, SourceError

log = logging.getLogger("earmark.listen")

USER_AGENT = f"earmark/{__version__} (+https://github.com/earmark; social listening)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Rate-limit header families, lower case (requests' headers are case-insensitive):
# GitHub/Mastodon/Reddit `X-RateLimit-*` (Reddit spells it X-Ratelimit-*), X's `x-rate-limit-*`,
# and the IETF draft `RateLimit-*` (Bluesky).
_REMAINING_HEADERS = ("x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining")
_RESET_HEADERS = ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset")
_EPOCH_THRESHOLD = 1_000_000_000  # a reset value above this is a Unix time, below it seconds


class BudgetExhausted(Exception):  # noqa: N818 - a stop signal, not an error
    """Stop fetching for this run: the request budget or the rate-limit window is used up.

    Not an error: sources catch it, keep what they already yielded and end their fetch.
    """


def safe_url(url: str) -> str:
    """Return url without its query string, fragment or user info (they may carry secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Return the seconds a Retry-After header asks to wait (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now)


def parse_rate_limit(headers: Mapping[str, str], *, now: float) -> tuple[float, float] | None:
    """Return (requests remaining, seconds until the window resets) from rate-limit headers."""
    remaining = _first_header(headers, _REMAINING_HEADERS)
    if remaining is None:
        return None
    try:
        left = float(remaining)
    except ValueError:
        return None
    reset = _first_header(headers, _RESET_HEADERS)
    return left, _reset_seconds(reset, now=now) if reset is not None else 0.0


def _first_header(headers: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value
    return None


def _reset_seconds(value: str, *, now: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # Reddit/Bluesky-draft send seconds to wait; X and GitHub send a Unix time.
        return max(0.0, number - now) if number > _EPOCH_THRESHOLD else max(0.0, number)
    try:  # Mastodon sends an ISO-8601 time
        text = value.strip().replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now)


class HttpClient:
    """GET JSON or text for one source, politely: retries, backoff, rate limits, a budget."""

    def __init__(
        self,
        source_name: str,
        *,
        timeout: float = 20.0,
        max_requests: int = 20,
        user_agent: str = USER_AGENT,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        slow_below: float = 5,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ):
        self.source_name = source_name
        self.timeout = timeout
        self.max_requests = max_requests
        self.user_agent = user_agent
        self.max_retries = max_retries
        self.sleep = sleep
        self.session = session if session is not None else requests.Session()
        self.backoff = backoff  # first retry waits about this long, then doubles
        self.max_wait = max_wait  # never sleep longer than this in one go
        self.slow_below = slow_below  # start pacing when this few requests remain in a window
        self.clock = clock
        self.jitter = jitter
        self.requests_made = 0
        self.quota_remaining: float | None = None  # last rate-limit "remaining" seen
        self._wait_before_next = 0.0

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """GET url and return the 2xx response, retrying 429/5xx/network errors with backoff."""
        where = safe_url(url)
        sent_headers = {"User-Agent": self.user_agent, **(headers or {})}
        attempt = 0
        while True:
            self._before_request()
            self.requests_made += 1
            try:
                response = self.session.get(
                    url, params=params, headers=sent_headers, timeout=self.timeout
                )
            except requests.Timeout:
                failure = f"timed out after {self.timeout:g}s"
                retry_after = None
            except requests.RequestException as error:
                # str(error) may repeat the URL with its query string: name the kind only.
                failure = f"cannot connect to {urlsplit(url).hostname} ({type(error).__name__})"
                retry_after = None
            else:
                self._note_rate_limit(response)
                if response.status_code < 400:
                    return response
                if response.status_code in (401, 403):
                    raise AuthError(
                        f"{self.source_name}: {response.status_code} {response.reason} from "
                        f"{where}; check the source's credentials (`earmark sources` shows "
                        "which are set)"
                    )
                if response.status_code not in RETRY_STATUSES:
                    raise SourceError(
                        f"{self.source_name}: HTTP {response.status_code} {response.reason} "
                        f"from {where}; check base_url and the source's settings"
                    )
                failure = f"HTTP {response.status_code} {response.reason}"
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), now=self.clock()
                )
            if attempt >= self.max_retries:
                raise SourceError(
                    f"{self.source_name}: {failure} from {where} after {attempt + 1} tries, "
                    "giving up; try again later"
                )
            delay = self._retry_delay(attempt, retry_after)
            if delay > self.max_wait:
                raise SourceError(
                    f"{self.source_name}: {failure} from {where}; the server asks to wait "
                    f"{delay:.0f}s, giving up for this run; try again later"
                )
            log.debug("%s: %s from %s, retrying in %.1fs", self.source_name, failure, where, delay)
            self.sleep(delay)
            attempt += 1

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, requests.Response]:
        """GET url and return (decoded JSON, response); malformed JSON raises SourceError."""
        response = self.get(url, params, {"Accept": "application/json", **(headers or {})})
        try:
            return json.loads(response.content), response
        except (ValueError, UnicodeDecodeError) as error:
            raise SourceError(
                f"{self.source_name}: malformed JSON from {safe_url(url)}: {error}"
            ) from None
        except RecursionError:
            raise SourceError(
                f"{self.source_name}: unreadable JSON from {safe_url(url)}: nested too deep"
            ) from None

    def get_text(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[str, requests.Response]:
        """GET url and return (body as text, response)."""
        response = self.get(url, params, headers)
        return response.text, response

    def pause(self, seconds: float) -> None:
        """Wait at least this long before the next request (e.g. an API's `backoff` field)."""
        self._wait_before_next = max(self._wait_before_next, seconds)

    def _before_request(self) -> None:
        if self.requests_made >= self.max_requests:
            raise BudgetExhausted(
                f"{self.source_name}: request budget of {self.max_requests} used; stopping "
                "with what was fetched (raise max_requests to fetch more per run)"
            )
        wait, self._wait_before_next = self._wait_before_next, 0.0
        if wait > self.max_wait:
            raise BudgetExhausted(
                f"{self.source_name}: rate limit nearly used, it resets in {wait:.0f}s; "
                "stopping with what was fetched"
            )
        if wait > 0:
            log.debug("%s: pacing for the rate limit, waiting %.1fs", self.source_name, wait)
            self.sleep(wait)

    def _note_rate_limit(self, response: requests.Response) -> None:
        limit = parse_rate_limit(response.headers, now=self.clock())
        if limit is None:
            return
        remaining, reset_in = limit
        self.quota_remaining = remaining
        if remaining <= 0:
            self._wait_before_next = reset_in
        elif remaining <= self.slow_below:
            # Spread what is left of the window so we never hit the limit itself.
            self._wait_before_next = reset_in / (remaining + 1)

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return self.backoff * (2**attempt) * (1 + self.jitter())
