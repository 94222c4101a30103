"""The one order in which work is shown or sent: most urgent first, queues by their urgency.

Items fall in three tiers: SLA breached, then at risk (the states of export.queues.sla.sla_state,
computed here in SQL at a given `now`), then everything else (on track, answered, no SLA). Within
a tier, queues come in the order of their most urgent item (never by name) and within a queue
the highest priority first, then the oldest post (the customer's wait), then the id. So every
breached item comes before every at-risk one, before the rest: a message cut short never hides
an urgent item behind a less urgent one. export.queues.urgency holds the same order in Python
for lists already in memory; a property test holds the two together.
"""

from __future__ import annotations

from datetime import datetime

from earmark.models import to_iso

# Seconds since the epoch of an ISO-8601 text (earmark stores "2026-11-26T09:38:59Z").
_SECONDS = "CAST(strftime('%s', {}) AS INTEGER)"
TIERS = ("breached", "at_risk", "rest")


def _tier(o: str) -> str:
    """0 breached, 1 at risk, 2 the rest; its parameters are urgency_params(now, fraction)."""
    due = _SECONDS.format(f"{o}.sla_due")
    start = _SECONDS.format(f"{o}.created_at")
    # Rounded to the microsecond, as timedelta * float is in sla_state.
    at_risk = f"{due} - round(({due} - {start}) * ?, 6)"
    unanswered = f"{o}.first_response_at IS NULL AND {o}.sla_due IS NOT NULL"
    return (
        f"CASE WHEN {unanswered} AND {_SECONDS.format('?')} >= {due} THEN 0 "
        f"WHEN {unanswered} AND {_SECONDS.format('?')} >= {at_risk} THEN 1 ELSE 2 END"
    )


def tier_sql(table: str) -> str:
    """Return the tier (0 breached, 1 at risk, 2 the rest) of a row of table (or its alias)
    as SQL; its parameters are urgency_params(now, fraction)."""
    return _tier(table)


def ranked_cte(where: str) -> str:
    """Return `WITH ... ranked(kid, tier, kqueue, hk, k)` over the opportunities `o` (joined to
    their post `p`) that match where; order a select from it by RANKED_ORDER.

    k is the item's key within its tier (priority, then post time, then id, as one sortable
    text: one sort instead of window functions), hk the key of its queue's most urgent item in
    that tier. Only ids and keys are sorted (narrow rows: SQLite's sorter spills to disk, not
    RAM). Its parameters are urgency_params(...) followed by where's.
    """
    return f"""
WITH keyed AS (
  SELECT o.id AS kid, o.queue AS kqueue, {_tier("o")} AS tier,
         printf('%04d|%s|%012d', 1000 - coalesce(o.priority, 0), coalesce(p.created_at, '~'),
                o.id) AS k
  FROM opportunities o JOIN posts p ON p.id = o.post_id{where}
), heads AS (
  SELECT tier, kqueue, min(k) AS hk FROM keyed GROUP BY tier, kqueue
), ranked AS (
  SELECT keyed.kid, keyed.tier, keyed.kqueue, heads.hk, keyed.k
  FROM keyed JOIN heads ON heads.tier = keyed.tier AND heads.kqueue IS keyed.kqueue
)
"""


# Priorities are 0-100 (the key's fixed width holds -8999..999); a missing post time sorts last.
RANKED_ORDER = "ranked.tier, ranked.hk, ranked.k"


def urgency_params(now: datetime | str, fraction: float) -> list:
    """Return the parameters of the tier expression: now, now, the at-risk fraction."""
    stamp = to_iso(now) if isinstance(now, datetime) else now
    return [stamp, stamp, float(fraction)]
