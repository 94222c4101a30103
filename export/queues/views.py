"""What people see of the queues: open-work rows, one item for `next`, per-agent queues for the
demo, an opportunity's explanation and the agents' load."""

from __future__ import annotations

import json
from datetime import datetime

from earmark.models import format_duration, parse_iso
from earmark.safetext import terminal_text
from earmark.settings.queues import QueueSettings
from export.formats.escape import one_line
from export.queues.assign import consider, load_agents
from export.queues.sla import sla_state, time_left

POOL = "(pool)"
QUEUE_COLUMNS = [
    "id",
    "queue",
    "status",
    "agent",
    "priority",
    "sla",
    "sla_left",
    "age",
    "platform",
    "author",
    "text",
]
# Post text handed to a table: more than two lines of the widest terminal (the table cuts it
# to its column, with an ellipsis), and no more, so a huge post costs nothing to lay out.
TABLE_TEXT_CHARS = 400
EXPLAIN_TEXT_CHARS = 80  # the post on explain's one line
# The columns of each agent's table in the demo and `earmark queues` overview.
AGENT_QUEUE_COLUMNS = ["id", "queue", "status", "priority", "sla", "sla_left", "platform", "text"]
AGENT_COLUMNS = [
    "name",
    "role",
    "active",
    "model",
    "queues",
    "languages",
    "load",
    "removed_at",
]


def _intents(item: dict) -> list[str]:
    return [name for name, _ in json.loads(item.get("intents") or "[]")]


def item_record(item: dict, now: datetime, at_risk_fraction: float = 0.2) -> dict:
    """Return an open item as a flat record (SLA state and time left computed at now)."""
    left = time_left(item, now)
    return {
        "id": item["id"],
        "queue": item["queue"],
        "status": item["status"],
        "agent": item["agent"],
        "priority": item["priority"],
        "sla": sla_state(item, now, at_risk_fraction),
        "sla_left": format_duration(left) if left is not None else "",
        "sla_due": item["sla_due"],
        # How long the customer has been waiting: since they posted, not since we queued it.
        "age": format_duration(now - parse_iso(item.get("post_created_at") or item["created_at"])),
        "created_at": item["created_at"],
        "platform": item["platform"],
        "author": item["author"],
        "url": item["url"],
        "sentiment": item.get("sentiment"),
        "intents": _intents(item),
        "reply_privately": bool(item.get("reply_privately")),
        "text": item["text"],
    }


def render_sla(record: dict) -> str:
    """Return `on_track (47m left)`, `breached (12m overdue)` or just the state once answered."""
    left = record["sla_left"]
    if not left:
        return record["sla"]
    if left.startswith("-"):
        return f"{record['sla']} ({left[1:]} overdue)"
    return f"{record['sla']} ({left} left)"


def shorten(text: str | None, limit: int = TABLE_TEXT_CHARS) -> str:
    """Return text on one line without control or bidi characters, cut to limit characters
    with an ellipsis."""
    return one_line(text, limit)


def for_table(records: list[dict]) -> list[dict]:
    """Put post text on one line, without control characters, and cut very long posts."""
    return [{**r, "text": shorten(r.get("text"))} for r in records]


def next_item(
    store, settings: QueueSettings, agent_name: str, now: datetime
) -> tuple[dict, bool] | None:
    """Return the agent's single most urgent item (theirs first, else a pool's) and whether
    it is theirs; None when there is nothing for them. Most urgent: earmark.store.ordering."""
    from export.queues.actions import QueueError

    agents = {a.name: a for a in load_agents(store, settings)}
    agent = agents.get(agent_name)
    if agent is None or agent.removed:
        known = ", ".join(a.name for a in agents.values() if not a.removed) or "none configured"
        raise QueueError(f"next: {agent_name!r} is not a known agent (agents: {known})")
    fraction = settings.routing.at_risk_fraction
    urgency = {"now": now, "at_risk_fraction": fraction}
    mine = store.queues.urgent_items(
        agent=agent_name, statuses=("assigned", "claimed", "escalated"), limit=1, **urgency
    )
    if mine:
        return item_record(mine[0], now, fraction), True
    served = [q.name for q in settings.queues if agent.serves(q.name)]
    if not served or agent.role == "expert":
        return None
    offset = 0
    while True:
        page = store.queues.urgent_items(
            statuses=("open",), unassigned=True, queues=served, limit=50, offset=offset, **urgency
        )
        for item in page:
            if agent.speaks(item["language"]):
                return item_record(item, now, fraction), False
        if len(page) < 50:
            return None
        offset += 50


def item_fields(record: dict, *, mine: bool) -> list[dict]:
    """Return one item as field/value rows: everything an agent needs to answer it."""
    rows = [
        ("id", record["id"]),
        ("from", "your queue" if mine else f"pool of {record['queue']}"),
        ("queue", record["queue"]),
        ("status", record["status"]),
        ("priority", record["priority"]),
        (
            "sla",
            render_sla(record),
        ),
        ("platform", record["platform"]),
        ("author", record["author"]),
        ("link", record["url"]),
        ("sentiment", record["sentiment"]),
        ("intents", ", ".join(record["intents"])),
        (
            "reply privately",
            "YES - personal data in the post" if record["reply_privately"] else "no",
        ),
        ("text", record["text"]),
    ]
    return [{"field": k, "value": v} for k, v in rows]


def agent_queues(
    store, settings: QueueSettings, now: datetime, *, limit: int = 10
) -> dict[str, list[dict]]:
    """Return each current agent's open items (and the unassigned pool under "(pool)")."""
    fraction = settings.routing.at_risk_fraction
    queues: dict[str, list[dict]] = {}
    for agent in load_agents(store, settings):
        if agent.removed:
            continue
        items = store.queues.urgent_items(
            agent=agent.name, limit=limit, now=now, at_risk_fraction=fraction
        )
        queues[agent.name] = [item_record(i, now, fraction) for i in items]
    pool = store.queues.urgent_items(
        statuses=("open",), unassigned=True, limit=limit, now=now, at_risk_fraction=fraction
    )
    queues[POOL] = [item_record(i, now, fraction) for i in pool]
    return queues


def agent_queue_tables(
    store, settings: QueueSettings, queues: dict[str, list[dict]]
) -> list[tuple[str, list[dict]]]:
    """Return one (title, rows) table per agent (title: name and load/capacity), then the pool."""
    agents = {a.name: a for a in load_agents(store, settings)}
    loads = store.queues.agent_loads()
    tables = []
    for name, records in queues.items():
        agent = agents.get(name)
        if agent is None:
            title = f"{name}: {len(records)} waiting"
        else:
            title = f"{name}: {loads.get(name, 0)}/{agent.effective_capacity} open"
            if agent.role == "expert":
                title += " (expert)"
        tables.append((title, for_table(records)))
    return tables


def agent_records(store, settings: QueueSettings) -> list[dict]:
    """Return every agent (removed ones too) with current load and effective capacity."""
    loads = store.queues.agent_loads()
    rows = {row["name"]: row for row in store.agents.agent_rows()}
    return [
        {
            "name": a.name,
            "role": a.role,
            "active": a.active,
            "model": a.model if a.model != "blended" else f"blended ({a.share:g})",
            "queues": a.queues,
            "skills": a.skills,
            "languages": a.languages,
            "load": loads.get(a.name, 0),
            "capacity": a.effective_capacity,
            "removed_at": rows[a.name]["removed_at"],
        }
        for a in load_agents(store, settings)
    ]


def _render_rule(matched: dict | None) -> str:
    parts = [
        f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in (matched or {}).items()
    ]
    return "; ".join(parts) or "catch-all rule"


def _describe(event: dict) -> str:
    d = event["detail"]
    kind = event["type"]
    if kind == "created":
        return (
            f"queue {d.get('queue')} (rule matched: {_render_rule(d.get('matched'))}); "
            f"priority {d.get('priority')}; "
            f"SLA {d.get('sla')} -> due {d.get('sla_due')}"
        )
    if kind in ("assigned", "escalated") and "candidates" in d:
        rule = _render_rule(d["matched"]) if "matched" in d else None
        return (
            (f"queue {d.get('queue')} (rule: {rule}); " if rule else "")
            + f"to {d['agent']} ({d.get('strategy', 'escalation')}); "
            f"chose by {d.get('tie_break')}; candidates: {render_candidates(d['candidates'])}"
        )
    if kind == "joined":
        again = "; the customer wrote again after our answer: claimed" if d.get("to_status") else ""
        return (
            f"post {d.get('post_id')} from the same author and thread; "
            f"priority {d.get('priority_before')} -> {d.get('priority')}{again}"
        )
    if kind.startswith("sla_"):
        return (
            f"priority {d.get('priority_before')} -> {d.get('priority')} (due {d.get('sla_due')})"
        )
    if kind == "returned":
        return f"back to the pool from {d.get('agent')}: {d.get('reason')}"
    return _describe_action(kind, d)


def _describe_action(kind: str, d: dict) -> str:
    was = f" (was {d['from_status']})" if d.get("from_status") else ""
    if kind == "claimed":
        return f"claimed by {d.get('agent')}{was}"
    if kind == "responded":
        if not d.get("first"):
            return f"follow-up answer by {d.get('agent')}"
        timing = "within" if d.get("within_sla") else "after"
        return f"first response by {d.get('agent')}, {timing} the SLA (due {d.get('sla_due')})"
    if kind == "resolved":
        return f"resolved{was}" + (f": {d['note']}" if d.get("note") else "")
    if kind == "dismissed":
        return f"dismissed{was}: {d.get('reason')}"
    if kind in ("reassigned", "escalated"):
        return f"to {d.get('agent')} from {d.get('from_agent') or 'the pool'}{was}"
    if kind == "reopened":
        target = d.get("agent") or "the pool"
        return f"back to {target} ({d.get('to_status')}){was}"
    parts = [f"{k}: {v}" for k, v in d.items() if v not in (None, "") and k != "candidates"]
    return "; ".join(parts)


def render_candidates(candidates: list[dict]) -> str:
    """Return `alice 2/8 ok, bob rejected (inactive)` for an assignment's candidates."""
    parts = []
    for c in candidates:
        state = "ok" if c["rejected"] is None else f"rejected: {c['rejected']}"
        parts.append(f"{c['agent']} {c['load']}/{c['capacity']} {state}")
    return ", ".join(parts) or "none"


def explain(store, settings: QueueSettings, opportunity_id: int, now: datetime) -> dict:
    """Return the item, its posts, its event timeline and, while pooled, who could take it now."""
    from export.queues.actions import load_item

    item = load_item(store, "explain", opportunity_id)
    events = store.events.events_for(opportunity_id)
    record = item_record(item, now, settings.routing.at_risk_fraction)
    # Why classification made it this kind of work, and for a post naming both the brand and
    # a competitor which topic it is about: "churn from a competitor (about globex: leaving it)".
    record["classified"] = item.get("opportunity_reason")
    record["posts"] = store.queues.opportunity_post_ids(opportunity_id)
    record["events"] = [
        {
            "at": e["at"],
            "type": e["type"],
            "actor": e["actor"],
            "why": _describe(e),
            "detail": e["detail"],
        }
        for e in events
    ]
    if item["status"] == "open" and item["agent"] is None:
        queue = next((q for q in settings.queues if q.name == item["queue"]), None)
        strategy = queue.strategy if queue else "manual (queue no longer configured)"
        candidates = consider(
            load_agents(store, settings),
            item,
            store.queues.agent_loads(),
            returned_from=store.events.returned_from(opportunity_id),
        )
        record["waiting"] = {"strategy": strategy, "candidates": candidates}
    return record


def render_explanation(record: dict) -> list[str]:
    """Return the explanation as lines of text for a terminal."""
    lines = [
        f"opportunity {record['id']}: {record['status']}"
        + (f" with {record['agent']}" if record["agent"] else " in the pool")
        + f", queue {record['queue']}, priority {record['priority']}, SLA {render_sla(record)}",
        f"post: {record['url'] or record['platform']} by {record['author']}: "
        + shorten(record["text"], EXPLAIN_TEXT_CHARS),
    ]
    if record.get("classified"):
        lines.append(f"classified: {record['classified']}")
    if len(record["posts"]) > 1:
        lines.append(f"thread posts: {', '.join(record['posts'])}")
    for event in record["events"]:
        lines.append(
            f"{event['at']}  {event['type']:<12} {event['actor'] or '':<10} {event['why']}"
        )
    waiting = record.get("waiting")
    if waiting:
        if str(waiting["strategy"]).startswith("manual"):
            lines.append(f"waiting: queue strategy is {waiting['strategy']}; claim it by hand")
        elif any(c["rejected"] is None for c in waiting["candidates"]):
            lines.append(
                "waiting: assignable on the next `earmark route`: "
                + render_candidates(waiting["candidates"])
            )
        else:
            lines.append(f"waiting: nobody fits now: {render_candidates(waiting['candidates'])}")
    # Reasons, notes, names and post text are free text: one line each, nothing a terminal acts on.
    return [terminal_text(line, one_line=True) for line in lines]
