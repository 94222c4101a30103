"""Team metrics (`earmark stats`), aggregated from one row per opportunity.

For the opportunities created in the window (created at or after `since`):
- time to assignment: created -> the first event that put it with someone (assigned, claimed,
  reassigned, escalated, or responded straight from the pool); never-assigned items are left out;
- time to first response: created -> the first `responded` event;
- median and p90 use linear interpolation between closest ranks (numpy's default), so the
  median of an even count is the mean of the two middle values;
- an SLA breach is a first response after `sla_due`, or no response yet and `now` past it
  (items dismissed without a response are not counted: nobody owed them an answer);
- resolution rate = items whose latest closing state is resolved / items created.
Backlog and agent load are the current open items; volume counts posts created in the window.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from earmark.models import to_iso
from earmark.settings.queues import QueueSettings
from export.queues.assign import load_agents
from export.queues.sparkline import render_sparkline

GROUPINGS = ("queue", "agent", "topic", "platform")
POOL = "(pool)"
MAX_TREND_DAYS = 30


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-th quantile (0..1) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rounded(values: list[int], q: float) -> int | None:
    result = percentile(values, q)
    return None if result is None else round(result)


def summarise(
    name: str,
    key: str,
    counts: tuple[int, int, int],
    to_assign: list[int],
    to_respond: list[int],
) -> dict:
    """Return one group's metrics: counts (created, breached, resolved) and durations (s)."""
    created, breaches, resolved = counts
    return {
        key: name,
        "created": created,
        "assign_p50": _rounded(to_assign, 0.5),
        "assign_p90": _rounded(to_assign, 0.9),
        "response_p50": _rounded(to_respond, 0.5),
        "response_p90": _rounded(to_respond, 0.9),
        "breaches": breaches,
        "resolved": resolved,
        "resolution_rate": round(resolved / created, 3) if created else None,
    }


def compute_stats(
    store, settings: QueueSettings, *, now: datetime, since: datetime, by: str | None = None
) -> list[dict]:
    """Return one metrics record per group (or one for everything when by is None)."""
    if by == "topic":
        return topic_stats(store, settings, now=now, since=since)
    since_iso = to_iso(since)
    key = by or "scope"

    def name_of(value: str | None) -> str:
        return "all" if by is None else value or POOL

    counts = {
        name_of(value): numbers
        for value, numbers in store.metrics.opportunity_counts_created_since(
            since_iso, to_iso(now), by
        ).items()
    }
    to_assign: dict[str, list[int]] = defaultdict(list)
    to_respond: dict[str, list[int]] = defaultdict(list)
    for value, assign, respond in store.metrics.opportunity_durations_created_since(since_iso, by):
        if assign is not None:
            to_assign[name_of(value)].append(assign)
        if respond is not None:
            to_respond[name_of(value)].append(respond)
    if by in (None, "platform"):
        volume = store.metrics.post_volume_by(by or "all", since_iso)
    else:
        volume = store.metrics.opportunity_post_volume_by(by, since_iso)
    backlog = (
        store.metrics.count_open_by(by)
        if by
        else {"all": sum(store.metrics.count_open_by("queue").values())}
    )
    agents = [a for a in load_agents(store, settings) if not a.removed]
    loads = store.queues.agent_loads()
    names = set(counts) | {k or POOL for k in volume} | {k or POOL for k in backlog}
    if by is None:
        names = {"all"}
    elif by == "agent":
        names |= {a.name for a in agents}
    elif by == "queue":
        names |= {q.name for q in settings.queues}
    records = []
    for name in sorted(names, key=lambda n: (n == POOL, n)):
        record = summarise(
            name, key, counts.get(name, (0, 0, 0)), to_assign[name], to_respond[name]
        )
        raw = None if name == POOL else name
        record = {
            key: name,
            "posts": volume.get(raw, 0),
            **{k: v for k, v in record.items() if k != key},
            "backlog": backlog.get(raw, 0),
        }
        if by == "agent":
            agent = next((a for a in agents if a.name == name), None)
            record["load"] = loads.get(name, 0) if agent else None
            record["capacity"] = agent.effective_capacity if agent else None
        elif by is None:
            team = [a for a in agents if a.active and a.role != "expert"]
            record["load"] = sum(loads.get(a.name, 0) for a in team)
            record["capacity"] = sum(a.effective_capacity for a in team)
        records.append(record)
    return records


def _trend_days(now: datetime, since: datetime) -> list[str]:
    first = max(since.date(), (now - timedelta(days=MAX_TREND_DAYS - 1)).date())
    count = (now.date() - first).days + 1
    return [(first + timedelta(days=i)).isoformat() for i in range(max(count, 0))]


def topic_stats(store, settings: QueueSettings, *, now: datetime, since: datetime) -> list[dict]:
    """Return volume, sentiment mix, share of voice and a daily trend per topic."""
    days = _trend_days(now, since)
    kinds = {t.name: t.kind for t in settings.topics}
    posts: Counter = Counter()
    mix: dict[str, Counter] = defaultdict(Counter)
    daily: dict[str, Counter] = defaultdict(Counter)
    for row in store.metrics.topic_daily_sentiment(to_iso(since)):
        kinds.setdefault(row["topic"], row["kind"])
        posts[row["topic"]] += row["posts"]
        mix[row["topic"]][row["sentiment"]] += row["posts"]
        daily[row["topic"]][row["day"]] += row["posts"]
    voiced = [t for t in kinds if kinds[t] in ("brand", "competitor")]
    voice = sum(posts[t] for t in voiced)
    brands = [t for t in voiced if kinds[t] == "brand"]
    order = {"brand": 0, "competitor": 1, "support": 2}
    records = []
    for topic in sorted(kinds, key=lambda t: (order.get(kinds[t], 3), -posts[t], t)):
        count = posts[topic]
        record = {
            "topic": topic,
            "kind": kinds[topic],
            "posts": count,
            "negative": mix[topic]["negative"],
            "neutral": mix[topic]["neutral"],
            "positive": mix[topic]["positive"],
            "share_of_voice": round(count / voice, 3) if topic in voiced and voice else None,
            "vs_brand": None,
            "per_day": [daily[topic][day] for day in days],
        }
        if kinds[topic] == "competitor":
            record["vs_brand"] = {
                brand: round(posts[brand] / (posts[brand] + count), 3)
                for brand in brands
                if posts[brand] + count
            }
        records.append(record)
    return records


def _pct(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def to_table_rows(records: list[dict], by: str | None) -> list[dict]:
    """Make stats records readable: durations as 3h05m, rates as %, trends as sparklines."""
    from earmark.models import format_duration

    rows = []
    for record in records:
        row = dict(record)
        if by == "topic":
            total = record["posts"] or 1
            row["sentiment"] = " ".join(
                f"{label} {round(record[name] * 100 / total)}%"
                for label, name in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive"))
            )
            row["share_of_voice"] = _pct(record["share_of_voice"])
            row["vs_brand"] = ", ".join(
                f"{brand} {_pct(share)}" for brand, share in (record["vs_brand"] or {}).items()
            )
            row["trend"] = render_sparkline(record["per_day"])
        else:
            for name in ("assign_p50", "assign_p90", "response_p50", "response_p90"):
                value = record[name]
                row[name] = "" if value is None else format_duration(timedelta(seconds=value))
            row["resolution_rate"] = _pct(record["resolution_rate"])
            if "capacity" in record and record["capacity"] is not None:
                row["load"] = f"{record['load']}/{record['capacity']}"
        rows.append(row)
    return rows


def table_columns(by: str | None) -> list[str]:
    """Return the columns of the stats table view."""
    if by == "topic":
        return ["topic", "kind", "posts", "sentiment", "share_of_voice", "vs_brand", "trend"]
    columns = [
        by or "scope",
        "posts",
        "created",
        "backlog",
        "assign_p50",
        "assign_p90",
        "response_p50",
        "response_p90",
        "breaches",
        "resolution_rate",
    ]
    if by in (None, "agent"):
        columns.append("load")
    return columns
