"""Notifiers: deliver new opportunities to Slack, email or a JSON webhook, exactly once.

`notify_new` is the stage `earmark notify` and `earmark run` call. It holds the database's
delivery lock while it selects, sends and records, so concurrent processes never send the same
item twice, and reads the database one page at a time, so memory stays flat.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from earmark.config import Notify
from earmark.models import OPEN_STATUSES
from export.notify.delivery import (
    NotifyError,
    NotifyReport,
    Sleep,
    deliver_pages,
)

CHANNELS = ("slack", "email", "webhook")
PAGE = 500  # opportunities read at a time for Slack (its messages hold about 47)

__all__ = ["CHANNELS", "NotifyError", "NotifyReport", "delivery_lock", "notify_new"]


def _settings(notify: Notify, channel: str):
    if channel not in CHANNELS:
        raise NotifyError(f"notify: unknown channel {channel!r}; use {', '.join(CHANNELS)}")
    settings = getattr(notify, channel, None)
    if settings is None:
        raise NotifyError(
            f"notify.{channel} is not configured; add a notify.{channel} section to the config"
        )
    return settings


def delivery_lock(store, env, wait: float | None = None):
    """Return the database's delivery lock (a no-op for an in-memory database)."""
    from earmark.lock import delivery_wait

    if store.path in ("", ":memory:"):
        return nullcontext()
    return store.delivery_lock(delivery_wait(env) if wait is None else wait)


@dataclass
class Selection:
    """The opportunities not yet delivered to a channel, fixed when it is made, most urgent
    first (as of now); read by pages."""

    store: object
    channel: str
    ids: list[int]
    now: datetime
    at_risk_fraction: float

    @property
    def total(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, store, channel: str, *, now: datetime, at_risk_fraction: float, **filters):
        upto = store.exports.last_opportunity_id()  # later arrivals wait for the next run
        ids = store.exports.new_export_ids_by_urgency(
            channel, now=now, at_risk_fraction=at_risk_fraction, upto=upto, **filters
        )
        return cls(store, channel, ids, now, at_risk_fraction)

    def pages(self, size: int, *, now: datetime, redact: bool = False) -> Iterator[list[dict]]:
        """Yield records, size at a time, most urgent first across and within pages.

        Messages are cut from this order, so the most urgent go first and the least urgent
        wait for the last message (or the next run). A message cut off by a kill is composed
        the same way when it is sent again (same delivery id) while the order holds; an item
        whose SLA state changed in between may come in a differently composed message.
        """
        from export.formats.records import iter_records, load_redactor

        redactor = load_redactor() if redact else None
        for start in range(0, len(self.ids), size):
            ids = self.ids[start : start + size]
            rows = self.store.exports.iter_export_rows(
                ids=ids, now=self.now, at_risk_fraction=self.at_risk_fraction
            )
            position = {opportunity_id: index for index, opportunity_id in enumerate(ids)}
            records = list(iter_records(rows, now=now, redactor=redactor))
            yield sorted(records, key=lambda r: position[r["id"]])


def notify_new(
    store,
    notify: Notify,
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
    lock_wait: float | None = None,
    at_risk_fraction: float = 0.2,
) -> NotifyReport:
    """Deliver open opportunities not yet sent to channel; record each message once accepted.

    notify is the config's `notify:` section (Config.notify).
    queue and min_priority default to the channel's settings. With dry_run the messages are
    written to out (default stdout) and nothing is sent or recorded. Misconfiguration raises
    NotifyError, another process delivering from the database (for longer than lock_wait,
    default $EARMARK_LOCK_WAIT or 60 s) LockedError; delivery failures are in the report's
    errors (the rest waits for next run). should_stop (run --max-duration) is checked between
    messages. Items go most urgent first (SLA as of now, at_risk_fraction from routing).
    """
    settings = _settings(notify, channel)
    env = os.environ if env is None else env
    filters = {
        "queue": list(queue or settings.queues or []) or None,
        "status": list(OPEN_STATUSES),
        "min_priority": (settings.min_priority if min_priority is None else min_priority) or None,
    }
    report = NotifyReport(channel=channel, dry_run=dry_run)
    with nullcontext() if dry_run else delivery_lock(store, env, lock_wait):
        selection = Selection.of(
            store, channel, now=now, at_risk_fraction=at_risk_fraction, **filters
        )
        if not selection.total:
            return report
        if dry_run:
            sender = _previewer(channel, settings, now, selection.total, at_risk_fraction)
        else:
            clients = (slack_client, smtp_factory, post)
            sender = _sender(
                channel, settings, env, now, selection.total, clients, at_risk_fraction
            )
        pages = (
            sender.compose(records)
            for records in selection.pages(sender.page, now=now, redact=redact)
        )
        if dry_run:
            out = out or sys.stdout
            for texts in pages:
                out.writelines(texts)
            out.flush()
            report.pending = selection.total
            return report
        return deliver_pages(
            store,
            channel,
            pages,
            total=selection.total,
            now=now,
            report=report,
            sleep=sleep,
            pause=1.0 if channel == "slack" else 0.0,
            should_stop=should_stop,
        )


@dataclass
class Sender:
    """How a channel turns a page of records into messages."""

    page: int  # records per page
    compose: Callable[[list[dict]], list]  # Outgoing messages (or texts, for a dry run)


def _title_for(count: int) -> str:
    from export.formats.digest import digest_title

    return digest_title(count, new=True)


def _sender(channel, settings, env, now, total, clients, fraction) -> Sender:
    """Return the channel's sender; configuration is checked here, before anything is sent."""
    slack_client, smtp_factory, post = clients
    if channel == "slack":
        from export.notify.slack import make_client, slack_outgoing, webhook_url

        url = webhook_url(env, settings.webhook_env)
        client = slack_client or make_client(url)
        title = _title_for(total)
        return Sender(
            PAGE,
            lambda records: slack_outgoing(
                records,
                title=title,
                client=client,
                secret=url,
                url_env=settings.webhook_env,
                now=now,
                at_risk_fraction=fraction,
            ),
        )
    if channel == "email":
        from export.notify.email import BATCH, email_outgoing, smtp_password

        password = smtp_password(settings, env)
        return Sender(
            BATCH,
            lambda records: email_outgoing(
                records,
                settings=settings,
                now=now,
                title_for=_title_for,
                password=password,
                factory=smtp_factory,
                at_risk_fraction=fraction,
            ),
        )
    from export.notify.webhook import post_json, signing_secret, webhook_outgoing, webhook_url

    url = webhook_url(env, settings.url_env)
    secret = signing_secret(env, settings.signing_secret_env)
    return Sender(
        settings.batch_size,
        lambda records: webhook_outgoing(
            records,
            url=url,
            title_for=_title_for,
            post=post or post_json,
            batch=settings.batch_size,
            secret=secret,
            url_env=settings.url_env,
        ),
    )


def _previewer(channel, settings, now, total, fraction) -> Sender:
    """Return a sender that renders what would be sent, as text (no secrets needed)."""
    if channel == "slack":
        from export.notify.slack import slack_payloads

        title = _title_for(total)
        return Sender(
            PAGE,
            lambda records: [
                json.dumps(p, ensure_ascii=False) + "\n"
                for p in slack_payloads(records, title=title, now=now, at_risk_fraction=fraction)
            ],
        )
    if channel == "email":
        from export.formats.email import PIPE_POLICY
        from export.notify.email import BATCH, email_messages

        return Sender(
            BATCH,
            lambda records: [
                message.as_string(policy=PIPE_POLICY)
                for message, _ids in email_messages(
                    records,
                    settings=settings,
                    now=now,
                    title_for=_title_for,
                    at_risk_fraction=fraction,
                )
            ],
        )
    from export.notify.webhook import webhook_bodies

    return Sender(
        settings.batch_size,
        lambda records: [
            json.dumps(body, ensure_ascii=False) + "\n"
            for body, _ids in webhook_bodies(
                records, title_for=_title_for, batch=settings.batch_size
            )
        ],
    )
