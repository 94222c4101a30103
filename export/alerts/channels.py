"""Send one alert to one notifier channel (Slack webhook, email, generic webhook).

The wire work is export.notify's: the same webhook URL and password lookups, the same clients,
retries with backoff (honouring Retry-After) and secret hiding as opportunity notifications.
The channels reuse the `notify:` section of the config; the opportunity filters there
(min_priority, queues) do not apply to alerts.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping

from earmark.settings.alerts import CHANNELS, AlertStageSettings
from export.alerts.detect import Alert, AlertError
from export.alerts.messages import render_email, render_slack
from export.notify.delivery import Attempt, NotifyError, Sleep, send_with_retry

# sender(alert, stage_settings, env, sleep) sends with retries; raises AlertError on failure.
Sender = Callable[[Alert, AlertStageSettings, Mapping[str, str], Sleep], None]


def _check(channel: str, attempt: Attempt) -> None:
    if not attempt.ok:
        raise AlertError(f"{channel}: {attempt.detail}; the alert is kept and retried next run")


def send_slack(
    alert: Alert, stage_settings: AlertStageSettings, env: Mapping[str, str], sleep: Sleep
) -> None:
    """Post the alert to the Slack incoming webhook named by notify.slack.webhook_env."""
    from export.notify.slack import make_client, send_payload, webhook_url

    url = webhook_url(env, stage_settings.notify.slack.webhook_env)
    client = make_client(url)
    payload = render_slack(alert)
    _check("slack", send_with_retry(lambda: send_payload(client, payload, url), sleep=sleep))


def send_webhook(
    alert: Alert, stage_settings: AlertStageSettings, env: Mapping[str, str], sleep: Sleep
) -> None:
    """POST the alert record as JSON to the URL named by notify.webhook.url_env."""
    from export.notify.webhook import send_body, signing_secret, webhook_url

    settings = stage_settings.notify.webhook
    url = webhook_url(env, settings.url_env)
    secret = signing_secret(dict(env), settings.signing_secret_env)
    record = alert.to_record()
    delivery = alert_delivery_id(record)
    body = {"delivery_id": delivery, "source": "earmark", "type": "earmark.alert", "alert": record}
    attempt = send_with_retry(
        lambda: send_body(url, body, delivery=delivery, secret=secret, url_env=settings.url_env),
        sleep=sleep,
    )
    _check("webhook", attempt)


def alert_delivery_id(record: Mapping) -> str:
    """Return the id of one alert message: the same for a re-send of the same alert change.

    An alert is one change of one key (firing, or the all-clear that ends it) at one time, so
    a receiver that keeps the ids it has seen drops a message sent again after a failure.
    """
    key = "|".join(str(record.get(name)) for name in ("key", "status", "at"))
    return hashlib.sha256(f"alert\n{key}".encode()).hexdigest()[:32]


def send_email(
    alert: Alert, stage_settings: AlertStageSettings, env: Mapping[str, str], sleep: Sleep
) -> None:
    """Mail the alert through the SMTP server of notify.email."""
    from export.notify.email import send_message, smtp_password

    settings = stage_settings.notify.email
    if not settings.to:
        raise AlertError("email: notify.email.to lists no recipients; add the on-call address")
    password = smtp_password(settings, dict(env))
    message = render_email(alert, settings.sender, settings.to)
    _check("email", send_with_retry(lambda: send_message(settings, message, password), sleep=sleep))


SENDERS: dict[str, Sender] = {"slack": send_slack, "email": send_email, "webhook": send_webhook}


def configured_channels(stage_settings: AlertStageSettings) -> list[str]:
    """Return the notifier channels present in the config's notify: section."""
    return [name for name in CHANNELS if getattr(stage_settings.notify, name) is not None]


def deliver_alert(
    channel: str,
    alert: Alert,
    stage_settings: AlertStageSettings,
    env: Mapping[str, str],
    senders: Mapping[str, Sender] | None = None,
    sleep: Sleep = time.sleep,
) -> None:
    """Send alert through one channel; raise AlertError when it fails."""
    sender = (senders or SENDERS).get(channel)
    if sender is None:
        raise AlertError(f"alerts.notify: unknown channel {channel!r}; use {', '.join(CHANNELS)}")
    if getattr(stage_settings.notify, channel, None) is None:
        raise AlertError(
            f"alerts.notify: {channel} is not configured; add notify.{channel} or remove it"
        )
    try:
        sender(alert, stage_settings, env, sleep)
    except NotifyError as error:
        raise AlertError(str(error)) from None
