"""Deliver digests to a Slack incoming webhook through slack-sdk's WebhookClient."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Sequence

from earmark.redaction import redact, register_secret
from export.formats.slack import render_slack_messages
from export.notify.delivery import (
    Attempt,
    NotifyError,
    Outgoing,
    delivery_id,
    hide,
    parse_retry_after,
)

TIMEOUT = 15


def _quiet_logger() -> logging.Logger:
    # WebhookClient logs the webhook URL (a secret) at debug level and errors with details:
    # give it a logger that records nothing.
    logger = logging.getLogger("earmark.notify.slack_sdk")
    logger.handlers[:] = [logging.NullHandler()]
    logger.propagate = False
    logger.setLevel(logging.CRITICAL + 1)
    return logger


def webhook_url(env: dict, variable: str) -> str:
    """Return the webhook URL from the environment, or say which variable to set."""
    url = (env.get(variable) or "").strip()
    if not url:
        raise NotifyError(f"slack: ${variable} is not set; export the incoming-webhook URL there")
    if not url.lower().startswith(("https://", "http://")):
        raise NotifyError(f"slack: ${variable} does not hold an http(s) URL; check its value")
    register_secret(url)  # its path is the secret: scrubbed from whatever leaves the process
    return url


def make_client(url: str):
    """Return a WebhookClient that neither retries on its own, nor logs, nor follows redirects."""
    from slack_sdk.webhook import WebhookClient, WebhookResponse

    from export.notify.webhook import _NoRedirect

    class _Client(WebhookClient):
        # slack-sdk posts with urlopen, which turns a 302 answer to the POST into a GET of the
        # new address (a landing page's 200 would count as delivered): the same request
        # through an opener that does not follow; a 3xx then comes back as the answer.
        def _perform_http_request_internal(self, url, req):
            handlers = [_NoRedirect(), urllib.request.HTTPSHandler(context=self.ssl)]
            if self.proxy:
                proxies = {"http": self.proxy, "https": self.proxy}
                handlers.append(urllib.request.ProxyHandler(proxies))
            opener = urllib.request.build_opener(*handlers)
            with opener.open(req, timeout=self.timeout) as response:
                charset = response.headers.get_content_charset() or "utf-8"
                return WebhookResponse(
                    url=url,
                    status_code=response.status,
                    body=response.read().decode(charset),
                    headers=response.headers,
                )

    return _Client(url, timeout=TIMEOUT, logger=_quiet_logger(), retry_handlers=[])


def send_payload(
    client,
    payload: dict,
    secret: str | None = None,
    delivery: str | None = None,
    url_env: str | None = None,
) -> Attempt:
    """Post one payload once and classify the answer."""
    headers = {"X-Earmark-Delivery": delivery} if delivery else None
    try:
        response = client.send_dict(payload, headers=headers)
    except urllib.error.URLError as error:
        return Attempt(False, hide(f"cannot reach Slack ({error.reason})", [secret]), True)
    except (OSError, TimeoutError) as error:
        return Attempt(False, hide(f"cannot reach Slack ({error})", [secret]), True)
    except Exception as error:  # slack_sdk.errors.SlackRequestError and friends
        return Attempt(False, hide(f"cannot send to Slack ({error})", [secret]), False)
    status = response.status_code
    # Scrub before cutting: a server may echo the webhook path, and a cut hides its start.
    body = " ".join(redact(str(response.body or ""), [secret]).split())[:120]
    if 200 <= status < 300:
        return Attempt(True)
    if 300 <= status < 400:
        from export.notify.webhook import redirect_detail

        return Attempt(False, redirect_detail(status, "Slack", url_env), False)
    detail = hide(f"Slack answered HTTP {status}" + (f" {body}" if body else ""), [secret])
    if status == 429:
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        return Attempt(False, detail, True, parse_retry_after(headers.get("retry-after")))
    return Attempt(False, detail, status >= 500)


def slack_outgoing(
    records: Sequence[dict],
    *,
    title: str,
    client,
    secret: str | None = None,
    url_env: str | None = None,
    now=None,
    at_risk_fraction: float = 0.2,
) -> list[Outgoing]:
    """Return one message per Block Kit payload, each with the ids it carries.

    records come most urgent first (a page of the selection): they are cut in that order.
    """
    by_id = {r["id"]: r for r in records}
    out = []
    for message in render_slack_messages(
        records, title=title, now=now, at_risk_fraction=at_risk_fraction, presorted=True
    ):
        delivery = delivery_id("slack", [by_id[i] for i in message.ids])

        def send(payload=message.payload, delivery=delivery) -> Attempt:
            return send_payload(client, payload, secret, delivery, url_env)

        out.append(Outgoing(send=send, ids=message.ids, delivery_id=delivery))
    return out


def slack_payloads(
    records: Sequence[dict], *, title: str, now=None, at_risk_fraction: float = 0.2
) -> list[dict]:
    """Return the payloads a delivery would post (for --dry-run), most urgent first."""
    messages = render_slack_messages(
        records, title=title, now=now, at_risk_fraction=at_risk_fraction, presorted=True
    )
    return [m.payload for m in messages]
