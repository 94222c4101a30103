"""Who takes an escalation: the least-loaded free expert with a skill the item needs."""

from __future__ import annotations

import json

from export.queues.assign import consider, load_agents, pick_least_loaded
from export.queues.errors import QueueError


def pick_expert(store, settings, item: dict, loads: dict) -> tuple[str, str, list[dict]]:
    """Return the least-loaded free expert with a skill the item needs, or fail saying why.

    The skills an item needs are its intents and its queue; an expert listing no skills takes
    any escalation.
    """
    needed = [*_intent_names(item), item["queue"]]
    experts = [
        a
        for a in load_agents(store, settings)
        if a.role == "expert" and not a.removed and a.name != item["agent"]
    ]
    candidates = consider(experts, item, loads, allow_experts=True)
    skilled = []
    for candidate, agent in zip(candidates, experts, strict=True):
        if agent.skills and not set(needed) & set(agent.skills):
            candidate["rejected"] = "no matching skill"
        else:
            skilled.append(candidate)
    ident = item["id"]
    wanted = ", ".join(dict.fromkeys(needed))
    if not skilled:
        known = "; ".join(f"{a.name}: {', '.join(a.skills)}" for a in experts) or "none configured"
        raise QueueError(
            f"escalate {ident}: no expert has a skill for {wanted} (experts: {known}); "
            "add one to the config or name one with --to NAME"
        )
    if not any(c["rejected"] is None for c in skilled):
        why = "; ".join(f"{c['agent']}: {c['rejected']}" for c in skilled)
        raise QueueError(
            f"escalate {ident}: no expert with a skill for {wanted} is available ({why}); "
            "name one with --to NAME"
        )
    name, why = pick_least_loaded(candidates, store.events.last_assigned_at())
    return name, why, candidates


def _intent_names(item: dict) -> list[str]:
    return [name for name, _ in json.loads(item.get("intents") or "[]")]
