"""What a platform says in the body of an error response, kept for the one-line message, and
which failed requests another try may cure.

APIs explain a refusal in the body (Stack Exchange's `throttle_violation`, X's "'since_id' must
be a tweet id created after ..."): the message shows it, and PlatformError keeps the decoded
body so a source can recognise an error it knows how to recover from.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError, ReadTimeoutError

from listen.base import SourceError

MAX_DETAIL = 200  # characters of the platform's explanation kept in the message
# Where common APIs put their explanation: Stack Exchange, OAuth, problem+json, X's errors[].
_DETAIL_KEYS = ("error_message", "error_description", "message", "detail", "title", "error")


class PlatformError(SourceError):
    """The platform refused a request (a 4xx other than 401/403/408/429): not retried."""

    def __init__(self, message: str, *, status: int = 0, payload: Any = None):
        super().__init__(message)
        self.status = status
        self.payload = payload  # the decoded JSON body, or None


def decode_error_body(content: bytes) -> Any:
    """Return the JSON value of an error body, or None when it is not JSON."""
    if not content or len(content) > 100_000:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def error_detail(payload: Any) -> str | None:
    """Return the platform's one-line explanation from an error body's JSON, if it gives one."""
    if not isinstance(payload, dict):
        return None
    parts = []
    name = payload.get("error_name")
    if isinstance(name, str):
        parts.append(name)
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message")
        if isinstance(message, str):
            parts.append(message)
    if len(parts) == (1 if isinstance(name, str) else 0):  # no message yet: the usual keys
        for key in _DETAIL_KEYS:
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                parts.append(value)
                break
    text = " ".join(": ".join(parts).split())
    if not text:
        return None
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


# Failures another attempt may cure; anything else requests raises (an invalid URL, a bad
# header) would fail the same way again.
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def unreachable(error: requests.RequestException) -> str | None:
    """Return why no connection could be made (no such host, refused), or None."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(reason, NameResolutionError):
        return "the name does not resolve"
    if isinstance(reason, NewConnectionError):  # refused, or no route to the host
        cause = reason.__cause__ or reason.__context__
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        return f"unreachable: {type(cause).__name__ if cause else 'no connection'}"
    return None


def is_timeout(error: requests.RequestException) -> bool:
    # A read timeout while streaming the body reaches us as a ConnectionError wrapping it.
    return isinstance(error, requests.Timeout) or any(
        isinstance(arg, ReadTimeoutError) for arg in error.args
    )


__all__ = [
    "TRANSIENT_ERRORS",
    "PlatformError",
    "decode_error_body",
    "error_detail",
    "is_timeout",
    "unreachable",
]
