"""The urgency order in Python, for work already in memory (earmark.store.ordering in SQL).

Three tiers: SLA breached, then at risk (sla_state's own definitions), then the rest. Within a
tier, queues in the order of their most urgent item; within a queue, highest priority, then
oldest post, then id. The store's ORDER BY and this give the same order (a property test holds
them together).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from export.queues.sla import sla_state

TIERS = ("breached", "at_risk", "rest")


def urgency_tier(item: dict, now: datetime, at_risk_fraction: float = 0.2) -> str:
    """Return breached, at_risk or rest for an item (a store row or an export record)."""
    state = sla_state(item, now, at_risk_fraction)
    return state if state in ("breached", "at_risk") else "rest"


def urgency_key(item: dict, now: datetime, at_risk_fraction: float = 0.2) -> tuple:
    """Return the sort key of one item, queues aside: smaller is sooner."""
    posted = item.get("posted_at") or item.get("post_created_at")
    return (
        TIERS.index(urgency_tier(item, now, at_risk_fraction)),
        -(item.get("priority") or 0),
        posted is None,
        posted or "",
        item["id"],
    )


def by_urgency(items: Iterable[dict], now: datetime, at_risk_fraction: float = 0.2) -> list[dict]:
    """Return items most urgent first: by tier, then queue by queue (the queue of the tier's
    most urgent item first), then by urgency within the queue."""
    keyed = sorted(((urgency_key(i, now, at_risk_fraction), i) for i in items), key=lambda p: p[0])
    first: dict = {}
    for index, (key, item) in enumerate(keyed):
        first.setdefault((key[0], item.get("queue")), index)
    return [i for _, i in sorted(keyed, key=lambda p: (first[(p[0][0], p[1].get("queue"))], p[0]))]
