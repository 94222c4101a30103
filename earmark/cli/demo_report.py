"""What `earmark demo` prints: each agent's queue, a summary of counts, and the team stats."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO

from earmark.cli.output import write_records
from earmark.cli.table_specs import DEMO_SUMMARY


def write_demo_report(store, settings, *, now: datetime, out: IO) -> None:
    """Print the agent queues, counts by topic/sentiment/intent/queue, and stats by queue."""
    from earmark.cli.queue_tables import render_stats, write_agent_queues
    from export.queues.metrics import compute_stats

    write_agent_queues(store, settings, now, out=out, limit=8)
    counts = store.posts.label_counts()
    rows = []
    for dimension in ("topic", "sentiment", "intent", "queue"):
        rows.extend(
            {"by": dimension, "value": value, "count": count}
            for value, count in counts[dimension].items()
        )
    write_records(rows, "table", DEMO_SUMMARY, title="summary", out=out)
    since = now - timedelta(days=7)
    for by in ("queue", "topic"):
        records = compute_stats(store, settings, now=now, since=since, by=by)
        render_stats(records, by, title=f"stats by {by} (last 7 days)", out=out)
