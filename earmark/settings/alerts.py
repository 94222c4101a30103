"""The `alerts:` section of the config: spike windows, threshold rules and where to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from earmark.configload import FieldError, load_dataclass
from earmark.models import SENTIMENTS, parse_duration

CHANNELS = ("slack", "email", "webhook")
BREAKDOWN_FIELDS = ("intent", "sentiment")


def _duration(key: str, value: str) -> timedelta:
    try:
        delta = parse_duration(value)
    except ValueError as error:
        raise FieldError(key, str(error)) from None
    if delta.total_seconds() < 60:
        raise FieldError(key, f"must be at least 1m, not {value!r}")
    return delta


@dataclass
class AlertWindow:
    """Compare the last `recent` with the `baseline` before it, in buckets of `recent`."""

    recent: str = "1h"
    baseline: str = "12h"

    def validate(self) -> None:
        recent = _duration("recent", self.recent)
        baseline = _duration("baseline", self.baseline)
        if baseline < 2 * recent:
            raise FieldError("baseline", "must be at least twice as long as recent")

    @property
    def bucket(self) -> timedelta:
        return parse_duration(self.recent)

    @property
    def buckets(self) -> int:
        """Return how many whole recent-sized buckets the baseline holds."""
        return int(parse_duration(self.baseline) // parse_duration(self.recent))

    @property
    def label(self) -> str:
        return f"{self.recent}/{self.baseline}"


@dataclass
class ThresholdRule:
    """Alert when open items (max_open) or SLA breaches (sla_breaches) exceed N.

    Scope it to one topic or one queue, or leave both out to count everything.
    """

    topic: str | None = None
    queue: str | None = None
    max_open: int | None = None
    sla_breaches: int | None = None

    def validate(self) -> None:
        if (self.max_open is None) == (self.sla_breaches is None):
            raise FieldError("max_open", "give exactly one of max_open or sla_breaches")
        if self.topic is not None and self.queue is not None:
            raise FieldError("queue", "give a topic or a queue, not both")
        if self.limit < 0:
            raise FieldError(
                "max_open" if self.max_open is not None else "sla_breaches", "must be 0 or more"
            )

    @property
    def metric(self) -> str:
        return "open" if self.max_open is not None else "sla_breaches"

    @property
    def limit(self) -> int:
        limit = self.max_open if self.max_open is not None else self.sla_breaches
        assert limit is not None  # validate() requires exactly one of them
        return limit

    @property
    def scope(self) -> str:
        if self.topic is not None:
            return f"topic={self.topic}"
        if self.queue is not None:
            return f"queue={self.queue}"
        return "all"

    @property
    def key(self) -> str:
        return f"threshold:{self.metric}:{self.scope}"


@dataclass
class AlertSettings:
    """The `alerts:` section of the config."""

    windows: list[AlertWindow] = field(
        default_factory=lambda: [AlertWindow("1h", "12h"), AlertWindow("1d", "14d")]
    )
    sensitivity: float = 2.0  # k: standard deviations above the baseline mean
    min_count: int = 5  # never alert on fewer posts than this in the recent window
    warm_up: int = 3  # baseline buckets that must hold at least one post
    cooldown: str = "2h"  # no new alert on the same key within this time of the last one
    topics: list[str] = field(default_factory=list)  # empty: every topic with posts
    per: list[str] = field(
        default_factory=list
    )  # extra breakdowns: intent:outage, sentiment:negative
    thresholds: list[ThresholdRule] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)  # empty: every notifier configured in notify:

    def validate(self) -> None:
        if self.sensitivity <= 0:
            raise FieldError("sensitivity", "must be above 0 (e.g. 1.5, 2 or 3)")
        if self.min_count < 1:
            raise FieldError("min_count", "must be 1 or more")
        if self.warm_up < 0:
            raise FieldError("warm_up", "must be 0 or more")
        _duration("cooldown", self.cooldown)
        if not self.windows and not self.thresholds:
            raise FieldError("windows", "give at least one window or threshold")
        for i, window in enumerate(self.windows):
            if self.warm_up > window.buckets:
                raise FieldError(
                    f"windows[{i}]",
                    f"warm_up {self.warm_up} exceeds the {window.buckets} baseline buckets",
                )
        for i, spec in enumerate(self.per):
            try:
                parse_breakdown(spec)
            except ValueError as error:
                raise FieldError(f"per[{i}]", str(error)) from None
        for i, channel in enumerate(self.notify):
            if channel not in CHANNELS:
                raise FieldError(
                    f"notify[{i}]", f"must be one of {', '.join(CHANNELS)}, not {channel!r}"
                )

    @property
    def cooldown_delta(self) -> timedelta:
        return parse_duration(self.cooldown)


def load_alert_settings(data: Any) -> AlertSettings:
    """Validate the `alerts:` mapping of the config (unknown keys get the standard error)."""
    if isinstance(data, AlertSettings):
        return data
    return load_dataclass(AlertSettings, data or {}, "alerts")


def parse_breakdown(spec: str) -> tuple[str, str]:
    """Split `intent:outage` or `sentiment:negative` into (field, value)."""
    name, sep, value = spec.partition(":")
    if not sep or not value or name not in BREAKDOWN_FIELDS:
        raise ValueError(f"expected intent:NAME or sentiment:NAME, not {spec!r}")
    if name == "sentiment" and value not in SENTIMENTS:
        raise ValueError(f"unknown sentiment {value!r}; known: {', '.join(SENTIMENTS)}")
    return name, value


@dataclass(frozen=True)
class AlertStageSettings:
    """What the alerts stage reads: its own section, the notifiers it sends through, and the
    topics, queues and custom intents its rules may name (the config's sections, as they are)."""

    alerts: AlertSettings | None
    notify: Any  # earmark.config.Notify
    topics: list[Any]  # earmark.config.Topic
    queues: list[Any]  # earmark.config.Queue
    classify: Any  # earmark.settings.classify.ClassifySettings
