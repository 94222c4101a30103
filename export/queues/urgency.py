"""The urgency order in Python, for work already in memory (earmark.store.ordering in SQL).

Most urgent first: SLA breached, then at risk (sla_state's own definitions), then the rest; within
each, highest priority, then oldest post, then id. Queues come in the order of their most urgent
item. The store's ORDER BY and this key give the same order; a property test holds them together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from export.queues.sla import sla_state

_STATE_RANK = {"breached": 0, "at_risk": 1}


def urgency_key(item: dict, now: datetime, at_risk_fraction: float = 0.2) -> tuple:
    """Return the sort key of one item (a store row or an export record): smaller is sooner."""
    state = sla_state(item, now, at_risk_fraction)
    posted = item.get("posted_at") or item.get("post_created_at")
    return (
        _STATE_RANK.get(state, 2),
        -(item.get("priority") or 0),
        posted is None,
        posted or "",
        item["id"],
    )


def by_urgency(items: Iterable[dict], now: datetime, at_risk_fraction: float = 0.2) -> list[dict]:
    """Return items most urgent first, queue by queue (the queue of the most urgent item first)."""
    ranked = sorted(items, key=lambda i: urgency_key(i, now, at_risk_fraction))
    first: dict = {}
    for index, item in enumerate(ranked):
        first.setdefault(item.get("queue"), index)
    return sorted(ranked, key=lambda i: first[i.get("queue")])  # stable: urgency within a queue
