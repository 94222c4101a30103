"""New opportunities written in batches while routing, with the same rows, ids and event order
as one at a time.

Routing reads the open item of each post's thread, then creates an item or joins one. One at a
time that is about six statements per post, each a round trip on PostgreSQL. `RouteBatch`
reads the open items of a whole page of posts in one query and holds new items and every event
in memory until `flush`, which writes them with a few executemany statements (events in the
order they happened, so ids are those of the one-at-a-time writes). A post whose thread gets
an item earlier in the same page flushes first, then joins it, as before. All inside the
routing transaction: nothing is written outside it.
"""

from __future__ import annotations

from collections.abc import Sequence

_MISSING = object()


class RouteBatch:
    """Pending new opportunities and events of one routing transaction."""

    def __init__(self, store) -> None:
        self.store = store
        self._open: dict[str, dict | None] = {}
        self._rows: list[dict] = []
        self._pending_keys: set[str] = set()
        # (opportunity id, or the index of a pending row as ("new", i)), type, actor, at, detail
        self._events: list[tuple] = []

    def read_threads(self, keys: Sequence[str | None]) -> None:
        """Read the open items of these thread keys in one query (before a page is routed)."""
        wanted = [k for k in dict.fromkeys(keys) if k and k not in self._open]
        if not wanted:
            return
        found = self.store.queues.open_opportunities_for_threads(wanted)
        for key in wanted:
            if key not in self._pending_keys:
                self._open[key] = found.get(key)

    def open_for_thread(self, key: str) -> dict | None:
        """Return the thread's open item as a one-at-a-time read would see it now."""
        if key in self._pending_keys:
            self.flush()
        known = self._open.get(key, _MISSING)
        if known is _MISSING:
            known = self.store.queues.open_opportunity_for_thread(key)
            self._open[key] = known  # type: ignore[assignment]
        return known  # type: ignore[return-value]

    def changed(self, key: str | None) -> None:
        """The thread's open item changed (joined): read it again when asked next."""
        if key:
            self._open.pop(key, None)

    def forget_threads(self) -> None:
        """Drop what was read of threads (after a page: memory stays flat over any backlog)."""
        self._open.clear()

    def create(self, row: dict, event: tuple[str, str, str, dict]) -> None:
        """Queue a new opportunity and its `created` event (type, actor, at, detail)."""
        index = len(self._rows)
        self._rows.append(row)
        key = row.get("thread_key")
        if key:
            self._pending_keys.add(key)
            self._open.pop(key, None)
        self._events.append((("new", index), *event))

    def event(self, opportunity_id: int | None, kind: str, actor: str, at: str, detail: dict):
        """Queue an event of an existing opportunity, after those queued before it."""
        self._events.append((opportunity_id, kind, actor, at, detail))

    def flush(self) -> None:
        """Write the queued opportunities, then every queued event in order."""
        ids = self.store.queues.insert_opportunities(self._rows) if self._rows else []
        events = [
            (ids[ref[1]] if isinstance(ref, tuple) else ref, *rest) for ref, *rest in self._events
        ]
        if events:
            self.store.events.add_events(events)
        self._rows, self._events = [], []
        self._pending_keys.clear()
