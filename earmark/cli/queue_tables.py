"""Render the queues' views as tables: an agent's next item, every agent's queue, team stats."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import IO

from earmark.cli.output import write_records, write_table
from earmark.cli.table_specs import AGENT_QUEUE, NEXT_ITEM, stats_spec
from earmark.settings.queues import QueueSettings
from export.queues.metrics import to_table_rows
from export.queues.views import agent_queue_tables, agent_queues, item_fields


def render_item(record: dict, *, mine: bool, out: IO | None = None) -> None:
    """Show one item as a two-column table: everything an agent needs to answer it."""
    write_table(item_fields(record, mine=mine), NEXT_ITEM, out=out or sys.stdout)


def render_agent_queues(
    store, settings: QueueSettings, queues: dict[str, list[dict]], out: IO | None = None
) -> None:
    """Print one table per agent (title: name and load/capacity), then the pool."""
    for title, rows in agent_queue_tables(store, settings, queues):
        write_records(rows, "table", AGENT_QUEUE, title=title, out=out or sys.stdout)


def write_agent_queues(
    store, settings: QueueSettings, now: datetime, out: IO | None = None, *, limit: int = 10
) -> None:
    """Print each agent's queue (up to limit items) and the pool, as the demo shows them."""
    render_agent_queues(store, settings, agent_queues(store, settings, now, limit=limit), out=out)


def render_stats(
    records: list[dict], by: str | None = None, *, title: str | None = None, out=None
) -> None:
    """Write stats records as the readable table `earmark stats` shows on a terminal."""
    write_records(
        to_table_rows(records, by), "table", stats_spec(by), title=title, out=out or sys.stdout
    )
