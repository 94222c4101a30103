"""The one order in which work is shown or sent: most urgent first, queues by their urgency.

An item's urgency, most urgent first: SLA breached, then at risk (the states of
export.queues.sla.sla_state, computed here in SQL at a given `now`), then everything else; within
each, highest priority first, then oldest post first (the customer's wait), then id. Queues come
in the order of their most urgent item, never by name. export.queues.urgency holds the same key in
Python for lists already in memory; a property test holds the two together.
"""

from __future__ import annotations

from datetime import datetime

from earmark.models import to_iso

# Seconds since the epoch of an ISO-8601 text (earmark stores "2026-11-26T09:38:59Z").
_SECONDS = "CAST(strftime('%s', {}) AS INTEGER)"


def _state_rank(o: str) -> str:
    """0 breached, 1 at risk, 2 anything else (answered, no SLA, on track); params: now, now, f."""
    due = _SECONDS.format(f"{o}.sla_due")
    start = _SECONDS.format(f"{o}.created_at")
    # Rounded to the microsecond, as timedelta * float is in sla_state.
    at_risk = f"{due} - round(({due} - {start}) * ?, 6)"
    unanswered = f"{o}.first_response_at IS NULL AND {o}.sla_due IS NOT NULL"
    return (
        f"CASE WHEN {unanswered} AND {_SECONDS.format('?')} >= {due} THEN 0 "
        f"WHEN {unanswered} AND {_SECONDS.format('?')} >= {at_risk} THEN 1 ELSE 2 END"
    )


def urgency_order(o: str = "o", posted: str = "p.created_at") -> str:
    """Return the ORDER BY terms (without ORDER BY) of the item urgency key.

    o is the alias of opportunities and posted the column of the post's time. Its parameters,
    in order, are urgency_params(now, fraction).
    """
    return f"{_state_rank(o)}, coalesce({o}.priority, 0) DESC, {posted} IS NULL, {posted}, {o}.id"


def urgency_params(now: datetime | str, fraction: float) -> list:
    """Return the parameters urgency_order's placeholders take."""
    stamp = to_iso(now) if isinstance(now, datetime) else now
    return [stamp, stamp, float(fraction)]
