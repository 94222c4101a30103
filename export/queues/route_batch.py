"""New opportunities written in batches while routing, with the same rows, ids and event order
as one at a time.

Routing reads the open item of each post's thread, then creates an item or joins one. One at a
time that is about six statements per post, each a round trip on PostgreSQL. `RouteBatch`
reads the open items of a whole page of posts in one query and holds new items, joins and every
event in memory until `flush`, which writes them with a few statements (events in the order
they happened, so ids are those of the one-at-a-time writes). A post whose thread got an item
earlier in the same page joins that item in memory: its post link, new priority and `joined`
event are written with it. A post joining an item stored before the page does the same: its
link and the item's new columns wait for the flush, and reads of the thread until then see the
item as the update will leave it. All inside the routing transaction: nothing is written
outside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_MISSING = object()
New = tuple[str, int]  # ("new", index): an opportunity of this batch, not written yet


class RouteBatch:
    """Pending new opportunities and events of one routing transaction."""

    def __init__(self, store) -> None:
        self.store = store
        self._open: dict[str, dict | None] = {}
        self._rows: list[dict] = []
        self._pending: dict[str, dict] = {}  # thread key -> its new item, as a read shows it
        self._links: list[tuple[str, int | New]] = []
        self._updated: dict[int, dict] = {}  # stored item id -> its columns set in this page
        # (opportunity id, or the index of a pending row as ("new", i)), type, actor, at, detail
        self._events: list[tuple] = []

    def read_threads(self, keys: Sequence[str | None]) -> None:
        """Read the open items of these thread keys in one query (before a page is routed)."""
        wanted = [k for k in dict.fromkeys(keys) if k and k not in self._open]
        if not wanted:
            return
        found = self.store.queues.open_opportunities_for_threads(wanted)
        for key in wanted:
            self._open[key] = found.get(key)

    def open_for_thread(self, key: str) -> dict | None:
        """Return the thread's open item as a one-at-a-time read would see it now."""
        if key in self._pending:
            return self._pending[key]
        known = self._open.get(key, _MISSING)
        if known is _MISSING:
            known = self.store.queues.open_opportunity_for_thread(key)
            self._open[key] = known  # type: ignore[assignment]
        if known is not None and known["id"] in self._updated:  # type: ignore[index]
            # As a read after the update would see it (the update keeps it open).
            return {**known, **self._updated[known["id"]]}  # type: ignore[index, dict-item]
        return known  # type: ignore[return-value]

    def forget_threads(self) -> None:
        """Drop what was read of threads (after a page: memory stays flat over any backlog)."""
        self._open.clear()

    def create(self, row: dict, event: tuple[str, str, str, dict]) -> None:
        """Queue a new opportunity and its `created` event (type, actor, at, detail)."""
        index = len(self._rows)
        self._rows.append(row)
        key = row.get("thread_key")
        if key:
            self._pending[key] = {"agent": None, **row, "id": ("new", index)}
            self._open.pop(key, None)  # once written, read it again
        self._events.append((("new", index), *event))

    def link_post(self, post_id: str, opportunity_id: int | New) -> None:
        """Attach a post to an item (stored, or new in this batch) at the flush."""
        self._links.append((post_id, opportunity_id))

    def update(self, opportunity_id: int | New, **fields: Any) -> None:
        """Set columns of an item at the flush: of its row before it is written if it is new."""
        if not isinstance(opportunity_id, tuple):
            self._updated[opportunity_id] = {**self._updated.get(opportunity_id, {}), **fields}
            return
        row = self._rows[opportunity_id[1]]
        row.update(fields)
        key = row.get("thread_key")
        if key:  # a new dict: the caller's copy keeps the values it read (as a stored read does)
            self._pending[key] = {**self._pending[key], **fields}

    def event(self, opportunity_id: int | None, kind: str, actor: str, at: str, detail: dict):
        """Queue an event of an existing opportunity, after those queued before it."""
        self._events.append((opportunity_id, kind, actor, at, detail))

    def flush(self) -> None:
        """Write the queued opportunities, the joined posts and the joined stored items' new
        columns, then every event in order."""
        ids = self.store.queues.insert_opportunities(self._rows) if self._rows else []
        if self._links:
            self.store.queues.add_opportunity_posts(
                [
                    (post_id, ids[ref[1]] if isinstance(ref, tuple) else ref)
                    for post_id, ref in self._links
                ]
            )
        if self._updated:
            self.store.queues.update_opportunities(list(self._updated.items()))
        events = [
            (ids[ref[1]] if isinstance(ref, tuple) else ref, *rest) for ref, *rest in self._events
        ]
        if events:
            self.store.events.add_events(events)
        self._rows, self._events, self._links = [], [], []
        self._pending.clear()
        self._updated.clear()
