"""Notifiers: deliver new opportunities to Slack, email or a JSON webhook, exactly once.

`notify_new` is the stage `earmark notify` and `earmark run` call.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from typing import IO

from earmark.models import OPEN_STATUSES
from export.notify.delivery import (
    NotifyError,
    NotifyReport,
    Outgoing,
    Sleep,
    deliver,
)

CHANNELS = ("slack", "email", "webhook")

__all__ = ["CHANNELS", "NotifyError", "NotifyReport", "notify_new"]


def _settings(config, channel: str):
    if channel not in CHANNELS:
        raise NotifyError(f"notify: unknown channel {channel!r}; use {', '.join(CHANNELS)}")
    settings = getattr(config.notify, channel, None)
    if settings is None:
        raise NotifyError(
            f"notify.{channel} is not configured; add a notify.{channel} section to the config"
        )
    return settings


def new_records(
    store,
    channel: str,
    *,
    now: datetime,
    queue: Sequence[str] | None = None,
    min_priority: int | None = None,
    redact: bool = False,
) -> list[dict]:
    """Return the open opportunities not yet delivered to channel, as export records."""
    from export.formats.records import iter_records, load_redactor

    rows = store.iter_export_rows(
        queue=list(queue) if queue else None,
        status=list(OPEN_STATUSES),
        min_priority=min_priority or None,
        new_for_destination=channel,
    )
    return list(iter_records(rows, now=now, redactor=load_redactor() if redact else None))


def notify_new(
    store,
    config,
    channel: str,
    *,
    now: datetime,
    dry_run: bool = False,
    sleep: Sleep = time.sleep,
    queue: Sequence[str] | None = None,
    min_priority: int | None = None,
    redact: bool = False,
    env: dict | None = None,
    out: IO[str] | None = None,
    slack_client=None,
    smtp_factory=None,
    post=None,
    should_stop=None,
) -> NotifyReport:
    """Deliver open opportunities not yet sent to channel; record each message once accepted.

    queue and min_priority default to the channel's settings. With dry_run the messages are
    written to out (default stdout) and nothing is sent or recorded. Misconfiguration raises
    NotifyError; delivery failures are in the report's errors (the rest waits for next run).
    should_stop (run --max-duration) is checked between messages.
    """
    from export.formats.digest import digest_title

    settings = _settings(config, channel)
    env = os.environ if env is None else env
    records = new_records(
        store,
        channel,
        now=now,
        queue=queue or settings.queues or None,
        min_priority=settings.min_priority if min_priority is None else min_priority,
        redact=redact,
    )
    report = NotifyReport(channel=channel, dry_run=dry_run)
    if not records:
        return report

    def title_for(count: int) -> str:
        return digest_title(count, new=True)

    if dry_run:
        _write_dry_run(channel, records, settings, now, title_for, out)
        report.pending = len(records)
        return report
    outgoing = _outgoing(
        channel, records, settings, env, now, title_for, slack_client, smtp_factory, post
    )
    pause = 1.0 if channel == "slack" else 0.0
    return deliver(
        store,
        channel,
        outgoing,
        now=now,
        report=report,
        sleep=sleep,
        pause=pause,
        should_stop=should_stop,
    )


def _outgoing(
    channel, records, settings, env, now, title_for, slack_client, smtp_factory, post
) -> list[Outgoing]:
    if channel == "slack":
        from export.notify.slack import make_client, slack_outgoing, webhook_url

        url = webhook_url(env, settings.webhook_env)
        client = slack_client or make_client(url)
        return slack_outgoing(records, title=title_for(len(records)), client=client, secret=url)
    if channel == "email":
        from export.notify.email import email_outgoing, smtp_password

        password = smtp_password(settings, env)
        return email_outgoing(
            records,
            settings=settings,
            now=now,
            title_for=title_for,
            password=password,
            factory=smtp_factory,
        )
    from export.notify.webhook import post_json, webhook_outgoing, webhook_url

    url = webhook_url(env, settings.url_env)
    return webhook_outgoing(records, url=url, title_for=title_for, post=post or post_json)


def _write_dry_run(channel, records, settings, now, title_for, out) -> None:

    out = out or sys.stdout
    if channel == "slack":
        from export.notify.slack import slack_payloads

        for payload in slack_payloads(records, title=title_for(len(records))):
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    elif channel == "email":
        from export.formats.email import PIPE_POLICY
        from export.notify.email import email_messages

        for message, _ids in email_messages(
            records, settings=settings, now=now, title_for=title_for
        ):
            out.write(message.as_string(policy=PIPE_POLICY))
    else:
        from export.notify.webhook import webhook_bodies

        for body, _ids in webhook_bodies(records, title_for=title_for):
            out.write(json.dumps(body, ensure_ascii=False) + "\n")
    out.flush()
