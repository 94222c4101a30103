"""Every table the command line prints, declared once: columns, wrap policy and what to keep.

`keep` orders what a narrow terminal drops (lowest first); ALWAYS columns stay at any width.
docs/tables.md lists the same order for each table (render_drop_orders; a test checks it).
"""

from __future__ import annotations

from earmark.cli.tables import ALWAYS, CLIP, FIXED, TEXT, WORDS, Column, TableSpec


def _id(justify: str = "right") -> Column:
    return Column("id", wrap=FIXED, justify=justify)


def _priority() -> Column:
    return Column("priority", "prio", wrap=FIXED, justify="right")


def _post_text(lines: int = 2, narrowest: int = 30) -> Column:
    return Column("text", wrap=TEXT, min_width=narrowest, max_lines=lines)


QUEUE = TableSpec(
    "queue",
    (
        _id(),
        Column("queue", wrap=CLIP, keep=75, max_width=16),
        Column("status", wrap=FIXED, keep=30),
        Column("agent", wrap=CLIP, keep=40, max_width=12),
        _priority(),
        Column("sla", wrap=FIXED, keep=80),
        Column("sla_left", "left", wrap=FIXED, keep=90, justify="right"),
        Column("age", wrap=FIXED, keep=70, justify="right"),
        Column("platform", wrap=CLIP, keep=10, max_width=12),
        Column("author", wrap=CLIP, keep=20, max_width=16),
        _post_text(narrowest=36),  # the agent's main view: the text before the extras
    ),
)

# Each agent's table in `earmark demo` (the queue is in the title).
AGENT_QUEUE = TableSpec(
    "agent queue (demo)",
    (
        _id(),
        Column("queue", wrap=CLIP, keep=50, max_width=16),
        Column("status", wrap=FIXED, keep=30),
        _priority(),
        Column("sla", wrap=FIXED, keep=80),
        Column("sla_left", "left", wrap=FIXED, keep=90, justify="right"),
        Column("platform", wrap=CLIP, keep=10, max_width=12),
        _post_text(),
    ),
)

# `earmark next`: one item, every field; the post text is shown whole.
NEXT_ITEM = TableSpec(
    "next",
    (
        Column("field", wrap=FIXED),
        Column("value", wrap=WORDS, min_width=20, max_width=40),
    ),
)

# `earmark export -f table`.
EXPORT = TableSpec(
    "export",
    (
        _id(),
        Column("queue", wrap=CLIP, keep=70, max_width=16),
        _priority(),
        Column("sentiment", wrap=FIXED, keep=40),
        Column("primary_intent", "intent", wrap=CLIP, keep=50, max_width=16),
        Column("platform", wrap=CLIP, keep=10, max_width=12),
        Column("author", wrap=CLIP, keep=20, max_width=16),
        Column("age", wrap=FIXED, keep=80, justify="right"),
        Column("sla_left", "sla left", wrap=FIXED, keep=90, justify="right"),
        Column("private", wrap=FIXED, keep=85),
        _post_text(),
    ),
)

POSTS = TableSpec(
    "posts",
    (
        _id("left"),  # platform:native_id
        Column("age", wrap=FIXED, keep=80, justify="right"),
        Column("platform", wrap=CLIP, keep=30, max_width=12),
        Column("author", wrap=CLIP, keep=40, max_width=16),
        Column("sentiment", wrap=FIXED, keep=60),
        Column("intent", wrap=CLIP, keep=70, max_width=16),
        _priority(),
        Column("topics", wrap=CLIP, keep=50, max_width=20),
        _post_text(),
        Column("url", wrap=FIXED, keep=10),  # whole or not at all: a cut link is no link
    ),
)

SEARCH = TableSpec(
    "search",
    (
        _priority(),
        Column("sentiment", wrap=FIXED, keep=60),
        Column("intent", wrap=CLIP, keep=70, max_width=16),
        Column("platform", wrap=CLIP, keep=40, max_width=14),
        Column("author", wrap=CLIP, keep=30, max_width=16),
        Column("age", wrap=FIXED, keep=80, justify="right"),
        _post_text(),
        Column("url", wrap=FIXED, keep=10),
    ),
)

SOURCES = TableSpec(
    "sources",
    (
        Column("source", wrap=FIXED),
        Column("configured", "on", wrap=FIXED, keep=80),
        # NAME=set / NAME=unset: wraps between variables, never inside a name.
        Column("credentials", wrap=WORDS, max_width=48),
        Column("last_run", "last run", wrap=FIXED, keep=50),
        Column("last_new", "last new", wrap=FIXED, keep=30),
        Column("last_error", "last error", wrap=WORDS, keep=70, min_width=16),
        Column("cursors", wrap=WORDS, keep=20, min_width=12),
        Column("note", wrap=WORDS, keep=40, min_width=16),
    ),
)

AGENTS = TableSpec(
    "agents",
    (
        Column("name", wrap=CLIP, max_width=20),
        Column("role", wrap=FIXED, keep=60),
        Column("active", wrap=FIXED, keep=50),
        Column("model", wrap=FIXED, keep=40),
        Column("queues", wrap=WORDS, keep=70, min_width=10),
        Column("languages", "langs", wrap=WORDS, keep=30, min_width=6),
        Column("load", wrap=FIXED, justify="right"),
        Column("removed_at", "removed", wrap=FIXED, keep=20),
    ),
)

ALERTS = TableSpec(
    "alerts",
    (
        Column("status", wrap=FIXED),
        Column("subject", wrap=WORDS, min_width=16),
        Column("observed", "seen", wrap=FIXED, keep=80, justify="right"),
        Column("baseline", wrap=WORDS, keep=60, min_width=12),
        Column("z", wrap=FIXED, keep=70, justify="right"),
        Column("terms", wrap=WORDS, keep=40, min_width=12),
    ),
)

RUNS = TableSpec(
    "runs",
    (
        _id(),
        Column("started_at", "started", wrap=FIXED),
        Column("took", wrap=FIXED, keep=60, justify="right"),
        Column("status", wrap=FIXED),
        Column("counts", wrap=WORDS, keep=50, min_width=16),
        Column("errors", wrap=WORDS, keep=70, min_width=16),
    ),
)

DEMO_SUMMARY = TableSpec(
    "summary (demo)",
    (
        Column("by", wrap=FIXED),
        Column("value", wrap=WORDS, min_width=12),
        Column("count", wrap=FIXED, justify="right"),
    ),
)


def _duration(key: str, header: str, keep: int) -> Column:
    return Column(key, header, wrap=FIXED, keep=keep, justify="right")


def stats_spec(by: str | None) -> TableSpec:
    """The `earmark stats` table for a --by (None: the whole team)."""
    if by == "topic":
        return TableSpec(
            "stats --by topic",
            (
                Column("topic", wrap=CLIP, max_width=20),
                Column("kind", wrap=FIXED, keep=50),
                Column("posts", wrap=FIXED, keep=80, justify="right"),
                Column("sentiment", wrap=WORDS, keep=70, min_width=8),
                Column("share_of_voice", "share", wrap=FIXED, keep=90, justify="right"),
                Column("vs_brand", "vs brand", wrap=WORDS, keep=40, min_width=12),
                Column("trend", wrap=FIXED, keep=60),
            ),
        )
    columns = [
        Column(by or "scope", wrap=CLIP, max_width=20),
        Column("posts", wrap=FIXED, keep=70, justify="right"),
        Column("created", wrap=FIXED, keep=60, justify="right"),
        Column("backlog", wrap=FIXED, keep=90, justify="right"),
        _duration("assign_p50", "assign p50", 30),
        _duration("assign_p90", "assign p90", 20),
        _duration("response_p50", "reply p50", 80),
        _duration("response_p90", "reply p90", 50),
        Column("breaches", wrap=FIXED, keep=85, justify="right"),
        Column("resolution_rate", "resolved", wrap=FIXED, keep=45, justify="right"),
    ]
    if by in (None, "agent"):
        columns.append(Column("load", wrap=FIXED, keep=40, justify="right"))
    name = "stats" + (f" --by {by}" if by else "")
    return TableSpec(name, tuple(columns))


def every_table() -> list[TableSpec]:
    """Every declared table (docs/tables.md describes each)."""
    return [
        QUEUE,
        NEXT_ITEM,
        POSTS,
        SEARCH,
        SOURCES,
        stats_spec(None),
        stats_spec("queue"),
        stats_spec("agent"),
        stats_spec("platform"),
        stats_spec("topic"),
        AGENTS,
        ALERTS,
        RUNS,
        EXPORT,
        AGENT_QUEUE,
        DEMO_SUMMARY,
    ]


def render_drop_orders() -> str:
    """Return the Markdown table of docs/tables.md: what each table drops, first to last."""
    lines = [
        "| table | narrowest text | dropped first to last when the width is short | always shown |",
        "|---|---|---|---|",
    ]
    for spec in every_table():
        title = {c.key: c.title for c in spec.columns}
        drops = ", ".join(f"`{title[key]}`" for key in spec.drop_order()) or "nothing"
        always = ", ".join(f"`{c.title}`" for c in spec.columns if c.keep >= ALWAYS)
        text = next((f"{c.min_width}" for c in spec.columns if c.wrap == TEXT), "")
        lines.append(f"| {spec.name} | {text} | {drops} | {always} |")
    return "\n".join(lines) + "\n"
