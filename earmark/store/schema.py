"""Schema migrations, applied in order when a database is opened."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from earmark.store.opportunity_counts import (
    OPPORTUNITY_COUNTS_BACKFILL,
    OPPORTUNITY_COUNTS_DDL,
    WAITING_INDEX_DDL,
)
from earmark.store.post_counts import POST_COUNTS_BACKFILL, POST_COUNTS_DDL
from earmark.store.route_pending import ROUTE_PENDING_BACKFILL, ROUTE_PENDING_DDL
from earmark.store.tables import HANDLED, URGENCY_INDEXES
from earmark.store.urgent import SLA_SPAN_SQL

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS_TABLE = "_earmark_migrations"


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.table("posts").create(
        {
            "id": str,
            "platform": str,
            "native_id": str,
            "source": str,
            "url": str,
            "author": str,
            "author_name": str,
            "author_reach": int,
            "text": str,
            "lang": str,
            "created_at": str,
            "parent_id": str,
            "thread_id": str,
            "first_seen": str,
            "raw": str,
        },
        pk="id",
        not_null={"platform", "native_id", "text", "created_at", "first_seen"},
    )
    db.table("posts").create_index(["created_at"])
    db.table("posts").create_index(["thread_id"])
    db.table("posts").enable_fts(["text", "author"], fts_version="FTS5", create_triggers=True)

    db.table("topic_matches").create(
        {"post_id": str, "topic": str, "kind": str, "terms": str},
        pk=("post_id", "topic"),
        foreign_keys=[("post_id", "posts", "id")],
    )
    db.table("topic_matches").create_index(["topic"])

    db.table("classifications").create(
        {
            "post_id": str,
            "sentiment": str,
            "compound": float,
            "pos": float,
            "neu": float,
            "neg": float,
            "language": str,
            "intents": str,
            "primary_intent": str,
            "pii": str,
            "reply_privately": int,
            "priority": int,
            "priority_reason": str,
            "opportunity": str,
            "opportunity_reason": str,
            "version": str,
            "classified_at": str,
        },
        pk="post_id",
        foreign_keys=[("post_id", "posts", "id")],
    )
    db.table("classifications").create_index(["primary_intent"])
    db.table("classifications").create_index(["sentiment"])
    db.table("classifications").create_index(["opportunity", "priority"])

    db.table("agents").create(
        {
            "name": str,
            "role": str,
            "queues": str,
            "skills": str,
            "languages": str,
            "capacity": int,
            "model": str,
            "share": float,
            "active": int,
            "removed_at": str,
            "synced_at": str,
        },
        pk="name",
    )

    db.table("opportunities").create(
        {
            "id": int,
            "post_id": str,
            "kind": str,
            "queue": str,
            "status": str,
            "agent": str,
            "priority": int,
            "base_priority": int,
            "language": str,
            "thread_key": str,
            "created_at": str,
            "sla_due": str,
            "assigned_at": str,
            "first_response_at": str,
            "closed_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"post_id", "queue", "status", "created_at"},
        foreign_keys=[("post_id", "posts", "id")],
    )
    db.table("opportunities").create_index(["post_id"], unique=True)
    db.table("opportunities").create_index(["status", "queue", "priority"])
    db.table("opportunities").create_index(["agent", "status"])
    db.table("opportunities").create_index(["thread_key", "status"])

    # Every post that belongs to an opportunity (its own post plus thread follow-ups).
    db.table("opportunity_posts").create(
        {"post_id": str, "opportunity_id": int},
        pk="post_id",
        foreign_keys=[("opportunity_id", "opportunities", "id")],
    )
    db.table("opportunity_posts").create_index(["opportunity_id"])

    db.table("events").create(
        {"id": int, "opportunity_id": int, "type": str, "actor": str, "at": str, "detail": str},
        pk="id",
        not_null={"type", "at"},
    )
    db.table("events").create_index(["opportunity_id"])
    db.table("events").create_index(["type", "at"])

    db.table("cursors").create(
        {"source": str, "topic": str, "value": str, "updated_at": str},
        pk=("source", "topic"),
    )
    db.table("runs").create(
        {
            "id": int,
            "command": str,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "counts": str,
            "errors": str,
        },
        pk="id",
    )
    db.table("runs").create_index(["started_at"])
    db.table("exports").create(
        {"destination": str, "opportunity_id": int, "exported_at": str},
        pk=("destination", "opportunity_id"),
    )
    db.table("feedback").create(
        {"id": int, "post_id": str, "sentiment": str, "intents": str, "actor": str, "at": str},
        pk="id",
    )
    db.table("feedback").create_index(["post_id"])
    db.table("source_health").create(
        {
            "source": str,
            "last_attempt_at": str,
            "last_ok_at": str,
            "last_new_at": str,
            "last_error": str,
            "unhealthy_since": str,
            "reported": int,
        },
        pk="source",
    )
    db.table("alert_state").create(
        {"key": str, "state": str, "since": str, "last_fired_at": str, "detail": str},
        pk="key",
    )


def _m002_alert_count_index(db: sqlite_utils.Database) -> None:
    # Alert windows count posts per topic by time: a covering index keeps that off the table.
    db.table("posts").create_index(["created_at", "id"], if_not_exists=True)


def _m003_queue_order_indexes(db: sqlite_utils.Database) -> None:
    # `queue` / `next` read the top of each status (and queue) in priority order: with these
    # indexes they read only the rows shown instead of sorting the whole open backlog.
    db.execute("DROP INDEX IF EXISTS idx_opportunities_status_queue_priority")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_opportunities_status_rank "
        "ON opportunities (status, priority DESC, created_at, id)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_opportunities_status_queue_rank "
        "ON opportunities (status, queue, priority DESC, created_at, id)"
    )


def _m004_first_assigned_at(db: sqlite_utils.Database) -> None:
    # When an item first went to someone (assigned_at is overwritten by reassignments and
    # cleared by returns): with it `stats` reads one row per item instead of its events.
    db.execute("ALTER TABLE opportunities ADD COLUMN first_assigned_at TEXT")
    db.execute(
        "UPDATE opportunities SET first_assigned_at = (SELECT e.at FROM events e "
        "WHERE e.opportunity_id = opportunities.id AND e.type IN "
        "('assigned', 'claimed', 'reassigned', 'escalated', 'responded') ORDER BY e.id LIMIT 1)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_opportunities_created_at ON opportunities (created_at)"
    )


def _m005_opportunity_platform(db: sqlite_utils.Database) -> None:
    # The platform of the opportunity's post, so `stats --by platform` groups without a join.
    db.execute("ALTER TABLE opportunities ADD COLUMN platform TEXT")
    db.execute(
        "UPDATE opportunities SET platform = "
        "(SELECT p.platform FROM posts p WHERE p.id = opportunities.post_id)"
    )


def _m006_sla_check(db: sqlite_utils.Database) -> None:
    # When refresh_sla must next look at an unanswered open item (its at-risk point at the
    # fraction in sla_check_fraction, or its due time once flagged at risk; '~' when nothing is
    # left to flag). NULL until refresh_sla first sees the row. The partial index holds only
    # unanswered open items, so a no-op run reads just the rows whose time has come.
    db.execute("ALTER TABLE opportunities ADD COLUMN sla_check_at TEXT")
    db.execute("ALTER TABLE opportunities ADD COLUMN sla_check_fraction REAL")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_opportunities_sla_check "
        "ON opportunities (sla_check_fraction, sla_check_at) WHERE first_response_at IS NULL "
        "AND status IN ('open', 'assigned', 'claimed', 'responded', 'escalated')"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_opportunities_status_assigned_at "
        "ON opportunities (status, assigned_at)"
    )


def _m007_drop_label_indexes(db: sqlite_utils.Database) -> None:
    # Sentiment (4 values) and primary intent (9) are too coarse to narrow a query: SQLite chose
    # them for "search --sentiment negative" (242 ms against 0.3 ms through posts.created_at at
    # 100k posts) and for the alert baselines (2-3x slower), and every classified post paid
    # for both on insert. Only the demo's label counts read them (28 ms -> 80 ms at 100k).
    db.execute("DROP INDEX IF EXISTS idx_classifications_sentiment")
    db.execute("DROP INDEX IF EXISTS idx_classifications_primary_intent")


def _m008_post_counts(db: sqlite_utils.Database) -> None:
    # Posts per topic per hour (all, by primary intent, by sentiment), kept by the writes of
    # posts and labels, so alerts read a few hundred rows instead of recounting 14 days.
    db.execute(POST_COUNTS_DDL)
    db.execute("DELETE FROM post_counts")
    db.execute(POST_COUNTS_BACKFILL)


def _m009_urgency_indexes(db: sqlite_utils.Database) -> None:
    # `queue` and `next` read a page of the urgency order through indexes: the post's time
    # (the order within a tier), and the span from creation to SLA due (the at-risk range).
    db.execute("ALTER TABLE opportunities ADD COLUMN posted_at TEXT")
    db.execute("ALTER TABLE opportunities ADD COLUMN sla_span INTEGER")
    db.execute(
        "UPDATE opportunities SET posted_at = "
        "(SELECT p.created_at FROM posts p WHERE p.id = opportunities.post_id)"
    )
    db.execute(f"UPDATE opportunities SET sla_span = {SLA_SPAN_SQL}")
    for name, columns, where in URGENCY_INDEXES:
        db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON opportunities ({columns}){where}")


def _m010_route_pending(db: sqlite_utils.Database) -> None:
    # Classified opportunity posts not yet in an opportunity, kept by the writes, so a run
    # with nothing new finds none without an anti-join of every classification.
    db.execute(ROUTE_PENDING_DDL)
    db.execute("DELETE FROM route_pending")
    db.execute(ROUTE_PENDING_BACKFILL)


def _m011_handled_index(db: sqlite_utils.Database) -> None:
    # `stats` reads the durations of items assigned or answered in its window: this index
    # holds only those, so a window full of untouched backlog costs nothing there.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_opportunities_handled_created_at "
        f"ON opportunities (created_at) WHERE {HANDLED}"
    )


def _m012_opportunity_counts(db: sqlite_utils.Database) -> None:
    # Items per creation hour, queue, agent and platform, kept by the writes of items, so
    # `stats` sums a few rows per hour instead of reading every item of its window.
    db.execute(OPPORTUNITY_COUNTS_DDL)
    db.execute("DELETE FROM opportunity_counts")
    db.execute(OPPORTUNITY_COUNTS_BACKFILL)
    db.execute(WAITING_INDEX_DDL)


MIGRATIONS: list[Migration] = [
    _m001_initial,
    _m002_alert_count_index,
    _m003_queue_order_indexes,
    _m004_first_assigned_at,
    _m005_opportunity_platform,
    _m006_sla_check,
    _m007_drop_label_indexes,
    _m008_post_counts,
    _m009_urgency_indexes,
    _m010_route_pending,
    _m011_handled_index,
    _m012_opportunity_counts,
]
SCHEMA_VERSION = len(MIGRATIONS)
