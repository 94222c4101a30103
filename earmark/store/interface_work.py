"""The store's typed interface, part 2: queues, agents, the event log and metrics."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from earmark.models import OPEN_STATUSES


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
        """Set columns of one opportunity (none given: nothing to set, nothing is written)."""

    def update_opportunities(self, updates: Sequence[tuple[int, dict]]) -> None:
        """update_opportunity for many (id, fields) in order (status, priorities, updated_at)."""

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
