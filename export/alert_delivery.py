"""Send one alert to one notifier channel (Slack webhook, email, generic webhook).

The channels reuse the `notify:` section of the config (where secrets are named by
environment variable); opportunity filters there (min_priority, queues) do not apply to alerts.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from earmark import __version__
from earmark.config import Config
from export.alert_messages import render_email, render_slack
from export.alerts import CHANNELS, Alert, AlertError

TIMEOUT = 10
USER_AGENT = f"earmark/{__version__} (alerts)"

Sender = Callable[[Alert, Config, Mapping[str, str]], None]


def _secret(env: Mapping[str, str], variable: str, channel: str, what: str) -> str:
    value = (env.get(variable) or "").strip()
    if not value:
        raise AlertError(
            f"{channel}: set ${variable} to the {what}, or remove {channel} from alerts.notify"
        )
    return value


def post_json(url: str, payload: dict, channel: str) -> None:
    """POST payload as JSON to url; raise AlertError unless the answer is 2xx."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as error:
        # Never echo the URL: webhook URLs are secrets.
        raise AlertError(
            f"{channel}: the webhook answered HTTP {error.code}; alert kept, retried next run"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise AlertError(
            f"{channel}: cannot reach the webhook ({reason}); alert kept, retried next run"
        ) from None


def send_slack(alert: Alert, config: Config, env: Mapping[str, str]) -> None:
    """Post the alert to the Slack incoming webhook named by notify.slack.webhook_env."""
    url = _secret(env, config.notify.slack.webhook_env, "slack", "incoming-webhook URL")
    post_json(url, render_slack(alert), "slack")


def send_webhook(alert: Alert, config: Config, env: Mapping[str, str]) -> None:
    """POST the alert's JSON record to the URL named by notify.webhook.url_env."""
    url = _secret(env, config.notify.webhook.url_env, "webhook", "webhook URL")
    post_json(url, {"type": "earmark.alert", "alert": alert.to_record()}, "webhook")


def send_email(alert: Alert, config: Config, env: Mapping[str, str]) -> None:
    """Mail the alert through the SMTP server of notify.email."""
    settings = config.notify.email
    if not settings.to:
        raise AlertError("email: notify.email.to lists no recipients")
    message = render_email(alert, settings.sender, settings.to)
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=TIMEOUT,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                password = _secret(env, settings.password_env or "", "email", "SMTP password")
                client.login(settings.user, password)
            client.send_message(message)
    except smtplib.SMTPException as error:
        raise AlertError(f"email: {where} refused the alert ({error}); retried next run") from None
    except OSError as error:
        raise AlertError(f"email: cannot reach {where} ({error}); retried next run") from None


SENDERS: dict[str, Sender] = {"slack": send_slack, "email": send_email, "webhook": send_webhook}


def configured_channels(config: Config) -> list[str]:
    """Return the notifier channels present in the config's notify: section."""
    return [name for name in CHANNELS if getattr(config.notify, name) is not None]


def deliver_alert(
    channel: str,
    alert: Alert,
    config: Config,
    env: Mapping[str, str],
    senders: Mapping[str, Sender] | None = None,
) -> None:
    """Send alert through one channel; raise AlertError when it fails."""
    sender = (senders or SENDERS).get(channel)
    if sender is None:
        raise AlertError(f"alerts.notify: unknown channel {channel!r}; use {', '.join(CHANNELS)}")
    if getattr(config.notify, channel, None) is None:
        raise AlertError(
            f"alerts.notify: {channel} is not configured; add notify.{channel} or remove it"
        )
    sender(alert, config, env)
