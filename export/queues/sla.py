"""First-response SLAs: the state of each open item, re-prioritising and return-to-pool.

An item's SLA window runs from its creation (when earmark routed it) to `sla_due`. Until it gets
a first response it is on_track, then at_risk for the last `routing.at_risk_fraction` of the
window, then breached. Entering at_risk raises its priority by 10 and breached by 20 over its
base priority (capped at 100), once each, with an event saying so. An item still merely
`assigned` (not claimed, not answered) `routing.return_after` after its assignment goes back to
the pool, so work never sits with an absent agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from earmark.models import parse_duration, parse_iso, to_iso
from earmark.settings.queues import QueueSettings
from export.queues.actions import return_to_pool
from export.queues.assign import SYSTEM_ACTOR

SLA_BUMPS = {"at_risk": 10, "breached": 20}
SLA_BATCH = 1000  # items checked per step of refresh_sla (memory stays flat at any backlog)
MAX_PRIORITY = 100


@dataclass
class SlaReport:
    at_risk: int = 0
    breached: int = 0
    returned: int = 0


def sla_state(item: dict, now: datetime, at_risk_fraction: float = 0.2) -> str:
    """Return met, on_track, at_risk or breached for an opportunity row."""
    if item.get("first_response_at"):
        return "met" if item["first_response_at"] <= (item.get("sla_due") or "~") else "late"
    if not item.get("sla_due"):
        return "on_track"
    due = parse_iso(item["sla_due"])
    start = parse_iso(item["created_at"])
    if now >= due:
        return "breached"
    if now >= due - (due - start) * at_risk_fraction:
        return "at_risk"
    return "on_track"


def time_left(item: dict, now: datetime):
    """Return the timedelta until the SLA is due, or None once answered (or without SLA)."""
    if item.get("first_response_at") or not item.get("sla_due"):
        return None
    return parse_iso(item["sla_due"]) - now


NOTHING_LEFT = "~"  # sorts after every timestamp: no check time left


def next_check(item: dict, flagged: set[str], fraction: float) -> str:
    """Return the second from which the item may next need a bump, or NOTHING_LEFT.

    The at-risk point until it is flagged at risk, then the due time until it is flagged
    breached. Time only moves forward, so a breached item never gets at risk again.
    """
    if not item.get("sla_due") or "sla_breached" in flagged:
        return NOTHING_LEFT
    if "sla_at_risk" in flagged:
        return item["sla_due"]
    due = parse_iso(item["sla_due"])
    # Rounded down to the second: never later than the point sla_state uses.
    return to_iso(due - (due - parse_iso(item["created_at"])) * fraction)


def refresh_sla(store, settings: QueueSettings, *, now: datetime) -> SlaReport:
    """Bump priorities of items at risk or breached and return stale assignments to the pool.

    Only items whose stored check time has come (or that were never checked at this at-risk
    fraction) are read; each is re-checked exactly and its next check time stored.
    """
    report = SlaReport()
    at = to_iso(now)
    fraction = settings.routing.at_risk_fraction
    # In batches: a first pass after a big import checks every new item once.
    due = iter(store.queues.sla_due_checks(fraction, at))
    while items := tuple(islice(due, SLA_BATCH)):
        _check_batch(store, items, report, now=now, at=at, fraction=fraction)
    return_after = parse_duration(settings.routing.return_after)
    for item in store.queues.assigned_before(to_iso(now - return_after)):
        if item["assigned_at"] and now - parse_iso(item["assigned_at"]) >= return_after:
            return_to_pool(
                store,
                item,
                at=at,
                reason="unanswered",
                detail={
                    "assigned_at": item["assigned_at"],
                    "return_after": settings.routing.return_after,
                },
            )
            report.returned += 1
    return report


def _check_batch(store, items: tuple[dict, ...], report: SlaReport, *, now, at, fraction) -> None:
    flags: dict[int, set[str]] = {}
    for opportunity_id, kind in store.events.event_types_for(
        [i["id"] for i in items], ("sla_at_risk", "sla_breached")
    ):
        flags.setdefault(opportunity_id, set()).add(kind)
    checks = []
    for item in items:
        flagged = flags.get(item["id"], set())
        state = sla_state(item, now, fraction)
        if state in SLA_BUMPS and f"sla_{state}" not in flagged:
            _bump(store, item, state, at)
            flagged.add(f"sla_{state}")
            setattr(report, state, getattr(report, state) + 1)
        checks.append((item["id"], next_check(item, flagged, fraction), fraction))
    store.queues.save_sla_checks(checks)


def _bump(store, item: dict, state: str, at: str) -> None:
    base = item["base_priority"] if item["base_priority"] is not None else item["priority"]
    priority = min(MAX_PRIORITY, max(item["priority"], base + SLA_BUMPS[state]))
    store.queues.update_opportunity(item["id"], priority=priority, updated_at=at)
    store.events.add_event(
        item["id"],
        f"sla_{state}",
        SYSTEM_ACTOR,
        at,
        {
            "queue": item["queue"],
            "agent": item["agent"],
            "sla_due": item["sla_due"],
            "priority_before": item["priority"],
            "priority": priority,
        },
    )
