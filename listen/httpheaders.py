"""Read what HTTP responses say about waiting: Retry-After and rate-limit headers (pure)."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

# Rate-limit header families, lower case (requests' headers are case-insensitive):
# GitHub/Mastodon/Reddit `X-RateLimit-*` (Reddit spells it X-Ratelimit-*), X's `x-rate-limit-*`,
# and the IETF draft `RateLimit-*` (Bluesky).
_REMAINING_HEADERS = ("x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining")
_RESET_HEADERS = ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset")
_EPOCH_THRESHOLD = 1_000_000_000  # a reset value above this is a Unix time, below it seconds


def safe_url(url: str) -> str:
    """Return url without its query string, fragment or user info (they may carry secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # out of range or not a number: leave it out
        port = None
    if port:
        host = f"{host}:{port}"
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
