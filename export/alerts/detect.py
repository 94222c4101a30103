"""Alert detection: pure functions over counts, no I/O (the settings: earmark.settings.alerts).

A spike compares the recent window's post count with the baseline window cut into buckets of
the recent window's size: z = (observed - mean) / max(std, sqrt(mean), 1). The floor stops a
flat baseline from dividing by zero and reflects that counts are at least Poisson-noisy (a
Poisson count's deviation is the square root of its mean). An alert fires when z >= k, the
observed count reaches min_count and the baseline is warm; it clears when z < k/2 or the
observed count drops below min_count. A breakdown's baseline is warm when its topic's is: an
hour with posts of the topic but none negative is a zero, not a missing value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from earmark.errors import EarmarkError
from earmark.models import parse_iso, to_iso
from earmark.settings.alerts import AlertSettings, AlertWindow

FIRING = "firing"
ALL_CLEAR = "all_clear"
OK = "ok"


class AlertError(EarmarkError):
    """Alerts cannot be evaluated or delivered; the message says which and what to do."""


@dataclass
class SpikeCheck:
    """The statistics of one topic (and breakdown) in one window."""

    observed: int
    mean: float
    std: float
    z: float
    buckets_with_data: int
    warm: bool
    firing: bool  # the alert condition holds
    calm: bool  # the all-clear condition holds


def baseline_stats(counts: Sequence[int]) -> tuple[float, float]:
    """Return the mean and (population) standard deviation of baseline bucket counts."""
    if not counts:
        return 0.0, 0.0
    mean = sum(counts) / len(counts)
    variance = sum((c - mean) ** 2 for c in counts) / len(counts)
    return mean, math.sqrt(variance)


def z_score(observed: int, mean: float, std: float) -> float:
    """Return (observed - mean) / max(std, sqrt(mean), 1)."""
    return (observed - mean) / max(std, math.sqrt(mean), 1.0)


def check_spike(
    counts: Sequence[int],
    settings: AlertSettings,
    *,
    history_covers_baseline: bool,
    coverage: Sequence[int] | None = None,
) -> SpikeCheck:
    """Evaluate bucket counts (index 0 = recent window, the rest = baseline) against settings.

    The baseline is warm when posts were already stored before it started
    (history_covers_baseline) and at least warm_up of its buckets hold a post. For a
    breakdown (negative posts, an intent), coverage is the topic's own bucket counts: a bucket
    in which the topic had posts but none of the breakdown is a zero, not missing data.
    """
    observed, baseline = counts[0], list(counts[1:])
    mean, std = baseline_stats(baseline)
    z = z_score(observed, mean, std)
    seen = list(coverage[1:]) if coverage is not None else baseline
    with_data = sum(1 for c in seen if c > 0)
    warm = history_covers_baseline and with_data >= settings.warm_up
    k = settings.sensitivity
    return SpikeCheck(
        observed=observed,
        mean=mean,
        std=std,
        z=z,
        buckets_with_data=with_data,
        warm=warm,
        firing=warm and z >= k and observed >= settings.min_count,
        calm=z < k / 2 or observed < settings.min_count,
    )


@dataclass
class Transition:
    """What to do with one alert key on this run: `fire`, `clear`, `suppress` or None."""

    action: str | None
    state: str
    since: datetime
    last_fired_at: datetime | None


def next_state(
    previous: dict | None, *, firing: bool, calm: bool, now: datetime, cooldown: timedelta
) -> Transition:
    """Advance an alert key's state machine: ok -> firing (alert) -> ok (all clear).

    While firing, nothing new is sent however long the condition lasts. A new alert on the
    same key needs the previous one to be at least `cooldown` old, so a flapping signal does
    not page every run. `previous` is an alert_state row (or None for a key never seen).
    """
    state = previous["state"] if previous else OK
    since = parse_iso(previous["since"]) if previous else now
    last = previous.get("last_fired_at") if previous else None
    last_fired = parse_iso(last) if last else None
    if state == FIRING:
        if calm:
            return Transition("clear", OK, now, last_fired)
        return Transition(None, FIRING, since, last_fired)
    if firing:
        if last_fired is not None and now - last_fired < cooldown:
            return Transition("suppress", OK, since, last_fired)
        return Transition("fire", FIRING, now, now)
    return Transition(None, OK, since, last_fired)


@dataclass
class Alert:
    """One message to send: a spike or threshold alert, or the all-clear that ends one."""

    key: str
    kind: str  # spike | threshold | health
    status: str  # firing | all_clear
    at: datetime
    observed: int
    topic: str | None = None
    queue: str | None = None
    breakdown: str | None = None  # e.g. intent:outage
    window: str | None = None  # recent window, e.g. 1h
    baseline: str | None = None  # baseline window, e.g. 12h
    buckets: int | None = None
    mean: float | None = None
    std: float | None = None
    z: float | None = None
    sensitivity: float | None = None
    min_count: int | None = None
    metric: str | None = None  # threshold alerts: open | sla_breaches
    limit: int | None = None  # threshold alerts: N
    terms: list[str] = field(default_factory=list)
    examples: list[dict] = field(default_factory=list)  # id, url, text, created_at
    fired_at: datetime | None = None  # all-clear: when the alert it ends was sent
    source: str | None = None  # health alerts: the collector
    message: str | None = None  # health alerts: what is wrong, in words
    delivered: list[str] = field(default_factory=list)  # channels that accepted it
    errors: list[str] = field(default_factory=list)  # one line per channel that failed

    def to_record(self) -> dict:
        """Return a JSON-ready dict (timestamps as ISO-8601 UTC, statistics rounded)."""
        record: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind,
            "status": self.status,
            "at": to_iso(self.at),
            "topic": self.topic,
            "queue": self.queue,
            "breakdown": self.breakdown,
            "observed": self.observed,
        }
        if self.kind == "spike":
            record.update(
                window=self.window,
                baseline=self.baseline,
                buckets=self.buckets,
                baseline_mean=round(self.mean, 2) if self.mean is not None else None,
                baseline_std=round(self.std, 2) if self.std is not None else None,
                z=round(self.z, 2) if self.z is not None else None,
                sensitivity=self.sensitivity,
                min_count=self.min_count,
                terms=list(self.terms),
                examples=[dict(e) for e in self.examples],
            )
        elif self.kind == "health":
            record.update(source=self.source, message=self.message)
        else:
            record.update(metric=self.metric, limit=self.limit)
        record["fired_at"] = to_iso(self.fired_at) if self.fired_at else None
        record["delivered"] = list(self.delivered)
        return record

    @classmethod
    def from_record(cls, record: dict) -> Alert:
        """Rebuild an Alert from to_record() output (for deliveries retried later)."""

        def when(key: str) -> datetime | None:
            return parse_iso(record[key]) if record.get(key) else None

        return cls(
            key=record["key"],
            kind=record["kind"],
            status=record["status"],
            at=when("at"),
            observed=record["observed"],
            topic=record.get("topic"),
            queue=record.get("queue"),
            breakdown=record.get("breakdown"),
            window=record.get("window"),
            baseline=record.get("baseline"),
            buckets=record.get("buckets"),
            mean=record.get("baseline_mean"),
            std=record.get("baseline_std"),
            z=record.get("z"),
            sensitivity=record.get("sensitivity"),
            min_count=record.get("min_count"),
            metric=record.get("metric"),
            limit=record.get("limit"),
            terms=list(record.get("terms") or []),
            examples=list(record.get("examples") or []),
            fired_at=when("fired_at"),
        )


def spike_key(topic: str, breakdown: str | None, window: AlertWindow) -> str:
    """Return the alert_state key of a topic, breakdown and window."""
    part = breakdown.replace(":", "=") if breakdown else "all"
    return f"spike:{topic}:{part}:{window.label}"


def run_alerts(store, stage_settings, *, now: datetime, notify: bool = True, **options: Any):
    """Evaluate and deliver alerts (see export.alerts.stage.run_alerts); return an AlertRun."""
    from export.alerts.stage import run_alerts as run

    return run(store, stage_settings, now=now, notify=notify, **options)
