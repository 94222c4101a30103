"""Delivery shared by every notifier: retries with backoff, and marking what was accepted.

An item is recorded as delivered to a destination only after that destination accepted the
message carrying it, one message at a time, so a failure part-way leaves exactly the unsent
items for the next run and a retry never repeats what already arrived. Only a kill between
"accepted" and "recorded" can send one message again; it then carries the same delivery id,
so the receiver can drop it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from earmark.errors import EarmarkError

ATTEMPTS = 4  # one try and three retries
BASE_DELAY = 2.0  # seconds; doubles per retry
MAX_WAIT = 300.0  # a Retry-After longer than this is not waited for: the next run retries
PAUSE_BETWEEN_MESSAGES = 1.0  # Slack allows about one webhook message per second

Sleep = Callable[[float], None]


class NotifyError(EarmarkError):
    """A notification channel is misconfigured or could not deliver anything."""


@dataclass
class Attempt:
    """The outcome of one try at sending one message."""

    ok: bool
    detail: str = ""
    retryable: bool = False
    retry_after: float | None = None


@dataclass
class Outgoing:
    """One message to deliver: a callable that tries once, and the opportunity ids it carries."""

    send: Callable[[], Attempt]
    ids: list = field(default_factory=list)
    delivery_id: str | None = None


def delivery_id(destination: str, records: Iterable[dict]) -> str:
    """Return the id of the message carrying records to destination.

    It depends only on what the message carries (each opportunity's id, post and creation
    time, in any order), so a re-send of the same message has the same id, and the same
    opportunity numbers from another database do not.
    """
    keys = sorted(f"{r['id']}|{r.get('post_id')}|{r.get('created_at')}" for r in records)
    digest = hashlib.sha256("\n".join([destination, *keys]).encode("utf-8")).hexdigest()
    return digest[:32]


@dataclass
class NotifyReport:
    """What a notify run did."""

    channel: str
    delivered: int = 0  # opportunities accepted by the destination (and recorded)
    messages: int = 0  # messages accepted
    pending: int = 0  # opportunities left for the next run
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    stopped: bool = False  # should_stop() ended the delivery early; the rest goes next run
    locked: str = ""  # why nothing was tried: another process held the delivery lock

    def summary(self) -> str:
        """Return one line for stderr."""
        if self.locked:
            return f"notify {self.channel}: {self.locked}; what it leaves goes next run"
        noun = "message" if self.messages == 1 else "messages"
        items = "opportunity" if self.delivered == 1 else "opportunities"
        line = (
            f"notify {self.channel}: delivered {self.delivered} {items} in {self.messages} {noun}"
        )
        if self.pending:
            line += f"; {self.pending} left for the next run"
        return line


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds form), or None."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0)


def hide(text: str, secrets: Sequence[str | None]) -> str:
    """Replace every secret in text by a placeholder (errors must never carry them)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<secret>")
    return text


def send_with_retry(
    send: Callable[[], Attempt],
    *,
    sleep: Sleep = time.sleep,
    attempts: int = ATTEMPTS,
    base_delay: float = BASE_DELAY,
) -> Attempt:
    """Try send until it succeeds, fails for good, or attempts run out; honour Retry-After."""
    result = Attempt(ok=False, detail="not tried")
    for number in range(1, attempts + 1):
        result = send()
        if result.ok or not result.retryable:
            return result
        if number == attempts:
            return Attempt(False, f"{result.detail} after {attempts} tries", True)
        delay = (
            result.retry_after if result.retry_after is not None else base_delay * 2 ** (number - 1)
        )
        if delay > MAX_WAIT:
            return Attempt(False, f"{result.detail}, asked to wait {delay:.0f}s", True)
        sleep(delay)
    return result


def deliver(
    store,
    destination: str,
    outgoing: Sequence[Outgoing],
    *,
    now: datetime,
    report: NotifyReport,
    sleep: Sleep = time.sleep,
    pause: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
) -> NotifyReport:
    """Send messages in order, recording each one's ids as soon as it was accepted."""
    total = sum(len(m.ids) for m in outgoing)
    return deliver_pages(
        store,
        destination,
        [outgoing],
        total=total,
        now=now,
        report=report,
        sleep=sleep,
        pause=pause,
        should_stop=should_stop,
    )


def deliver_pages(
    store,
    destination: str,
    pages: Iterable[Sequence[Outgoing]],
    *,
    total: int,
    now: datetime,
    report: NotifyReport,
    sleep: Sleep = time.sleep,
    pause: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
) -> NotifyReport:
    """Send the messages of each page in order, recording each one as soon as it was accepted.

    pages is consumed lazily (one page of records in memory at a time). Stops at the first
    message that fails for good; its items and every later one stay new. should_stop (run
    --max-duration) is checked between messages, after the first one.
    """
    first = True
    for page in pages:
        for message in page:
            if not first and should_stop is not None and should_stop():
                report.pending = max(total - report.delivered, 0)
                report.stopped = True
                return report
            if not first and pause:
                sleep(pause)
            first = False
            result = send_with_retry(message.send, sleep=sleep)
            if not result.ok:
                left = max(total - report.delivered, len(message.ids))
                report.pending = left
                report.errors.append(
                    f"{report.channel}: {result.detail}; {left} left for the next run"
                )
                return report
            store.exports.mark_exported(destination, message.ids, now)
            report.delivered += len(message.ids)
            report.messages += 1
    return report
