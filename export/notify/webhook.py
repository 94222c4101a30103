"""Deliver new opportunities to any HTTP endpoint as JSON (url from the environment).

Every request carries `X-Earmark-Delivery` (also `delivery_id` in the body): the same for a
re-send of the same message, so a receiver drops duplicates. With `signing_secret_env` set the
body is signed as Slack and Zendesk do: `X-Earmark-Timestamp: <unix seconds>` and
`X-Earmark-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:" + body>`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from earmark import __version__
from earmark.redaction import redact, register_secret
from export.notify.delivery import (
    Attempt,
    NotifyError,
    Outgoing,
    delivery_id,
    hide,
    parse_retry_after,
)

TIMEOUT = 15
BATCH = 20  # opportunities per request: what a kill between "accepted" and "recorded" resends
SIGNATURE_VERSION = "v1"

# post(url, body, headers) -> (status, headers, body text); raises OSError when unreachable.
Post = Callable[[str, bytes, dict], tuple[int, dict, str]]


def webhook_url(env: dict, variable: str) -> str:
    """Return the endpoint URL from the environment, or say which variable to set."""
    url = (env.get(variable) or "").strip()
    if not url:
        raise NotifyError(f"webhook: ${variable} is not set; export the endpoint URL there")
    if not url.lower().startswith(("https://", "http://")):
        raise NotifyError(f"webhook: ${variable} does not hold an http(s) URL; check its value")
    register_secret(url)  # a ?token= or a secret path: scrubbed from whatever leaves the process
    return url


def signing_secret(env: dict, variable: str | None) -> str | None:
    """Return the signing secret named by signing_secret_env (registered for redaction)."""
    from earmark.secrets import read_secret

    if not variable:
        return None
    secret = read_secret(env, variable)
    if not secret:
        raise NotifyError(
            f"webhook: ${variable} (notify.webhook.signing_secret_env) is not set; export the "
            "signing secret there"
        )
    return secret


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the X-Earmark-Signature value for body sent at timestamp."""
    message = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib turns a 301/302/303 answer to a POST into a GET of the new address, whose 200
    # (a landing page) would count as delivered: only a 2xx to the POST itself is delivery.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirect)  # built once: it costs milliseconds


def post_json(url: str, body: bytes, headers: dict) -> tuple[int, dict, str]:
    """POST body with urllib, never following redirects; return status, headers, text start."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener().open(request, timeout=TIMEOUT) as response:
            return (
                response.status,
                dict(response.headers.items()),
                response.read(2048).decode("utf-8", "replace"),
            )
    except urllib.error.HTTPError as error:
        with error:
            text = error.read(2048).decode("utf-8", "replace")
        return error.code, dict(error.headers.items()), text


def to_body(records: Sequence[dict], *, title: str, delivery: str | None = None) -> dict:
    """Return the JSON document sent for a batch."""
    body = {
        "source": "earmark",
        "title": title,
        "count": len(records),
        "opportunities": list(records),
    }
    if delivery is not None:
        body = {"delivery_id": delivery, **body}
    return body


def redirect_detail(status: int, where: str, variable: str | None) -> str:
    """Say that a POST was redirected, and what to do (the new address may hold a secret)."""
    fix = f"set ${variable} to the address it redirects to" if variable else "fix the URL"
    return f"{where} answered HTTP {status} (a redirect; a POST is not followed): {fix}"


def send_body(
    url: str,
    body: dict,
    post: Post = post_json,
    *,
    delivery: str | None = None,
    secret: str | None = None,
    clock: Callable[[], float] = time.time,
    url_env: str | None = None,
) -> Attempt:
    """Post one document once (signed when there is a secret) and classify the answer."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"earmark/{__version__}",
    }
    if delivery is not None:
        headers["X-Earmark-Delivery"] = delivery
    if secret:
        timestamp = int(clock())  # per attempt: a retry after a backoff is not stale
        headers["X-Earmark-Timestamp"] = str(timestamp)
        headers["X-Earmark-Signature"] = sign(secret, timestamp, data)
    try:
        status, response_headers, text = post(url, data, headers)
    except urllib.error.URLError as error:
        return Attempt(False, hide(f"cannot reach the webhook ({error.reason})", [url]), True)
    except OSError as error:
        return Attempt(False, hide(f"cannot reach the webhook ({error})", [url]), True)
    if 200 <= status < 300:
        return Attempt(True)
    if 300 <= status < 400:
        return Attempt(False, redirect_detail(status, "the webhook", url_env), False)
    # Scrub before cutting: a server may echo the URL's token, and a cut hides its start.
    snippet = " ".join(redact(text, [url]).split())[:120]
    detail = hide(f"the webhook answered HTTP {status}" + (f" {snippet}" if snippet else ""), [url])
    if status == 429:
        lowered = {k.lower(): v for k, v in response_headers.items()}
        return Attempt(False, detail, True, parse_retry_after(lowered.get("retry-after")))
    return Attempt(False, detail, status >= 500 or status == 408)


def webhook_bodies(
    records: Sequence[dict], *, title_for, batch: int = BATCH
) -> list[tuple[dict, list]]:
    """Split records into documents of at most batch opportunities, each with its delivery id."""
    out = []
    for start in range(0, len(records), batch):
        chunk = list(records[start : start + batch])
        body = to_body(chunk, title=title_for(len(chunk)), delivery=delivery_id("webhook", chunk))
        out.append((body, [r["id"] for r in chunk]))
    return out


def webhook_outgoing(
    records: Sequence[dict],
    *,
    url: str,
    title_for,
    post: Post = post_json,
    batch: int = BATCH,
    secret: str | None = None,
    url_env: str | None = None,
) -> list[Outgoing]:
    """Return one outgoing request per batch."""
    out = []
    for body, ids in webhook_bodies(records, title_for=title_for, batch=batch):

        def send(body=body) -> Attempt:
            return send_body(
                url, body, post, delivery=body["delivery_id"], secret=secret, url_env=url_env
            )

        out.append(Outgoing(send=send, ids=ids, delivery_id=body["delivery_id"]))
    return out
