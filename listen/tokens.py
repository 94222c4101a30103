"""Exchange credentials for access tokens (OAuth2 token endpoints, atproto sessions).

The shared HttpClient only GETs; these POSTs go through its session, User-Agent, timeout,
request budget and max_body, and are never retried: a refused credential is reported, not
hammered. A redirect is never followed (requests would resend a 307/308 POST, credentials and
all, to wherever it points). Nothing here puts a credential into an exception message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests

from earmark.secrets import redact, register_basic_auth
from listen.base import AuthError, SourceError
from listen.deadline import Watch
from listen.http import BudgetExhausted, DeadlineReached, HttpClient, safe_url
from listen.httplimits import BodyTooLarge, format_size, read_body


def post_json(
    client: HttpClient,
    url: str,
    *,
    data: Mapping[str, str] | None = None,
    json_body: Any = None,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    what: str = "credentials",
) -> tuple[Any, requests.Response]:
    """POST a form or JSON body and return (decoded JSON, response); 401/403 raise AuthError."""
    where = safe_url(url)
    name = client.source_name
    if client.requests_made >= client.max_requests:
        raise BudgetExhausted(f"{name}: request budget of {client.max_requests} used")
    if client.past_deadline(0.0):
        raise DeadlineReached(f"{name}: stopped at --max-duration; the rest is read next run")
    client.requests_made += 1
    seconds, by_deadline = client.exchange_limit()
    sent = {"User-Agent": client.user_agent, "Accept": "application/json", **(headers or {})}
    if auth is not None:  # a server may echo the `Basic base64(id:secret)` header it got
        register_basic_auth(*auth)
    try:
        with Watch(seconds) as watch:  # the whole exchange, not each read, within the limit
            response = client.session.post(
                url,
                data=data,
                json=json_body,
                auth=auth,
                headers=sent,
                timeout=seconds,
                stream=True,
                allow_redirects=False,
            )
            try:
                read_body(response, client.max_body)
            except BodyTooLarge as refused:
                response.close()
                raise SourceError(
                    f"{name}: the response from {where} is over max_body "
                    f"({format_size(client.max_body)}; {refused}); check the {what} URL"
                ) from None
        if watch.fired:
            raise requests.Timeout()
    except requests.RequestException as error:
        if isinstance(error, requests.Timeout) or watch.fired:
            limit = "before --max-duration" if by_deadline else f"after {client.timeout:g}s"
            raise SourceError(f"{name}: {where} timed out {limit}") from None
        # The exception text can repeat request details; name only the kind of failure.
        raise SourceError(
            f"{name}: cannot connect to {where} ({type(error).__name__}); check {what} URL"
        ) from None
    if response.is_redirect:
        raise SourceError(
            f"{name}: {where} redirects ({response.status_code}); credentials are never sent "
            f"on to another address: check the {what} URL"
        )
    if response.status_code in (401, 403):
        raise AuthError(
            f"{name}: {response.status_code} {response.reason} from {where}: the {what} "
            f"were refused; {error_detail(response)}check them"
        )
    if response.status_code >= 400:
        raise SourceError(
            f"{name}: HTTP {response.status_code} {response.reason} from {where}; "
            f"{error_detail(response)}check the {what} and base_url"
        )
    try:
        return json.loads(response.content), response
    except (ValueError, UnicodeDecodeError):
        raise SourceError(f"{name}: malformed JSON from {where}") from None


def error_detail(response: requests.Response) -> str:
    """Return the server's own error name/message from a JSON error body, as 'x: y; ' or ''."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(body, dict):
        return ""
    parts = []
    for key in ("error", "message", "error_description", "title", "detail"):
        value = body.get(key)
        # Skip bare status echoes ({"error": 401, "message": "Unauthorized"}).
        if isinstance(value, str) and value not in parts and value != response.reason:
            parts.append(value)
    if not parts:
        return ""
    # Scrub before cutting: a cut through a secret would leave its start unrecognised.
    text = " ".join(redact(" ".join(parts)).split())[:200]
    return text + "; "


__all__ = ["error_detail", "post_json"]
