"""The one HTTP client every source uses: retries, backoff, rate limits and a request budget.

What is retried: timeouts, 408, 429 and 5xx, and a connection the server dropped mid-answer.
A host that does not resolve or refuses the connection fails at once (another try in a second
finds it just as offline). Retries of one source stop once its failed attempts and the waits
between them would pass `retry_time` (the last attempt's timeout included).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from earmark import __version__
from listen.base import AuthError, SourceError
from listen.deadline import Deadline, Watch, current_deadline, watched_session
from listen.httperrors import (
    TRANSIENT_ERRORS,
    PlatformError,
    decode_error_body,
    error_detail,
    is_timeout,
    unreachable,
)
from listen.httpheaders import parse_rate_limit, parse_retry_after, safe_url
from listen.httplimits import (
    DEFAULT_MAX_BODY,
    MAX_REDIRECTS,
    BodyTooLarge,
    RedirectRefused,
    format_size,
    parse_size,
    read_body,
    redirect_target,
)
from listen.stops import BudgetExhausted, DeadlineReached, note_stop

log = logging.getLogger("earmark.listen")

USER_AGENT = f"earmark/{__version__} (+https://github.com/earmark; social listening)"
# 408 and 429 are the only 4xx another try may cure.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class HttpClient:
    """GET JSON or text for one source, politely: retries, backoff, rate limits, a budget.

    Every exchange is bounded as a whole (connect, headers and body) by `timeout`, and by the
    run's deadline (see listen.deadline): no request starts and no wait ends after it. Bodies
    over `max_body` bytes are refused, and redirects are only followed to http(s) on the same
    host unless `allow_redirect_hosts` lists the other one.
    """

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
        max_body: int | str = DEFAULT_MAX_BODY,
        allow_redirect_hosts: Sequence[str] = (),
        deadline: Deadline | None = None,
        retry_time: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.source_name = source_name
        self.timeout = timeout
        self.max_requests = max_requests
        self.user_agent = user_agent
        self.max_retries = max_retries
        self.sleep = sleep
        self.session = session if session is not None else watched_session()
        self.backoff = backoff  # first retry waits about this long, then doubles
        self.max_wait = max_wait  # never sleep longer than this in one go
        self.slow_below = slow_below  # start pacing when this few requests remain in a window
        self.clock = clock
        self.jitter = jitter
        try:
            self.max_body = parse_size(max_body)
        except ValueError as error:
            raise SourceError(f"{source_name}: max_body: {error}") from None
        self.allow_redirect_hosts = tuple(allow_redirect_hosts)
        self._deadline = deadline  # None: the one of the run in progress (deadline_scope)
        self.retry_time = retry_time  # cap on failed attempts + waits, over the source's run
        self.monotonic = monotonic
        self.retry_spent = 0.0  # seconds spent so far on failed attempts and retry waits
        self.requests_made = 0
        self.quota_remaining: float | None = None  # last rate-limit "remaining" seen
        self._wait_before_next = 0.0

    @classmethod
    def for_settings(cls, source_name: str, settings, **options: Any) -> HttpClient:
        """Return a client with an HTTP source's settings (timeout, budget, body cap, hosts)."""
        return cls(
            source_name,
            timeout=settings.timeout,
            max_requests=settings.max_requests,
            max_body=getattr(settings, "max_body", DEFAULT_MAX_BODY),
            allow_redirect_hosts=getattr(settings, "allow_redirect_hosts", ()) or (),
            retry_time=getattr(settings, "retry_time", 60.0),
            **options,
        )

    @property
    def deadline(self) -> Deadline | None:
        """Return the deadline this client respects, if any."""
        return self._deadline if self._deadline is not None else current_deadline()

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """GET url and return the 2xx response, retrying 429/408/5xx/network errors.

        Raises BudgetExhausted (or DeadlineReached) when no request may start any more: a clean
        stop. Once a request was made, every failure is a SourceError, never a silent stop.
        """
        where = safe_url(url)
        sent_headers = {"User-Agent": self.user_agent, **(headers or {})}
        self._before_request()
        attempt = 0
        while True:
            started = self.monotonic()
            try:
                return self._fetch(url, params, sent_headers, where)
            except _Transient as transient:
                failure, retry_after = transient.failure, transient.retry_after
            self.retry_spent += self.monotonic() - started
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
            if self.requests_made >= self.max_requests:
                raise SourceError(
                    f"{self.source_name}: {failure} from {where}; the request budget of "
                    f"{self.max_requests} is used up, so no retry this run (raise max_requests)"
                )
            if self.retry_spent + delay + self.timeout > self.retry_time:
                raise SourceError(
                    f"{self.source_name}: {failure} from {where} after {attempt + 1} "
                    f"{'try' if attempt == 0 else 'tries'} in {self.retry_spent:.0f}s; another "
                    f"would pass retry_time ({self.retry_time:g}s), giving up; try again later"
                )
            if self.past_deadline(delay):
                raise self._no_time_to_retry(failure, where)
            self.retry_spent += delay
            log.debug("%s: %s from %s, retrying in %.1fs", self.source_name, failure, where, delay)
            self.sleep(delay)
            attempt += 1
            self._before_request(failure, where)

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

    def exchange_limit(self) -> tuple[float, bool]:
        """Return (seconds one exchange may take, whether the deadline is what limits it)."""
        deadline = self.deadline
        if deadline is None:
            return self.timeout, False
        left = deadline.left()
        return (left, True) if left <= self.timeout else (self.timeout, False)

    def _before_request(self, failure: str | None = None, where: str = "") -> None:
        """Check the budget, wait for the rate limit, check the deadline.

        Before a fetch (failure None) running out is a clean stop; before a retry, the fetch
        failed. A rate-limit window that resets too late is a stop either way (X's 429s say when
        it resets).
        """
        if failure is None and self.requests_made >= self.max_requests:
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
        if self.past_deadline(wait):
            if failure is not None:
                raise self._no_time_to_retry(failure, where)
            raise DeadlineReached(
                f"{self.source_name}: stopped at --max-duration with what was fetched; the rest "
                "is read next run"
            )
        if wait > 0:
            log.debug("%s: pacing for the rate limit, waiting %.1fs", self.source_name, wait)
            self.sleep(wait)

    def _no_time_to_retry(self, failure: str, where: str) -> SourceError:
        return SourceError(
            f"{self.source_name}: {failure} from {where}; no time left to retry before "
            "--max-duration, giving up for this run; the rest is read next run"
        )

    def past_deadline(self, wait: float) -> bool:
        """Tell whether waiting this long leaves no time for a request (and note it if so)."""
        deadline = self.deadline
        if deadline is None or wait < deadline.left():
            return False
        deadline.hit = True
        return True

    def _fetch(
        self, url: str, params: Mapping[str, Any] | None, headers: dict[str, str], where: str
    ) -> requests.Response:
        """Make one attempt: the request, its redirects and the body."""
        current, query = url, params
        for hop in range(MAX_REDIRECTS + 1):
            if hop and self.requests_made >= self.max_requests:
                raise SourceError(
                    f"{self.source_name}: {where} redirects, but the request budget of "
                    f"{self.max_requests} is used up (raise max_requests)"
                )
            if hop and self.past_deadline(0.0):
                raise SourceError(
                    f"{self.source_name}: {where} redirects, but --max-duration is reached; "
                    "the rest is read next run"
                )
            self.requests_made += 1
            response = self._exchange(current, query, headers, where)
            location = self.session.get_redirect_target(response)
            if location is None:
                return response
            try:
                target = redirect_target(url, current, location, self.allow_redirect_hosts)
            except RedirectRefused as refused:
                raise SourceError(
                    f"{self.source_name}: {where} redirects {refused}; not followed, check base_url"
                ) from None
            if self.session.should_strip_auth(current, target):
                # Credentials go only where they were given for (requests' own rule).
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            current, query = target, None
        raise SourceError(
            f"{self.source_name}: more than {MAX_REDIRECTS} redirects from {where}; check base_url"
        )

    def _exchange(
        self, url: str, params: Mapping[str, Any] | None, headers: dict[str, str], where: str
    ) -> requests.Response:
        """Send one request and read its body, all within one time limit."""
        seconds, by_deadline = self.exchange_limit()
        response = None
        with Watch(seconds) as watch:
            try:
                response = self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=max(seconds, 0.001),
                    stream=True,
                    allow_redirects=False,
                )
                self._note_rate_limit(response)
                # Read every body, errors and redirects too (as requests does): the connection
                # is then reused, and the server is not cut off mid-write.
                try:
                    read_body(response, self.max_body)
                except BodyTooLarge as refused:
                    raise self._too_large(where, str(refused)) from None
                if watch.fired:  # a body without a length may look complete when cut short
                    raise requests.Timeout()
                if not response.is_redirect:
                    self._check_status(response, where)
                return response
            except requests.RequestException as error:
                if response is not None:
                    response.close()
                if watch.fired or is_timeout(error):
                    raise self._timed_out(by_deadline, where) from None
                why = unreachable(error)
                if why:
                    raise SourceError(
                        f"{self.source_name}: cannot connect to {urlsplit(url).hostname} "
                        f"({why}); not retried: check base_url and the network"
                    ) from None
                if isinstance(error, TRANSIENT_ERRORS):
                    # str(error) may repeat the URL with its query string: name the kind only.
                    raise _Transient(
                        f"cannot connect to {urlsplit(url).hostname} ({type(error).__name__})"
                    ) from None
                raise SourceError(
                    f"{self.source_name}: cannot request {where} ({type(error).__name__}); "
                    "check base_url and the source's settings"
                ) from None
            except BaseException:
                if response is not None:
                    response.close()
                raise

    def _timed_out(self, by_deadline: bool, where: str) -> Exception:
        if not by_deadline:
            return _Transient(f"timed out after {self.timeout:g}s")
        if self.deadline is not None:
            self.deadline.hit = True
        return SourceError(
            f"{self.source_name}: no complete response from {where} before --max-duration; "
            "stopped, the rest is read next run"
        )

    def _check_status(self, response: requests.Response, where: str) -> None:
        status = response.status_code
        if status < 400:
            return
        if status in (401, 403):
            raise AuthError(
                f"{self.source_name}: {status} {response.reason} from {where}; check the "
                "source's credentials (`earmark sources` shows which are set)"
            )
        if status not in RETRY_STATUSES:
            payload = decode_error_body(response.content)
            detail = error_detail(payload)
            said = f" ({detail})" if detail else ""
            raise PlatformError(
                f"{self.source_name}: HTTP {status} {response.reason} from {where}{said}; "
                "check base_url and the source's settings",
                status=status,
                payload=payload,
            )
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self.clock())
        raise _Transient(f"HTTP {status} {response.reason}", retry_after)

    def _too_large(self, where: str, detail: str) -> SourceError:
        return SourceError(
            f"{self.source_name}: the response from {where} is over max_body "
            f"({format_size(self.max_body)}; {detail}); raise max_body for this source if "
            "that is expected"
        )

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


class _Transient(Exception):  # noqa: N818 - internal: this attempt failed, another may work
    def __init__(self, failure: str, retry_after: float | None = None):
        super().__init__(failure)
        self.failure = failure
        self.retry_after = retry_after


__all__ = [
    "USER_AGENT",
    "BudgetExhausted",
    "DeadlineReached",
    "HttpClient",
    "PlatformError",
    "note_stop",
    "parse_rate_limit",
    "parse_retry_after",
    "safe_url",
]
