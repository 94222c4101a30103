"""Turn classified opportunity posts into queued, assigned opportunities.

`route_opportunities` runs in one transaction: sync agents from the config, create one
opportunity per new opportunity post (in the first queue whose rule matches) or attach it to the
open opportunity of the same thread and author, refresh SLA states, then assign the pool.
Re-running it never duplicates anything: a post belongs to at most one opportunity.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from earmark.config import Queue, QueueMatch
from earmark.models import parse_duration, to_iso
from earmark.progress import NO_PROGRESS, Progress
from earmark.settings.queues import QueueSettings
from export.queues.actions import return_to_pool
from export.queues.assign import SYSTEM_ACTOR, assign_pending, normalize_language
from export.queues.route_batch import RouteBatch
from export.queues.sla import next_check, refresh_sla

MAX_THREAD_DEPTH = 50


@dataclass
class RouteReport:
    """What one routing pass did."""

    created: int = 0
    by_queue: Counter = field(default_factory=Counter)  # new opportunities per queue
    joined: int = 0
    unrouted: int = 0
    assigned: int = 0
    waiting: int = 0
    returned: int = 0
    at_risk: int = 0
    breached: int = 0
    agents_added: list[str] = field(default_factory=list)
    agents_removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything new happened (cron stays silent otherwise)."""
        return bool(
            self.created
            or self.joined
            or self.assigned
            or self.returned
            or self.at_risk
            or self.breached
            or self.agents_added
            or self.agents_removed
        )

    def summary(self) -> str:
        """Return one line for stderr: `route: 3 new opportunities, ...`."""
        return "route: " + self.summary_line()

    def summary_line(self) -> str:
        """Return the counts as one line without a prefix."""
        created = f"{self.created} new opportunities"
        if self.by_queue:
            created += " (" + ", ".join(f"{q} {n}" for q, n in self.by_queue.most_common()) + ")"
        parts = [
            created,
            f"{self.joined} joined a thread",
            f"{self.assigned} assigned",
            f"{self.waiting} waiting in pools",
        ]
        # Unrouted posts are looked at again every run (a config change may route them), so
        # their count is not news: it is left out of the summary.
        for name in ("returned", "at_risk", "breached"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name.replace('_', ' ')}")
        if self.agents_added:
            parts.append(f"agents added: {', '.join(self.agents_added)}")
        if self.agents_removed:
            parts.append(f"agents removed: {', '.join(self.agents_removed)}")
        return ", ".join(parts)


def term_pattern(term: str) -> re.Pattern:
    """Match term as a whole word (or handle/hashtag), case-insensitively."""
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


def match_rule(rule: QueueMatch, post: dict) -> dict | None:
    """Return the conditions that held (each with what matched), or None if one failed."""
    matched: dict = {}

    def overlap(key: str, wanted: list[str], have: list[str]) -> bool:
        if not wanted:
            return True
        hits = [value for value in wanted if value in have]
        if hits:
            matched[key] = hits
        return bool(hits)

    language = normalize_language(post.get("language"))
    terms = [t for t in rule.terms if term_pattern(t).search(post.get("text") or "")]
    checks = [
        overlap("kinds", rule.kinds, post.get("kinds") or []),
        overlap("topics", rule.topics, post.get("topics") or []),
        overlap("intents", rule.intents, post.get("intents") or []),
        overlap("sentiments", rule.sentiments, [post.get("sentiment")]),
        overlap("opportunities", rule.opportunities, [post.get("opportunity")]),
        overlap("platforms", rule.platforms, [post.get("platform")]),
        overlap("languages", [normalize_language(x) for x in rule.languages], [language]),
        not rule.terms or bool(terms),
    ]
    if terms:
        matched["terms"] = terms
    if rule.min_priority:
        checks.append((post.get("priority") or 0) >= rule.min_priority)
        matched["min_priority"] = f"{post.get('priority')} >= {rule.min_priority}"
    return matched if all(checks) else None


def match_queue(queues: list[Queue], post: dict) -> tuple[Queue, dict] | None:
    """Return the first queue whose rule the post meets, with what matched."""
    for queue in queues:
        matched = match_rule(queue.match, post)
        if matched is not None:
            return queue, matched
    return None


def _full_id(platform: str, value: str) -> str:
    return value if value.startswith(f"{platform}:") else f"{platform}:{value}"


def thread_root(store, post: dict) -> str:
    """Return the id of the post's thread: its thread_id, else the top of its parent chain."""
    platform = post["platform"]
    if post.get("thread_id"):
        return _full_id(platform, post["thread_id"])
    current = {"id": post.get("id") or post["post_id"], "parent_id": post.get("parent_id")}
    seen = {current["id"]}
    for _ in range(MAX_THREAD_DEPTH):
        if not current.get("parent_id"):
            break
        parent_id = _full_id(platform, current["parent_id"])
        if parent_id in seen:
            break
        seen.add(parent_id)
        parent = store.queues.post_thread_link(parent_id)
        if parent is None:
            return parent_id
        if parent["thread_id"]:
            return _full_id(platform, parent["thread_id"])
        current = parent
    return current["id"]


def thread_key(store, post: dict) -> str | None:
    """Return `thread root|author`: posts sharing it join one open opportunity."""
    if not post.get("author"):
        return None
    return f"{thread_root(store, post)}|{post['author']}"


def sync_agents(
    store, settings: QueueSettings, *, now: datetime
) -> tuple[list[str], list[str], int]:
    """Mirror config agents into the DB; return (added, removed, items returned to the pool).

    Removed agents keep their row (with removed_at) and history; open items held by removed
    or inactive agents go back to their queue's pool.
    """
    at = to_iso(now)
    stored = {row["name"]: row for row in store.agents.agent_rows()}
    added, removed = [], []
    for agent in settings.agents:
        previous = stored.get(agent.name)
        store.agents.save_agent(
            {
                "name": agent.name,
                "role": agent.role,
                "queues": agent.queues,
                "skills": agent.skills,
                "languages": agent.languages,
                "capacity": agent.capacity,
                "model": agent.model,
                "share": agent.share,
                "active": agent.active,
                "synced_at": at,
            }
        )
        if previous is None or previous["removed_at"] is not None:
            added.append(agent.name)
            store.events.add_event(None, "agent_added", SYSTEM_ACTOR, at, {"agent": agent.name})
    names = {agent.name for agent in settings.agents}
    for name, row in stored.items():
        if name not in names and row["removed_at"] is None:
            store.agents.mark_agent_removed(name, at)
            store.events.add_event(None, "agent_removed", SYSTEM_ACTOR, at, {"agent": name})
            removed.append(name)
    returned = 0
    reasons = {a.name: "agent inactive" for a in settings.agents if not a.active}
    reasons.update({name: "agent removed" for name in stored if name not in names})
    for name in sorted(reasons):
        for item in store.queues.held_opportunities(name):
            return_to_pool(store, item, at=at, reason=reasons[name])
            returned += 1
    return added, removed, returned


def _create(
    batch: RouteBatch,
    queue: Queue,
    matched: dict,
    post: dict,
    key: str | None,
    at: str,
    now: datetime,
    fraction: float,
) -> None:
    due = to_iso(now + parse_duration(queue.sla))
    row = {
        "post_id": post["post_id"],
        "kind": post["opportunity"],
        "queue": queue.name,
        "status": "open",
        "priority": post["priority"] or 0,
        "base_priority": post["priority"] or 0,
        "language": normalize_language(post.get("language")),
        "thread_key": key,
        "created_at": at,
        "sla_due": due,
        "updated_at": at,
    }
    # Its first SLA check, as refresh_sla would store it later in this transaction: each new
    # row is written once, not inserted and then updated. A check already due (an SLA shorter
    # than its at-risk share of a second) is still made by refresh_sla.
    row["sla_check_at"] = next_check(row, set(), fraction)
    row["sla_check_fraction"] = fraction
    batch.create(
        row,
        (
            "created",
            SYSTEM_ACTOR,
            at,
            {
                "post_id": post["post_id"],
                "queue": queue.name,
                "matched": matched,
                "strategy": queue.strategy,
                "sla": queue.sla,
                "sla_due": due,
                "priority": post["priority"] or 0,
                "kind": post["opportunity"],
                "post_created_at": post["created_at"],
            },
        ),
    )


def _join(store, existing: dict, post: dict, at: str, batch: RouteBatch | None = None) -> None:
    # Through the batch, existing may be an item not written yet (created earlier in the page).
    link = batch.link_post if batch is not None else store.queues.add_opportunity_post
    update = batch.update if batch is not None else store.queues.update_opportunity
    link(post["post_id"], existing["id"])
    raise_by = max(0, (post["priority"] or 0) - (existing["base_priority"] or 0))
    priority = min(100, existing["priority"] + raise_by)
    fields = {}
    if existing["status"] == "responded":
        # The customer wrote again after our answer: that is new work for the same agent.
        fields["status"] = "claimed"
    update(
        existing["id"],
        base_priority=(existing["base_priority"] or 0) + raise_by,
        priority=priority,
        updated_at=at,
        **fields,
    )
    add_event = batch.event if batch is not None else store.events.add_event
    add_event(
        existing["id"],
        "joined",
        SYSTEM_ACTOR,
        at,
        {
            "post_id": post["post_id"],
            "queue": existing["queue"],
            "agent": existing["agent"],
            "priority_before": existing["priority"],
            "priority": priority,
            **({"from_status": "responded", "to_status": "claimed"} if fields else {}),
        },
    )


def _join_late(store, post_ids: set[str], report: RouteReport, at: str) -> None:
    for post in store.queues.unrouted_opportunity_posts():
        if post["post_id"] not in post_ids:
            continue
        key = thread_key(store, post)
        existing = store.queues.open_opportunity_for_thread(key) if key else None
        if existing is not None:
            _join(store, existing, post, at)
            report.joined += 1
            report.unrouted -= 1


ROUTE_STEP = 500  # posts routed between two progress reports (and per batch of writes)


def _route_page(
    store,
    settings: QueueSettings,
    page: list[dict],
    batch: RouteBatch,
    report: RouteReport,
    threaded: list[str],
    at: str,
    now: datetime,
) -> None:
    """Route a page of posts in order, its new items and events written in one batch."""
    keys = [thread_key(store, post) for post in page]
    batch.read_threads(keys)
    for post, key in zip(page, keys, strict=True):
        existing = batch.open_for_thread(key) if key else None
        if existing is not None:
            _join(store, existing, post, at, batch)
            report.joined += 1
            continue
        hit = match_queue(settings.queues, post)
        if hit is None:
            report.unrouted += 1
            if key:
                threaded.append(post["post_id"])
            continue
        _create(batch, hit[0], hit[1], post, key, at, now, settings.routing.at_risk_fraction)
        report.created += 1
        report.by_queue[hit[0].name] += 1
    batch.flush()
    batch.forget_threads()


def route_opportunities(
    store, settings: QueueSettings, *, now: datetime, progress: Progress = NO_PROGRESS
) -> RouteReport:
    """Create, group, re-prioritise and assign opportunities; safe to re-run any time."""
    report = RouteReport()
    at = to_iso(now)
    progress.start("route")
    seen = 0
    with store.transaction():
        report.agents_added, report.agents_removed, returned = sync_agents(store, settings, now=now)
        report.returned += returned
        # Posts no queue takes that may still join their thread (ids only: memory stays flat).
        threaded: list[str] = []
        batch = RouteBatch(store)
        page: list[dict] = []
        for post in store.queues.unrouted_opportunity_posts():
            page.append(post)
            if len(page) == ROUTE_STEP:
                _route_page(store, settings, page, batch, report, threaded, at, now)
                seen += len(page)
                progress.advance(len(page))
                page = []
        _route_page(store, settings, page, batch, report, threaded, at, now)
        seen += len(page)
        # An earlier post of a thread whose item a later post of this pass opened joins it now,
        # not on the next run (which would then report a change with nothing new).
        if threaded and report.created:
            _join_late(store, set(threaded), report, at)
        sla = refresh_sla(store, settings, now=now)
        report.at_risk, report.breached = sla.at_risk, sla.breached
        report.returned += sla.returned
        report.assigned, report.waiting = assign_pending(store, settings, now=now)
    progress.advance(seen % ROUTE_STEP)
    progress.finish()
    return report
