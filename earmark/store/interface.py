"""The store's typed interface: one Protocol per part, and the Store that holds the parts.

earmark's stages see the database only through these: the SQLite store (earmark/store/) is one
implementation, and a second backend (PostgreSQL, say) implements the same protocols. The
methods that say "in one transaction" open their own; writes that must land together (a routing
pass, an agent's action) run inside `store.transaction()`, which every part joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from earmark.models import OPEN_STATUSES, Classification, Post, TopicMatch
from earmark.store.posts import CursorUpdate


class PostStore(Protocol):
    """Posts, their topic matches and the sources' cursors."""

    def existing_post_ids(self, ids: Iterable[str]) -> set[str]:
        """Return which of these post ids are already stored."""

    def save_posts(
        self,
        posts: Sequence[Post],
        matches: Sequence[TopicMatch] = (),
        cursors: Sequence[CursorUpdate] = (),
    ) -> list[str]:
        """Insert new posts, their topic matches and cursor moves in one transaction."""

    def get_cursor(self, source: str, topic: str) -> str | None:
        """Return the stored cursor of (source, topic), or None before the first run."""

    def set_cursor(self, source: str, topic: str, value: str) -> None:
        """Store the cursor of (source, topic)."""

    def cursors(self) -> list[dict]:
        """Return every cursor row."""

    def count_posts(self) -> int:
        """Return how many posts are stored."""

    def get_post(self, post_id: str) -> Post | None:
        """Return one stored post, or None."""

    def search_posts(
        self,
        *,
        match: str | None = None,
        topic: str | None = None,
        intent: str | None = None,
        sentiment: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[dict]:
        """Return stored posts with their labels, newest first, filtered (FTS for match)."""

    def label_counts(self) -> dict[str, dict[str, int]]:
        """Count stored posts by topic, sentiment and primary intent, and opportunities by queue."""


class ClassificationStore(Protocol):
    """The labels of posts (classifications) and people's corrections of them (feedback)."""

    def iter_posts_to_classify(
        self, batch_size: int, *, everything: bool = False
    ) -> Iterator[list[tuple]]:
        """Yield batches of posts needing classification, as rows of TO_CLASSIFY_COLUMNS."""

    def count_posts_to_classify(self, *, everything: bool = False) -> int:
        """Return how many posts lack labels (every post with everything=True)."""

    def save_classifications(self, results: Sequence[Classification]) -> int:
        """Insert or replace classification rows in one transaction; return how many."""

    def save_classification_rows(self, rows: Sequence[tuple]) -> int:
        """Insert or replace rows made by classification_values in one transaction."""

    def save_feedback(
        self, post_id: str, sentiment: str | None, intents: list[str], actor: str
    ) -> int:
        """Store a person's correction of a post's labels; return its id."""

    def iter_feedback(self) -> Iterator[dict]:
        """Yield the latest correction per post joined with the post text."""


class QueueStore(Protocol):
    """Opportunities and the posts of each (its thread)."""

    def unrouted_opportunity_posts(self) -> Iterator[dict]:
        """Yield classified opportunity posts not yet part of any opportunity, oldest first."""

    def post_thread_link(self, post_id: str) -> dict | None:
        """Return (id, platform, parent_id, thread_id) of a stored post, or None."""

    def open_opportunity_for_thread(self, thread_key: str) -> dict | None:
        """Return the open opportunity of this thread and author, if any."""

    def insert_opportunity(self, row: dict) -> int:
        """Create an opportunity and its first opportunity_posts row; return its id."""

    def open_opportunities_for_threads(self, thread_keys: Sequence[str]) -> dict[str, dict]:
        """Return {thread_key: its open opportunity} for the keys that have one (one query)."""

    def insert_opportunities(self, rows: Sequence[dict]) -> list[int]:
        """insert_opportunity for many rows (same columns, distinct posts); return their ids."""

    def add_opportunity_posts(self, links: Sequence[tuple[str, int]]) -> None:
        """add_opportunity_post for many (post_id, opportunity_id), in a few statements."""

    def add_opportunity_post(self, post_id: str, opportunity_id: int) -> None:
        """Attach a post to an opportunity (its own post or a thread follow-up)."""

    def update_opportunity(self, opportunity_id: int, **fields: object) -> None:
        """Set columns of one opportunity."""

    def get_opportunity(self, opportunity_id: int) -> dict | None:
        """Return one opportunity with its post and labels, or None."""

    def opportunity_post_ids(self, opportunity_id: int) -> list[str]:
        """Return every post of an opportunity, oldest first."""

    def open_items(
        self,
        *,
        queue: str | None = None,
        agent: str | None = None,
        statuses: Sequence[str] = OPEN_STATUSES,
        unassigned: bool = False,
        queues: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Return open work with post and labels, by priority (highest) then age (oldest)."""

    def urgent_items(
        self,
        *,
        now: datetime | str,
        at_risk_fraction: float = 0.2,
        queue: str | None = None,
        agent: str | None = None,
        statuses: Sequence[str] = OPEN_STATUSES,
        unassigned: bool = False,
        queues: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Return open work with post and labels, most urgent first as of now."""

    def pool_count(self) -> int:
        """Return how many unassigned open items wait in the pools."""

    def iter_pool_opportunities(self, queues: Sequence[str], batch: int = 500) -> Iterator[dict]:
        """Yield unassigned open items of these queues (bare rows), highest priority then oldest."""

    def sla_due_checks(self, fraction: float, now: str) -> Iterator[dict]:
        """Yield unanswered open items refresh_sla must look at now (bare rows), by id."""

    def save_sla_checks(self, checks: Iterable[tuple[int, str, float]]) -> None:
        """Store (id, next check time, at-risk fraction) for opportunities refresh_sla saw."""

    def assigned_before(self, cutoff: str) -> list[dict]:
        """Return items still merely assigned whose assignment is at or before cutoff, by id."""

    def held_opportunities(self, agent: str) -> list[dict]:
        """Return the open items an agent holds (bare rows)."""

    def agent_loads(self) -> dict[str, int]:
        """Return how many open items each agent holds."""


class AgentStore(Protocol):
    """The agents synced from the config."""

    def agent_rows(self, *, include_removed: bool = True) -> list[dict]:
        """Return stored agents (JSON lists decoded), by name."""

    def save_agent(self, row: dict) -> None:
        """Insert or update one agent row (lists given as Python lists); clears removed_at."""

    def mark_agent_removed(self, name: str, at: str) -> None:
        """Flag an agent as no longer in the config; their history stays."""


class EventStore(Protocol):
    """The event log of opportunities."""

    def add_event(
        self, opportunity_id: int | None, type: str, actor: str, at: str, detail: dict | None = None
    ) -> int:
        """Append one event to the log; return its id."""

    def add_events(self, rows: Sequence[tuple[int | None, str, str, str, dict | None]]) -> None:
        """Append (opportunity_id, type, actor, at, detail) events in order, in one statement."""

    def events_for(self, opportunity_id: int) -> list[dict]:
        """Return an opportunity's events in order, detail decoded."""

    def event_types_for(self, ids: Iterable[int], types: Sequence[str]) -> set[tuple[int, str]]:
        """Return which (opportunity_id, type) pairs exist among these ids and types."""

    def matched_rule(self, opportunity_id: int) -> dict:
        """Return the queue-rule conditions recorded when the opportunity was created."""

    def returned_from(self, opportunity_id: int) -> set[str]:
        """Return the agents this item was returned from unanswered (not offered to them again)."""

    def last_assigned_at(self) -> dict[str, str]:
        """Return when each agent last received an item (any assignment event)."""

    def last_round_robin_agent(self, queue: str) -> str | None:
        """Return who got the latest round-robin assignment in a queue (the rotation state)."""


class MetricsStore(Protocol):
    """The read-only counts behind `earmark stats`."""

    def count_open_by(self, column: str) -> dict[str | None, int]:
        """Return the open backlog counted by queue, agent or platform."""

    def opportunity_counts_created_since(
        self, since: str, now: str, column: str | None = None
    ) -> dict[str | None, tuple[int, int, int]]:
        """Count the opportunities created at or after since: (created, breached, resolved)."""

    def opportunity_durations_created_since(
        self, since: str, column: str | None = None
    ) -> list[tuple[str | None, int | None, int | None]]:
        """Return (group, seconds to first assignment, seconds to first response) per item."""

    def post_volume_by(self, column: str, since: str) -> dict[str, int]:
        """Return how many posts were created since, by platform (or 'all')."""

    def opportunity_post_volume_by(self, column: str, since: str) -> dict[str | None, int]:
        """Return how many posts created since belong to opportunities, by queue or agent."""

    def topic_daily_sentiment(self, since: str) -> list[dict]:
        """Return post counts by topic, kind, day and sentiment for posts created since."""


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


class StoreInterface(Protocol):
    """An earmark database: its parts, and the transaction they share."""

    path: str
    posts: PostStore
    classifications: ClassificationStore
    queues: QueueStore
    agents: AgentStore
    events: EventStore
    metrics: MetricsStore
    exports: ExportStore
    alerts: AlertStore
    runs: RunStore
    health: HealthStore
    report: ReportStore

    def transaction(self) -> AbstractContextManager[None]:
        """Run a block in one transaction, joined by every part (nested calls join too)."""

    def close(self) -> None:
        """Close the database."""
