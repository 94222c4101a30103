"""The store's typed interface, part 3: exports, alerts, runs, health, the report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Protocol


class ExportStore(Protocol):
    """What was exported or delivered where, and the rows an export reads."""

    def iter_export_rows(
        self,
        queue: str | Sequence[str] | None = None,
        agent: str | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        since: datetime | str | None = None,
        new_for_destination: str | None = None,
        ids: Sequence[int] | None = None,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
    ) -> Iterator[dict]:
        """Yield opportunities joined to their post and labels, most urgent first (as of now)."""

    def count_export_rows(
        self,
        queue: str | Sequence[str] | None = None,
        agent: str | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        since: datetime | str | None = None,
        new_for_destination: str | None = None,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
    ) -> dict[tuple[str, str | None], int]:
        """Return how many opportunities iter_export_rows would yield per (tier, queue)."""

    def last_opportunity_id(self) -> int:
        """Return the highest opportunity id so far (0 when there is none)."""

    def new_export_ids(
        self,
        destination: str,
        *,
        queue: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        after: int = 0,
        upto: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Return ids of opportunities not yet exported to destination, in id order."""

    def new_export_ids_by_urgency(
        self,
        destination: str,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
        queue: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        upto: int | None = None,
    ) -> list[int]:
        """Return ids of opportunities not yet exported to destination, most urgent first."""

    def count_new_exports(
        self,
        destination: str,
        *,
        queue: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        min_priority: int | None = None,
        upto: int | None = None,
    ) -> int:
        """Return how many opportunities (with id <= upto) are not yet exported to destination."""

    def mark_exported(self, destination: str, ids: Iterable[int], at: datetime | str) -> int:
        """Record that these opportunities reached destination; return how many were new."""

    def exported_ids(self, destination: str) -> set[int]:
        """Return the ids of every opportunity already exported to destination."""


class AlertStore(Protocol):
    """The counts alerts watch, and the alert states kept between runs."""

    def count_topic_buckets(
        self,
        now: datetime,
        bucket: timedelta,
        buckets: int,
        *,
        intent: str | None = None,
        sentiment: str | None = None,
    ) -> dict[str, list[int]]:
        """Count posts per topic in `buckets` windows of size `bucket` ending at now."""

    def earliest_topic_posts(self) -> dict[str, datetime]:
        """Return the creation time of the oldest stored post of each topic."""

    def topic_posts_between(
        self,
        topic: str,
        start: datetime,
        end: datetime,
        *,
        intent: str | None = None,
        sentiment: str | None = None,
        limit: int = 500,
    ) -> list[dict]:
        """Return a topic's posts created in (start, end], highest priority and reach first."""

    def count_open_by_topic(self) -> dict[str, int]:
        """Return how many opportunities are open (not resolved or dismissed) per topic."""

    def count_open_by_queue(self) -> dict[str, int]:
        """Return how many opportunities are open per queue."""

    def breaches_by_topic(self, now: datetime) -> dict[str, int]:
        """Return how many open, unanswered opportunities are past their SLA per topic."""

    def breaches_by_queue(self, now: datetime) -> dict[str, int]:
        """Return how many open, unanswered opportunities are past their SLA per queue."""

    def alert_states(self) -> dict[str, dict]:
        """Return every alert_state row by key, with `detail` decoded from JSON."""

    def save_alert_state(
        self,
        key: str,
        state: str,
        since: datetime,
        last_fired_at: datetime | None,
        detail: dict,
    ) -> None:
        """Insert or replace the state of one alert key."""


class RunStore(Protocol):
    """The log of runs."""

    def start_run(self, command: str, started_at: datetime | None = None) -> int:
        """Record the start of a run; return its id."""

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict,
        errors: dict,
        ended_at: datetime | None = None,
    ) -> None:
        """Record how a run ended (error texts scrubbed of secrets: `earmark runs` shows them)."""

    def recent_runs(self, limit: int = 20) -> list[dict]:
        """Return the latest runs, newest first (errors scrubbed again: rows may predate it)."""


class HealthStore(Protocol):
    """Each source's last attempt, success and error."""

    def save_source_health(
        self, source: str, ok: bool, new: int, error: str | None, at: datetime
    ) -> None:
        """Record a source's attempt: success clears its error, failure starts unhealthy_since."""

    def source_health(self) -> dict[str, dict]:
        """Return the source_health rows by source name (errors scrubbed of secrets again)."""


class ReportStore(Protocol):
    """The grouped counts behind `earmark report` (one row per bucket and label, or queue)."""

    def post_time_range(self, start: str, end: str) -> tuple[str | None, str | None]:
        """Return the first and last post time within [start, end), or (None, None)."""

    def posts_by_bucket_and_sentiment(
        self, start: str, end: str, bucket_seconds: int
    ) -> list[tuple[int, str, int]]:
        """Count posts within [start, end) by (epoch seconds // bucket_seconds, sentiment)."""

    def posts_by_primary_intent(self, start: str, end: str) -> dict[str, int]:
        """Count classified posts within [start, end) by primary intent."""

    def topic_matches_by_bucket(
        self, start: str, end: str, bucket_seconds: int
    ) -> list[tuple[int, str, int]]:
        """Count topic matches of posts within [start, end) by (bucket, topic)."""

    def open_backlog_by_queue(
        self, now: str, at_risk_fraction: float
    ) -> list[tuple[str, int, int, int, int | None]]:
        """Return (queue, open, breached, at risk, longest wait) per queue, most urgent first."""

    def first_response_percentiles(
        self, start: str, fractions: tuple[float, ...] = (0.5, 0.9)
    ) -> dict[str, tuple[int, list[int]]]:
        """Return per queue (answered, [seconds to first response at each fraction])."""
