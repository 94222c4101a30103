"""The schema at SCHEMA_VERSION, declared once: tables, columns, keys and indexes.

SQLite reaches it through the migrations in schema.py (its history); PostgreSQL's DDL is
generated from this declaration (pgschema.py). A test holds the two together: a new SQLite
migration that this declaration does not follow fails it, and so does a PostgreSQL schema that
differs from it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column types: "text", "integer", "real" (SQLite's own words; PostgreSQL maps them).
TEXT, INTEGER, REAL = "text", "integer", "real"
OPEN_STATUS_LIST = "'open', 'assigned', 'claimed', 'responded', 'escalated'"
# Partial-index conditions the store's reads repeat verbatim (so SQLite uses the index):
# items assigned or answered (stats' durations), unanswered with a due time (the urgency
# tiers), and those not dismissed (stats' breaches at its `now`).
HANDLED = "(first_assigned_at IS NOT NULL OR first_response_at IS NOT NULL)"
UNANSWERED = "first_response_at IS NULL AND sla_due IS NOT NULL"
WAITING = f"{UNANSWERED} AND status != 'dismissed'"
# (name, columns, partial-index WHERE) of the indexes the urgency reads (urgent.py) walk.
URGENCY_INDEXES = (
    ("idx_opportunities_status_queue_urgency", "status, queue, priority DESC, posted_at, id", ""),
    ("idx_opportunities_unanswered_due", "status, queue, sla_due", f" WHERE {UNANSWERED}"),
    (
        "idx_opportunities_unanswered_span",
        "status, queue, sla_span, sla_due",
        f" WHERE {UNANSWERED}",
    ),
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    # (column, referenced table, referenced column)
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def identity(self) -> bool:
        """True when the key is one integer `id` the database numbers (SQLite's rowid alias)."""
        return self.primary_key == ("id",) and self.column("id").type == INTEGER

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]  # a column, or "column DESC"
    unique: bool = False
    where: str | None = None


def _cols(spec: str, not_null: str = "") -> tuple[Column, ...]:
    """Columns from "name:type ..." (type t, i or r); names in not_null are NOT NULL."""
    kinds = {"t": TEXT, "i": INTEGER, "r": REAL}
    required = set(not_null.split())
    out = []
    for item in spec.split():
        name, kind = item.split(":")
        out.append(Column(name, kinds[kind], name in required))
    return tuple(out)


MIGRATIONS_TABLE = "_earmark_migrations"

TABLES: tuple[Table, ...] = (
    Table(MIGRATIONS_TABLE, _cols("version:i applied_at:t"), ("version",)),
    Table(
        "posts",
        _cols(
            "id:t platform:t native_id:t source:t url:t author:t author_name:t author_reach:i "
            "text:t lang:t created_at:t parent_id:t thread_id:t first_seen:t raw:t",
            "platform native_id text created_at first_seen",
        ),
        ("id",),
    ),
    Table(
        "topic_matches",
        _cols("post_id:t topic:t kind:t terms:t"),
        ("post_id", "topic"),
        (("post_id", "posts", "id"),),
    ),
    Table(
        "classifications",
        _cols(
            "post_id:t sentiment:t compound:r pos:r neu:r neg:r language:t intents:t "
            "primary_intent:t pii:t reply_privately:i priority:i priority_reason:t opportunity:t "
            "opportunity_reason:t version:t classified_at:t"
        ),
        ("post_id",),
        (("post_id", "posts", "id"),),
    ),
    Table(
        "agents",
        _cols(
            "name:t role:t queues:t skills:t languages:t capacity:i model:t share:r active:i "
            "removed_at:t synced_at:t"
        ),
        ("name",),
    ),
    Table(
        "opportunities",
        _cols(
            "id:i post_id:t kind:t queue:t status:t agent:t priority:i base_priority:i "
            "language:t thread_key:t created_at:t sla_due:t assigned_at:t first_response_at:t "
            "closed_at:t updated_at:t first_assigned_at:t platform:t sla_check_at:t "
            "sla_check_fraction:r posted_at:t sla_span:i",
            "post_id queue status created_at",
        ),
        ("id",),
        (("post_id", "posts", "id"),),
    ),
    Table(
        "opportunity_posts",
        _cols("post_id:t opportunity_id:i"),
        ("post_id",),
        (("opportunity_id", "opportunities", "id"),),
    ),
    Table(
        "events",
        _cols("id:i opportunity_id:i type:t actor:t at:t detail:t", "type at"),
        ("id",),
    ),
    Table("cursors", _cols("source:t topic:t value:t updated_at:t"), ("source", "topic")),
    Table(
        "runs",
        _cols("id:i command:t started_at:t ended_at:t status:t counts:t errors:t"),
        ("id",),
    ),
    Table(
        "exports",
        _cols("destination:t opportunity_id:i exported_at:t"),
        ("destination", "opportunity_id"),
    ),
    Table("feedback", _cols("id:i post_id:t sentiment:t intents:t actor:t at:t"), ("id",)),
    Table(
        "source_health",
        _cols(
            "source:t last_attempt_at:t last_ok_at:t last_new_at:t last_error:t "
            "unhealthy_since:t reported:i"
        ),
        ("source",),
    ),
    Table("alert_state", _cols("key:t state:t since:t last_fired_at:t detail:t"), ("key",)),
    Table(
        "post_counts",
        _cols("breakdown:t value:t hour:t topic:t kind:t n:i", "breakdown value hour topic kind n"),
        ("breakdown", "value", "hour", "topic", "kind"),
    ),
    Table("route_pending", _cols("post_id:t"), ("post_id",)),
    Table(
        "opportunity_counts",
        _cols(
            "hour:t queue:t agent:t platform:t created:i resolved:i late:i open:i pool:i",
            "hour queue agent platform created resolved late open pool",
        ),
        ("hour", "queue", "agent", "platform"),
    ),
)

INDEXES: tuple[Index, ...] = (
    Index("idx_posts_created_at", "posts", ("created_at",)),
    Index("idx_posts_thread_id", "posts", ("thread_id",)),
    Index("idx_posts_created_at_id", "posts", ("created_at", "id")),
    Index("idx_topic_matches_topic", "topic_matches", ("topic",)),
    Index(
        "idx_classifications_opportunity_priority", "classifications", ("opportunity", "priority")
    ),
    Index("idx_opportunities_post_id", "opportunities", ("post_id",), unique=True),
    Index("idx_opportunities_agent_status", "opportunities", ("agent", "status")),
    Index("idx_opportunities_thread_key_status", "opportunities", ("thread_key", "status")),
    Index(
        "idx_opportunities_status_rank",
        "opportunities",
        ("status", "priority DESC", "created_at", "id"),
    ),
    Index(
        "idx_opportunities_status_queue_rank",
        "opportunities",
        ("status", "queue", "priority DESC", "created_at", "id"),
    ),
    Index("idx_opportunities_created_at", "opportunities", ("created_at",)),
    Index(
        "idx_opportunities_sla_check",
        "opportunities",
        ("sla_check_fraction", "sla_check_at"),
        where=f"first_response_at IS NULL AND status IN ({OPEN_STATUS_LIST})",
    ),
    Index("idx_opportunities_status_assigned_at", "opportunities", ("status", "assigned_at")),
    Index("idx_opportunity_posts_opportunity_id", "opportunity_posts", ("opportunity_id",)),
    Index("idx_events_opportunity_id", "events", ("opportunity_id",)),
    Index("idx_events_type_at", "events", ("type", "at")),
    Index("idx_runs_started_at", "runs", ("started_at",)),
    Index("idx_feedback_post_id", "feedback", ("post_id",)),
    *(
        Index(name, "opportunities", tuple(c.strip() for c in columns.split(",")), where=where)
        for name, columns, where in (
            (name, columns, where.removeprefix(" WHERE ") or None)
            for name, columns, where in URGENCY_INDEXES
        )
    ),
    Index("idx_opportunities_handled_created_at", "opportunities", ("created_at",), where=HANDLED),
    Index(
        "idx_opportunities_waiting_due", "opportunities", ("sla_due", "created_at"), where=WAITING
    ),
)

# The full-text index of posts: these columns (SQLite: the FTS5 table posts_fts).
FULL_TEXT_COLUMNS = ("text", "author")
# The tables a copy moves, parents before children (the migrations table is not copied).
DATA_TABLES = tuple(t.name for t in TABLES if t.name != MIGRATIONS_TABLE)
# Integer key columns that PostgreSQL numbers with an identity (SQLite: the rowid alias).
IDENTITY_TABLES = tuple(t.name for t in TABLES if t.identity)


def table(name: str) -> Table:
    """Return the declared table name."""
    return next(t for t in TABLES if t.name == name)
