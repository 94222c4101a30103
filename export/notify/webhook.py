"""Deliver new opportunities to any HTTP endpoint as JSON (url from the environment)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from earmark import __version__
from earmark.redaction import redact, register_secret
from export.notify.delivery import Attempt, NotifyError, Outgoing, hide, parse_retry_after

TIMEOUT = 15
BATCH = 100  # opportunities per request

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


def post_json(url: str, body: bytes, headers: dict) -> tuple[int, dict, str]:
    """POST body with urllib; return status, headers and the start of the response."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http(s) checked)
            return (
                response.status,
                dict(response.headers.items()),
                response.read(2048).decode("utf-8", "replace"),
            )
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read(2048).decode("utf-8", "replace")


def to_body(records: Sequence[dict], *, title: str) -> dict:
    """Return the JSON document sent for a batch."""
    return {
        "source": "earmark",
        "title": title,
        "count": len(records),
        "opportunities": list(records),
    }


def send_body(url: str, body: dict, post: Post = post_json) -> Attempt:
    """Post one document once and classify the answer."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"earmark/{__version__}",
    }
    try:
        status, response_headers, text = post(url, data, headers)
    except urllib.error.URLError as error:
        return Attempt(False, hide(f"cannot reach the webhook ({error.reason})", [url]), True)
    except OSError as error:
        return Attempt(False, hide(f"cannot reach the webhook ({error})", [url]), True)
    if 200 <= status < 300:
        return Attempt(True)
    # Scrub before cutting: a server may echo the URL's token, and a cut hides its start.
    snippet = " ".join(redact(text, [url]).split())[:120]
    detail = hide(f"the webhook answered HTTP {status}" + (f" {snippet}" if snippet else ""), [url])
    if status == 429:
        lowered = {k.lower(): v for k, v in response_headers.items()}
        return Attempt(False, detail, True, parse_retry_after(lowered.get("retry-after")))
    return Attempt(False, detail, status >= 500 or status == 408)


def webhook_bodies(records: Sequence[dict], *, title_for) -> list[tuple[dict, list]]:
    """Split records into documents of at most BATCH opportunities."""
    out = []
    for start in range(0, len(records), BATCH):
        batch = list(records[start : start + BATCH])
        out.append((to_body(batch, title=title_for(len(batch))), [r["id"] for r in batch]))
    return out


def webhook_outgoing(
    records: Sequence[dict], *, url: str, title_for, post: Post = post_json
) -> list[Outgoing]:
    """Return one outgoing request per batch."""
    return [
        Outgoing(send=lambda b=body: send_body(url, b, post), ids=ids)
        for body, ids in webhook_bodies(records, title_for=title_for)
    ]
