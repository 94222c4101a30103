"""`next --claim`: find the agent's most urgent item and claim it in one write transaction.

Picking with `next` and then claiming with `claim` leaves a gap in which another agent can take
the same item (the loser's claim fails and they look again). Here the pick and the claim run in
one store transaction: on SQLite it is BEGIN IMMEDIATE, on PostgreSQL it first takes the
store's write lock (pg_advisory_xact_lock), so concurrent `next --claim` calls run one after
another and each sees the items the earlier ones took. No item is handed to two agents, and
none is passed over while it is still the most urgent one an agent may take.
"""

from __future__ import annotations

from datetime import datetime

from earmark.settings.queues import QueueSettings
from export.queues.actions import claim
from export.queues.errors import NeedsForceError, QueueError
from export.queues.views import item_record, next_item


def next_and_claim(
    store, settings: QueueSettings, agent_name: str, now: datetime
) -> tuple[dict, bool] | None:
    """Return (the agent's most urgent item, now claimed by them, whether it was already
    theirs), or None when there is nothing for them.

    Their own items come first (an item assigned to them is accepted, one they already claimed
    or escalated is shown as it is); else the top of a pool they may take is claimed under the
    rules of `claim` (queue, language, capacity).
    """
    with store.transaction():
        found = next_item(store, settings, agent_name, now)
        if found is None:
            return None
        record, mine = found
        if record["status"] not in ("open", "assigned"):
            return record, mine  # already held by them: claimed or escalated
        try:
            item = claim(store, settings, record["id"], actor=agent_name, now=now)
        except NeedsForceError as refused:  # `next` has no --force: name the command that has
            raise QueueError(
                f"claim {refused.ident}: {refused.problem}; to claim it anyway: "
                f"`earmark claim {refused.ident} --force`"
            ) from None
        return item_record(item, now, settings.routing.at_risk_fraction), mine
