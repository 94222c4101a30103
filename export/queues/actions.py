"""What agents do to an item, as a state machine whose every move is an event.

Statuses: open (in the queue's pool), assigned, claimed, responded, escalated (all open) and
resolved, dismissed (closed). Each action lists the statuses it may start from; anything else is
a QueueError that says what to do instead. Actions apply the rules routing applies: claiming or
answering a pool item needs an agent who works its queue, speaks its language and has capacity;
an item someone holds is claimed, answered, resolved or dismissed only by its holder. A lead's
`force=True` (`--force`) overrides those rules, and the event records what was overridden.
Resolving an item nobody answered counts as its first response unless
`routing.resolve_counts_as_response` is false.
"""

from __future__ import annotations

from datetime import datetime

from earmark.models import CLOSED_STATUSES, OPEN_STATUSES, to_iso
from export.queues.assign import SYSTEM_ACTOR, AgentInfo, load_agents
from export.queues.errors import NeedsForceError, QueueError
from export.queues.experts import pick_expert

ALLOWED_FROM = {
    "claim": ("open", "assigned"),
    "respond": ("open", "assigned", "claimed", "responded", "escalated"),
    "resolve": OPEN_STATUSES,
    "dismiss": OPEN_STATUSES,
    "reassign": OPEN_STATUSES,
    "escalate": ("open", "assigned", "claimed", "responded", "escalated"),
    "reopen": CLOSED_STATUSES,
}
# The past tense each action is logged under.
EVENT_TYPES = {
    "claim": "claimed",
    "respond": "responded",
    "resolve": "resolved",
    "dismiss": "dismissed",
    "reassign": "reassigned",
    "escalate": "escalated",
    "reopen": "reopened",
}


def resolve_actor(option: str | None, env: dict) -> str:
    """Return who is acting: --agent/--as, then $EARMARK_AGENT, then $USER."""
    actor = option or env.get("EARMARK_AGENT") or env.get("USER")
    if not actor:
        raise QueueError("no agent name: pass --agent NAME (or --as NAME) or set EARMARK_AGENT")
    return actor


def _article(status: str) -> str:
    return "an" if status[0] in "aeiou" else "a"


def load_item(store, action: str, opportunity_id: int) -> dict:
    """Return the opportunity or fail saying how to find valid ids."""
    item = store.queues.get_opportunity(opportunity_id)
    if item is None:
        raise QueueError(
            f"{action} {opportunity_id}: no such opportunity (list open ones with `earmark queue`)"
        )
    return item


def check_transition(action: str, item: dict) -> None:
    """Fail unless action may start from the item's status."""
    status = item["status"]
    if status in ALLOWED_FROM[action]:
        return
    ident = item["id"]
    message = f"{action} {ident}: cannot {action} {_article(status)} {status} item"
    if status in CLOSED_STATUSES:
        message += f"; reopen it first with `earmark reopen {ident}`"
    elif action == "reopen":
        message += "; only resolved or dismissed items can be reopened"
    elif action == "claim":
        holder = item["agent"] or "nobody"
        message += f" (held by {holder})"
    raise QueueError(message)


def current_agent(store, settings, action: str, ident: int, name: str) -> AgentInfo:
    """Return a current, active agent by name or fail listing the known ones."""
    agents = {a.name: a for a in load_agents(store, settings)}
    agent = agents.get(name)
    if agent is None or agent.removed:
        known = ", ".join(a.name for a in agents.values() if not a.removed) or "none configured"
        state = "was removed from the config" if agent else "is not a known agent"
        raise QueueError(f"{action} {ident}: {name!r} {state} (agents: {known})")
    if not agent.active:
        raise QueueError(
            f"{action} {ident}: agent {name} is inactive (active: false in the config)"
        )
    return agent


def _move(store, item: dict, action: str, actor: str, at: str, detail: dict, **fields) -> dict:
    store.queues.update_opportunity(item["id"], updated_at=at, **fields)
    detail = {"from_status": item["status"], **detail}
    store.events.add_event(item["id"], EVENT_TYPES[action], actor, at, detail)
    return store.queues.get_opportunity(item["id"])


def _check_holder(action: str, item: dict, actor: str, force: bool) -> str | None:
    """Fail unless actor holds the item (or it is in the pool); return what force overrode."""
    holder = item["agent"]
    if holder is None or holder == actor:
        return None
    if force:
        return f"held by {holder}"
    hint = f"ask a lead to run `earmark reassign {item['id']} --to {actor}`"
    if action in ("resolve", "dismiss"):
        hint = f"ask {holder}, or add --force to {action} it anyway"
    raise QueueError(f"{action} {item['id']}: assigned to {holder}, not {actor}; {hint}")


def fit_problem(agent: AgentInfo, item: dict, load: int, *, experts: bool = False) -> str | None:
    """Return why agent may not hold item under the routing rules (`bob does not ...`), or None."""
    language = item.get("language")
    if agent.role == "expert" and not experts:
        return f"{agent.name} is an expert (takes escalations only: use `earmark escalate`)"
    if not experts and not agent.serves(item["queue"]):
        return f"{agent.name} does not work queue {item['queue']}"
    if not agent.speaks(language):
        return f"{agent.name} does not speak {language}"
    if load >= agent.effective_capacity:
        return f"{agent.name} is at capacity ({load}/{agent.effective_capacity})"
    return None


def _check_fit(
    action: str, item: dict, agent: AgentInfo, load: int, force: bool, *, experts: bool = False
) -> str | None:
    """Fail when agent does not fit item (unless forced); return what force overrode."""
    problem = fit_problem(agent, item, load, experts=experts)
    if problem is None or force:
        return problem
    raise NeedsForceError(action, item["id"], problem)


def _forced(detail: dict, *overridden: str | None) -> dict:
    reasons = [reason for reason in overridden if reason]
    return {**detail, "forced": "; ".join(reasons)} if reasons else detail


def _take(store, settings, action: str, item: dict, actor: str, force: bool) -> str | None:
    """Check actor may take item as holder: theirs already, or a pool item they fit."""
    overridden = _check_holder(action, item, actor, force)
    agent = current_agent(store, settings, action, item["id"], actor)
    if item["agent"] == actor:
        return overridden
    load = store.queues.agent_loads().get(actor, 0)
    return (
        "; ".join(r for r in (overridden, _check_fit(action, item, agent, load, force)) if r)
        or None
    )


def claim(
    store, settings, opportunity_id: int, *, actor: str, now: datetime, force: bool = False
) -> dict:
    """Take an item from the pool, or accept one assigned to you."""
    with store.transaction():
        item = load_item(store, "claim", opportunity_id)
        if item["status"] == "claimed" and item["agent"] == actor:
            raise QueueError(f"claim {opportunity_id}: already claimed by you ({actor})")
        if item["status"] == "claimed":
            raise QueueError(f"claim {opportunity_id}: already claimed by {item['agent']}")
        check_transition("claim", item)
        overridden = _take(store, settings, "claim", item, actor, force)
        at = to_iso(now)
        return _move(
            store,
            item,
            "claim",
            actor,
            at,
            _forced({"agent": actor, "queue": item["queue"]}, overridden),
            status="claimed",
            agent=actor,
            assigned_at=item["assigned_at"] or at,
        )


def respond(
    store, settings, opportunity_id: int, *, actor: str, now: datetime, force: bool = False
) -> dict:
    """Record that the holder answered the customer (the first time marks first response)."""
    with store.transaction():
        item = load_item(store, "respond", opportunity_id)
        check_transition("respond", item)
        overridden = _take(store, settings, "respond", item, actor, force)
        at = to_iso(now)
        first = item["first_response_at"] is None
        detail = _forced({"agent": actor, "first": first, "sla_due": item["sla_due"]}, overridden)
        if first and item["sla_due"]:
            detail["within_sla"] = at <= item["sla_due"]
        return _move(
            store,
            item,
            "respond",
            actor,
            at,
            detail,
            status="responded",
            agent=actor,
            assigned_at=item["assigned_at"] or at,
            first_response_at=item["first_response_at"] or at,
        )


def resolve(
    store,
    settings,
    opportunity_id: int,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
    force: bool = False,
) -> dict:
    """Close an item as handled (the first response too, unless the config says otherwise)."""
    with store.transaction():
        item = load_item(store, "resolve", opportunity_id)
        check_transition("resolve", item)
        overridden = _check_holder("resolve", item, actor, force)
        at = to_iso(now)
        detail = {"agent": item["agent"], "note": note} if note else {"agent": item["agent"]}
        fields = {"status": "resolved", "closed_at": at}
        if item["first_response_at"] is None and settings.routing.resolve_counts_as_response:
            # The customer's question was dealt with: that is the response the SLA waits for.
            fields["first_response_at"] = at
            detail["counts_as_response"] = True
            if item["sla_due"]:
                detail["within_sla"] = at <= item["sla_due"]
        return _move(store, item, "resolve", actor, at, _forced(detail, overridden), **fields)


def dismiss(
    store,
    settings,
    opportunity_id: int,
    *,
    actor: str,
    now: datetime,
    reason: str,
    force: bool = False,
) -> dict:
    """Close an item that needs no answer (spam, not for us, duplicate), saying why."""
    if not reason or not reason.strip():
        raise QueueError(f"dismiss {opportunity_id}: give a reason with --reason")
    with store.transaction():
        item = load_item(store, "dismiss", opportunity_id)
        check_transition("dismiss", item)
        overridden = _check_holder("dismiss", item, actor, force)
        at = to_iso(now)
        detail = _forced({"agent": item["agent"], "reason": reason.strip()}, overridden)
        return _move(store, item, "dismiss", actor, at, detail, status="dismissed", closed_at=at)


def reassign(
    store, settings, opportunity_id: int, *, to: str, actor: str, now: datetime, force: bool = False
) -> dict:
    """Hand an open item to another agent (who must be active and speak its language)."""
    with store.transaction():
        item = load_item(store, "reassign", opportunity_id)
        check_transition("reassign", item)
        if item["agent"] == to:
            raise QueueError(f"reassign {opportunity_id}: already with {to}")
        target = current_agent(store, settings, "reassign", opportunity_id, to)
        overridden = _check_fit(
            "reassign", item, target, store.queues.agent_loads().get(to, 0), force
        )
        at = to_iso(now)
        return _move(
            store,
            item,
            "reassign",
            actor,
            at,
            _forced({"agent": to, "from_agent": item["agent"], "queue": item["queue"]}, overridden),
            status="assigned",
            agent=to,
            assigned_at=at,
        )


def escalate(
    store,
    settings,
    opportunity_id: int,
    *,
    actor: str,
    now: datetime,
    to: str | None = None,
    force: bool = False,
) -> dict:
    """Hand an item to an expert: the one named, or the least-loaded expert with the skill."""
    with store.transaction():
        item = load_item(store, "escalate", opportunity_id)
        check_transition("escalate", item)
        loads = store.queues.agent_loads()
        detail: dict = {"from_agent": item["agent"], "queue": item["queue"]}
        if to is not None:
            if item["status"] == "escalated" and item["agent"] == to:
                raise QueueError(f"escalate {opportunity_id}: already escalated to {to}")
            target = current_agent(store, settings, "escalate", opportunity_id, to)
            # Naming an expert is a deliberate choice: their capacity does not stop it.
            detail = _forced(
                detail,
                _check_fit("escalate", item, target, 0, force, experts=True),
            )
        else:
            to, why, candidates = pick_expert(store, settings, item, loads)
            detail.update(candidates=candidates, tie_break=why)
        at = to_iso(now)
        detail["agent"] = to
        return _move(
            store, item, "escalate", actor, at, detail, status="escalated", agent=to, assigned_at=at
        )


def reopen(store, settings, opportunity_id: int, *, actor: str, now: datetime) -> dict:
    """Reopen a closed item: back to its last agent if still active, else to the pool."""
    with store.transaction():
        item = load_item(store, "reopen", opportunity_id)
        check_transition("reopen", item)
        agents = {a.name: a for a in load_agents(store, settings)}
        holder = agents.get(item["agent"] or "")
        at = to_iso(now)
        if holder is not None and holder.active and not holder.removed:
            fields = {"status": "assigned", "agent": holder.name, "assigned_at": at}
        else:
            fields = {"status": "open", "agent": None, "assigned_at": None}
        return _move(
            store,
            item,
            "reopen",
            actor,
            at,
            {"agent": fields["agent"], "to_status": fields["status"]},
            closed_at=None,
            **fields,
        )


def return_to_pool(store, item: dict, *, at: str, reason: str, detail: dict | None = None) -> None:
    """Put a held item back in its queue's pool (event `returned`, actor earmark)."""
    store.queues.update_opportunity(
        item["id"], status="open", agent=None, assigned_at=None, updated_at=at
    )
    store.events.add_event(
        item["id"],
        "returned",
        SYSTEM_ACTOR,
        at,
        {"agent": item["agent"], "reason": reason, "from_status": item["status"], **(detail or {})},
    )
