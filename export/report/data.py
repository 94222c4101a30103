"""What a report shows, read from the store's grouped counts (never post by post).

Time runs in buckets of a whole number of seconds since the epoch (an hour, a day, ...), the
smallest that keeps a chart readable; labels beyond the most frequent few are summed as
"other", so a report's size depends on neither the number of posts nor of labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from earmark.models import SENTIMENTS, parse_iso, to_iso

HOUR = 3600
DAY = 24 * HOUR
# The bucket sizes a chart may use, smallest first.
BUCKET_SECONDS = (HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, 28 * DAY)
MAX_VOLUME_BUCKETS = 60
MAX_SHARE_POINTS = 24
TOP_INTENTS = 10
TOP_TOPICS = 6
OTHER = "other"
SENTIMENT_ORDER = (*SENTIMENTS, "unsupported_language", "unclassified")


@dataclass
class QueueSummary:
    """One queue's open work and response times."""

    name: str
    open: int = 0
    breached: int = 0
    at_risk: int = 0
    longest_wait: int | None = None  # seconds since the oldest unanswered open item's post
    answered: int = 0  # opportunities created in the window that got a first response
    median_response: int | None = None  # seconds
    p90_response: int | None = None

    @property
    def on_track(self) -> int:
        return self.open - self.breached - self.at_risk


@dataclass
class TimeSeries:
    """Counts per label over consecutive buckets of equal length."""

    bucket_seconds: int
    starts: list[datetime] = field(default_factory=list)  # the start of each bucket (UTC)
    series: dict[str, list[int]] = field(default_factory=dict)  # label -> one count per bucket

    def totals(self) -> list[int]:
        return [sum(column) for column in zip(*self.series.values(), strict=True)] or [0] * len(
            self.starts
        )


@dataclass
class ReportData:
    """Everything a report draws, already grouped."""

    now: datetime
    start: datetime  # the window's start (the first post's bucket when later than --since)
    volume: TimeSeries  # posts by sentiment
    share: TimeSeries  # topic matches by topic
    intents: list[tuple[str, int]]  # posts by primary intent, most frequent first
    queues: list[QueueSummary]  # most urgent queue first

    @property
    def posts(self) -> int:
        return sum(self.volume.totals())


def choose_bucket(span_seconds: float, max_buckets: int) -> int:
    """Return the smallest bucket length that covers span_seconds in at most max_buckets."""
    for seconds in BUCKET_SECONDS:
        if span_seconds / seconds < max_buckets:
            return seconds
    return BUCKET_SECONDS[-1]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def to_series(
    rows: Iterable[tuple[int, str, int]],
    start: datetime,
    end: datetime,
    bucket_seconds: int,
    order: Sequence[str] = (),
    top: int | None = None,
) -> TimeSeries:
    """Turn (bucket, label, count) rows into one zero-filled count list per label.

    Labels come in `order` first, then by total, largest first; with top, only the top most
    frequent labels keep their own series and the rest are summed as "other".
    """
    first, last = _epoch(start) // bucket_seconds, _epoch(end) // bucket_seconds
    width = last - first + 1
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * width)
    for bucket, label, count in rows:
        if first <= bucket <= last:
            counts[label][bucket - first] += count
    labels = sorted(
        counts,
        key=lambda k: (order.index(k) if k in order else len(order), -sum(counts[k]), k),
    )
    if top is not None and len(labels) > top:
        kept, rest = labels[: top - 1], labels[top - 1 :]
        other = [sum(column) for column in zip(*(counts[k] for k in rest), strict=True)]
        series = {k: counts[k] for k in kept}
        series[OTHER] = [a + b for a, b in zip(series.get(OTHER, [0] * width), other, strict=True)]
    else:
        series = {k: counts[k] for k in labels}
    starts = [
        datetime.fromtimestamp((first + n) * bucket_seconds, tz=timezone.utc) for n in range(width)
    ]
    return TimeSeries(bucket_seconds, starts, series)


def top_counts(counts: dict[str, int], top: int) -> list[tuple[str, int]]:
    """Return (label, count) largest first; past top, the rest summed as "other"."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) <= top:
        return ranked
    kept = dict(ranked[: top - 1])
    kept[OTHER] = kept.get(OTHER, 0) + sum(n for _, n in ranked[top - 1 :])
    return sorted(kept.items(), key=lambda kv: (kv[0] == OTHER, -kv[1], kv[0]))


def queue_summaries(
    store, now: datetime, start: datetime, at_risk_fraction: float, queue_names: Sequence[str]
) -> list[QueueSummary]:
    """Return each queue's backlog and response times: queues with open items most urgent
    first, then the configured queues without any, in their configured order."""
    stamp = to_iso(now)
    summaries = {
        name: QueueSummary(name or "(no queue)", n, breached, at_risk, wait)
        for name, n, breached, at_risk, wait in store.report.open_backlog_by_queue(
            stamp, at_risk_fraction
        )
    }
    for name in queue_names:
        summaries.setdefault(name, QueueSummary(name))
    for name, (answered, (median, p90)) in store.report.first_response_percentiles(
        to_iso(start), (0.5, 0.9)
    ).items():
        summary = summaries.setdefault(name, QueueSummary(name or "(no queue)"))
        summary.answered, summary.median_response, summary.p90_response = answered, median, p90
    return list(summaries.values())


def load_report_data(
    store,
    *,
    now: datetime,
    since: timedelta,
    at_risk_fraction: float = 0.2,
    queue_names: Sequence[str] = (),
) -> ReportData:
    """Read the report's counts for the posts of the window [now - since, now]."""
    window_start = now - since
    end = now + timedelta(seconds=1)  # the store's ranges end before `end`: keep `now` in
    first, _ = store.report.post_time_range(to_iso(window_start), to_iso(end))
    start = max(window_start, parse_iso(first)) if first else window_start
    span = (now - start).total_seconds()
    low, high = to_iso(start), to_iso(end)
    volume_bucket = choose_bucket(span, MAX_VOLUME_BUCKETS)
    share_bucket = choose_bucket(span, MAX_SHARE_POINTS)
    volume = to_series(
        store.report.posts_by_bucket_and_sentiment(low, high, volume_bucket),
        start,
        now,
        volume_bucket,
        order=SENTIMENT_ORDER,
    )
    share = to_series(
        store.report.topic_matches_by_bucket(low, high, share_bucket),
        start,
        now,
        share_bucket,
        top=TOP_TOPICS,
    )
    intents = top_counts(store.report.posts_by_primary_intent(low, high), TOP_INTENTS)
    queues = queue_summaries(store, now, start, at_risk_fraction, queue_names)
    return ReportData(now, start, volume, share, intents, queues)
