"""The store's typed interface: one Protocol per part, and the Store that holds the parts.

earmark's stages see the database only through these: the SQLite store (earmark/store/) is one
implementation, and a second backend (PostgreSQL, say) implements the same protocols. The
methods that say "in one transaction" open their own; writes that must land together (a routing
pass, an agent's action) run inside `store.transaction()`, which every part joins. The part
Protocols live in interface_posts.py, interface_work.py and interface_output.py.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from earmark.store.interface_output import (
    AlertStore,
    ExportStore,
    HealthStore,
    ReportStore,
    RunStore,
)
from earmark.store.interface_posts import ClassificationStore, PostStore
from earmark.store.interface_work import AgentStore, EventStore, MetricsStore, QueueStore

__all__ = [
    "AgentStore",
    "AlertStore",
    "ClassificationStore",
    "EventStore",
    "ExportStore",
    "HealthStore",
    "MetricsStore",
    "PostStore",
    "QueueStore",
    "ReportStore",
    "RunStore",
    "StoreInterface",
]


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
