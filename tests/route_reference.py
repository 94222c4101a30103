"""Routing one step at a time, the reference the batched writes are compared with.

`OneAtATime` has RouteBatch's interface (export/queues/route_batch.py) but writes every step
when it happens, through the store's one-row calls: each new item with insert_opportunity and
its event at once, each join with add_opportunity_post and update_opportunity, each thread read
from the database. New items are stored without an SLA check time, so refresh_sla computes and
stores it, as before routing stored it with the item. `dump` reads every table routing writes,
in key order, for a byte-for-byte comparison of two stores.
"""

from __future__ import annotations

import json

import pytest

from export.queues import routing

ROUTED_TABLES = {
    "opportunities": "id",
    "opportunity_posts": "post_id",
    "events": "id",
    "opportunity_counts": "hour, queue, agent, platform",
    "route_pending": "post_id",
    "agents": "name",
}


class OneAtATime:
    """RouteBatch's interface, every write made at once (nothing held for a flush)."""

    def __init__(self, store) -> None:
        self.store = store

    def read_threads(self, keys) -> None:
        pass

    def open_for_thread(self, key: str) -> dict | None:
        return self.store.queues.open_opportunity_for_thread(key)

    def forget_threads(self) -> None:
        pass

    def create(self, row: dict, event: tuple) -> None:
        row = {k: v for k, v in row.items() if not k.startswith("sla_check")}
        ident = self.store.queues.insert_opportunity(row)
        self.store.events.add_event(ident, *event)

    def link_post(self, post_id: str, opportunity_id: int) -> None:
        self.store.queues.add_opportunity_post(post_id, opportunity_id)

    def update(self, opportunity_id: int, **fields) -> None:
        self.store.queues.update_opportunity(opportunity_id, **fields)

    def event(self, opportunity_id, kind: str, actor: str, at: str, detail: dict) -> None:
        self.store.events.add_event(opportunity_id, kind, actor, at, detail)

    def flush(self) -> None:
        pass


def route_one_at_a_time(store, config, *, now):
    """route_opportunities with every write made at once (OneAtATime for RouteBatch)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(routing, "RouteBatch", OneAtATime)
        return routing.route_opportunities(store, config, now=now)


def dump(store) -> str:
    """Every row of the tables routing writes, in key order, as one JSON text."""
    return json.dumps(
        {
            name: [dict(r) for r in store.db.query(f"SELECT * FROM {name} ORDER BY {key}")]  # noqa: S608 - constant names
            for name, key in ROUTED_TABLES.items()
        },
        sort_keys=True,
        default=str,
    )
