"""Who gets an item: agents' effective capacity, the constraints, and the strategies.

Constraints, checked in this order for each agent (the first that fails is the reason recorded):
removed from the config, inactive, role expert (never auto-assigned), does not serve the queue,
was already handed this item and left it unanswered, lacks the item's language, at capacity.

Strategies (per queue):
- least_loaded: the lowest open items / effective capacity; ties go to the agent assigned least
  recently (never assigned first), then to the name in alphabetical order.
- round_robin: the next acceptable agent in config order after whoever got the queue's previous
  round-robin item (the rotation state is read from the event log, so it survives restarts).
- manual: never auto-assigned; items stay in the queue's pool until someone claims them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from earmark.models import to_iso
from earmark.settings.queues import QueueSettings

SYSTEM_ACTOR = "earmark"
LEAST_LOADED_TIE_BREAK = "lowest load/capacity, then least recently assigned, then name"


@dataclass
class AgentInfo:
    """An agent as routing sees it (from the agents table, synced from the config)."""

    name: str
    role: str = "agent"
    queues: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    capacity: int = 10
    model: str = "designated"
    share: float = 1.0
    active: bool = True
    removed: bool = False

    @property
    def effective_capacity(self) -> int:
        return effective_capacity(self.capacity, self.model, self.share)

    def serves(self, queue: str) -> bool:
        """Whether this agent works the queue (listed in queues, or a skill naming it)."""
        return queue in self.queues or queue in self.skills

    def speaks(self, language: str | None) -> bool:
        """Whether this agent can answer in the language (unknown languages fit anyone)."""
        if not language or not self.languages:
            return True
        return language in {normalize_language(code) for code in self.languages}


def effective_capacity(capacity: int, model: str, share: float) -> int:
    """Return open items allowed at once: blended agents get floor(capacity * share), min 1."""
    if model != "blended" or capacity <= 0:
        return max(capacity, 0)
    return max(1, math.floor(capacity * share + 1e-9)) if share > 0 else 0


def normalize_language(code: str | None) -> str | None:
    """Reduce `en-US`, `EN_gb` to `en`; None and the unsupported marker stay unknown."""
    if not code or code in ("unsupported_language", "und", "unknown"):
        return None
    return code.replace("_", "-").split("-")[0].lower()


def load_agents(store, settings: QueueSettings) -> list[AgentInfo]:
    """Return every stored agent, current ones in config order, removed ones after."""
    order = {agent.name: i for i, agent in enumerate(settings.agents)}
    agents = [
        AgentInfo(
            name=row["name"],
            role=row["role"] or "agent",
            queues=row["queues"],
            skills=row["skills"],
            languages=row["languages"],
            capacity=row["capacity"] or 0,
            model=row["model"] or "designated",
            share=row["share"] if row["share"] is not None else 1.0,
            active=row["active"],
            removed=row["removed_at"] is not None,
        )
        for row in store.agents.agent_rows()
    ]
    return sorted(agents, key=lambda a: (a.removed, order.get(a.name, len(order)), a.name))


def rejection(
    agent: AgentInfo,
    item: dict,
    load: int,
    *,
    returned_from: set[str] = frozenset(),
    allow_experts: bool = False,
) -> str | None:
    """Return why agent cannot take item automatically, or None when they can."""
    language = item.get("language")
    if agent.removed:
        return "removed from the config"
    if not agent.active:
        return "inactive"
    if agent.role == "expert" and not allow_experts:
        return "expert (takes escalations only)"
    if not allow_experts and not agent.serves(item["queue"]):
        return f"does not work queue {item['queue']}"
    if agent.name in returned_from:
        return "left this item unanswered before"
    if not agent.speaks(language):
        return f"does not speak {language}"
    capacity = agent.effective_capacity
    if load >= capacity:
        return f"at capacity ({load}/{capacity})"
    return None


def consider(
    agents: list[AgentInfo],
    item: dict,
    loads: dict[str, int],
    *,
    returned_from: set[str] = frozenset(),
    allow_experts: bool = False,
) -> list[dict]:
    """Return every current agent with load, capacity and why they were rejected (or None)."""
    return [
        {
            "agent": agent.name,
            "load": loads.get(agent.name, 0),
            "capacity": agent.effective_capacity,
            "rejected": rejection(
                agent,
                item,
                loads.get(agent.name, 0),
                returned_from=returned_from,
                allow_experts=allow_experts,
            ),
        }
        for agent in agents
        if not agent.removed
    ]


def pick_least_loaded(candidates: list[dict], last_assigned: dict[str, str]) -> tuple[str, str]:
    """Return the least-loaded acceptable candidate and a sentence saying why."""
    fit = [c for c in candidates if c["rejected"] is None]
    ranked = sorted(
        fit,
        key=lambda c: (
            Fraction(c["load"], c["capacity"]),
            last_assigned.get(c["agent"], ""),
            c["agent"],
        ),
    )
    best = ranked[0]
    ratio = Fraction(best["load"], best["capacity"])
    tied = [c for c in ranked if Fraction(c["load"], c["capacity"]) == ratio]
    if len(tied) == 1:
        why = f"lowest load/capacity ({best['load']}/{best['capacity']})"
    else:
        names = ", ".join(c["agent"] for c in tied)
        stamps = [last_assigned.get(c["agent"], "") for c in tied]
        if stamps.count(last_assigned.get(best["agent"], "")) == 1:
            when = last_assigned.get(best["agent"])
            why = (
                f"tied on load/capacity ({names}); least recently assigned "
                f"({when or 'never assigned'})"
            )
        else:
            why = f"tied on load/capacity and last assignment ({names}); first by name"
    return best["agent"], why


def pick_round_robin(candidates: list[dict], order: list[str], last: str | None) -> tuple[str, str]:
    """Return the next acceptable candidate in config order after last, and why."""
    fit = {c["agent"] for c in candidates if c["rejected"] is None}
    start = order.index(last) + 1 if last in order else 0
    rotation = order[start:] + order[:start]
    for name in rotation:
        if name in fit:
            after = f"after {last}" if last else "first in rotation"
            return name, f"round robin: next in config order {after}"
    raise ValueError("no acceptable candidate")


def open_queues(agents: list[AgentInfo], loads: dict[str, int], queues: list[str]) -> set[str]:
    """Return the queues some active, non-expert agent below capacity serves."""
    found: set[str] = set()
    for agent in agents:
        if agent.removed or not agent.active or agent.role == "expert":
            continue
        if loads.get(agent.name, 0) >= agent.effective_capacity:
            continue
        found.update(q for q in queues if agent.serves(q))
    return found


def assign_pending(store, settings: QueueSettings, *, now: datetime) -> tuple[int, int]:
    """Assign pool items, highest priority first; return (assigned, still waiting).

    Only items of queues some agent could take are read; the rest of the pool is counted.
    """
    at = to_iso(now)
    agents = load_agents(store, settings)
    order = [a.name for a in agents if not a.removed]
    queues = {q.name: q for q in settings.queues}
    automatic = [q.name for q in settings.queues if q.strategy != "manual"]
    loads = store.queues.agent_loads()
    reachable = open_queues(agents, loads, automatic)
    pool = store.queues.pool_count()
    if not reachable:
        return 0, pool
    last_assigned = store.events.last_assigned_at()
    assigned = 0
    for item in store.queues.iter_pool_opportunities(sorted(reachable)):
        if item["queue"] not in reachable:
            continue  # its agents filled up earlier in this pass: it waits
        strategy = queues[item["queue"]].strategy
        candidates = consider(agents, item, loads)
        if not any(c["rejected"] is None for c in candidates):
            continue
        returned = store.events.returned_from(item["id"])
        if returned:
            candidates = consider(agents, item, loads, returned_from=returned)
            if not any(c["rejected"] is None for c in candidates):
                continue
        if strategy == "round_robin":
            last = store.events.last_round_robin_agent(item["queue"])
            name, why = pick_round_robin(candidates, order, last)
        else:
            name, why = pick_least_loaded(candidates, last_assigned)
        store.queues.update_opportunity(
            item["id"], status="assigned", agent=name, assigned_at=at, updated_at=at
        )
        store.events.add_event(
            item["id"],
            "assigned",
            SYSTEM_ACTOR,
            at,
            {
                "agent": name,
                "queue": item["queue"],
                "matched": store.events.matched_rule(item["id"]),
                "strategy": strategy,
                "priority": item["priority"],
                "candidates": candidates,
                "tie_break": why,
            },
        )
        loads[name] = loads.get(name, 0) + 1
        last_assigned[name] = at
        assigned += 1
        reachable = open_queues(agents, loads, automatic)
        if not reachable:
            break
    # Every pool item is either assigned or waits.
    return assigned, pool - assigned
