"""opportunity_counts, kept by the writes of opportunities, against what it counts.

Arbitrary sequences of new items and updates (status, agent, queue, first response, SLA due,
creation time) at and around hour edges: after every step the table equals a plain GROUP BY of
the items, and what `stats` reads from it (items created since a time, breached and resolved;
the open backlog) equals the same numbers computed by the plain queries over every item, for
every grouping and for `since` on, just before and just after an hour edge.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from earmark.models import OPEN_STATUSES, Post, to_iso
from earmark.store import Store

BASE = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
OFFSETS = [h * 3600 + d for h in range(4) for d in (0, 1, 1799)] + [3599, 7199]
STATUSES = (*OPEN_STATUSES, "resolved", "dismissed")
times = st.sampled_from(OFFSETS).map(lambda s: to_iso(BASE + timedelta(seconds=s)))
maybe_times = st.one_of(st.none(), times)

new_item = st.fixed_dictionaries(
    {
        "queue": st.sampled_from(("support", "sales")),
        "status": st.sampled_from(STATUSES),
        "agent": st.sampled_from((None, "alice")),
        "created_at": times,
        "sla_due": maybe_times,
        "first_response_at": maybe_times,
    }
)
change = st.fixed_dictionaries(
    {},
    optional={
        "queue": st.sampled_from(("support", "sales", "urgent")),
        "status": st.sampled_from(STATUSES),
        "agent": st.sampled_from((None, "alice", "bob")),
        "created_at": times,
        "sla_due": maybe_times,
        "first_response_at": maybe_times,
        "priority": st.integers(0, 100),
    },
).filter(bool)  # an update sets at least one column
steps = st.lists(
    st.one_of(
        st.tuples(st.just("new"), new_item), st.tuples(st.just("update"), st.integers(0), change)
    ),
    min_size=1,
    max_size=10,
)


def recount(conn: sqlite3.Connection) -> dict:
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    rows = conn.execute(
        "SELECT substr(created_at, 1, 13), queue, coalesce(agent, ''), coalesce(platform, ''), "
        "count(*), sum(status = 'resolved'), "
        "sum(coalesce(first_response_at > sla_due, 0)), "
        f"sum(status IN ({open_list})), sum(status = 'open' AND agent IS NULL) "
        "FROM opportunities GROUP BY 1, 2, 3, 4"
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


def maintained(conn: sqlite3.Connection) -> dict:
    rows = conn.execute(
        "SELECT hour, queue, agent, platform, created, resolved, late, open, pool "
        "FROM opportunity_counts WHERE created != 0 OR resolved != 0 OR late != 0 "
        "OR open != 0 OR pool != 0"
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


def plain_created_since(conn, since: str, now: str, column) -> dict:
    """The query stats ran before opportunity_counts, over every item."""
    group = "NULL" if column is None else f"o.{column}"
    return {
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute(
            f"SELECT {group}, count(*), "
            "coalesce(sum(CASE WHEN o.sla_due IS NULL THEN 0 "
            "WHEN o.first_response_at IS NOT NULL THEN o.first_response_at > o.sla_due "
            "ELSE o.status != 'dismissed' AND ? > o.sla_due END), 0), "
            "coalesce(sum(o.status = 'resolved'), 0) "
            f"FROM opportunities o WHERE o.created_at >= ? GROUP BY {group}",
            (now, since),
        )
    }


def plain_open_by(conn, column: str) -> dict:
    marks = ",".join("?" for _ in OPEN_STATUSES)
    return dict(
        conn.execute(
            f"SELECT {column}, count(*) FROM opportunities WHERE status IN ({marks}) "
            f"GROUP BY {column}",
            OPEN_STATUSES,
        ).fetchall()
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, since=times, now=times)
@example(  # answered exactly at the due time (met), then late; waiting past due since an edge
    steps=[
        ("new", {"queue": "support", "status": "open", "agent": None,
                 "created_at": "2026-11-20T00:59:59Z", "sla_due": "2026-11-20T01:00:00Z",
                 "first_response_at": "2026-11-20T01:00:00Z"}),
        ("new", {"queue": "sales", "status": "assigned", "agent": "alice",
                 "created_at": "2026-11-20T01:00:00Z", "sla_due": "2026-11-20T01:00:01Z",
                 "first_response_at": None}),
        ("update", 0, {"first_response_at": "2026-11-20T01:00:01Z", "status": "resolved"}),
    ],
    since="2026-11-20T00:59:59Z",
    now="2026-11-20T02:00:00Z",
)  # fmt: skip
def test_counts_follow_every_write(tmp_path_factory, steps, since, now):
    with Store(tmp_path_factory.mktemp("opp") / "o.db") as store:
        ids: list[int] = []
        for step in steps:
            if step[0] == "new":
                n = len(ids)
                post = Post(platform=("x", "reddit")[n % 2], native_id=str(n), text="acme",
                            created_at=BASE)  # fmt: skip
                store.posts.save_posts([post])
                row = {"post_id": post.id, "kind": "support", "priority": 50, **step[1]}
                ids.append(store.queues.insert_opportunity(row))
            elif ids:
                store.queues.update_opportunity(ids[step[1] % len(ids)], **step[2])
            assert maintained(store.conn) == recount(store.conn)
        for column in (None, "queue", "agent", "platform"):
            got = store.metrics.opportunity_counts_created_since(since, now, column)
            assert got == plain_created_since(store.conn, since, now, column)
        for column in ("queue", "agent", "platform"):
            assert store.metrics.count_open_by(column) == plain_open_by(store.conn, column)
        pool = "SELECT count(*) FROM opportunities WHERE status = 'open' AND agent IS NULL"
        assert store.queues.pool_count() == store.conn.execute(pool).fetchone()[0]


def test_the_migration_fills_the_counts_from_existing_items(tmp_path):
    db = tmp_path / "o.db"
    with Store(db) as store:
        for n in range(6):
            post = Post(platform="x", native_id=str(n), text="acme", created_at=BASE)
            store.posts.save_posts([post])
            store.queues.insert_opportunity(
                {"post_id": post.id, "queue": "support", "status": STATUSES[n],
                 "created_at": to_iso(BASE + timedelta(minutes=50 * n))}
            )  # fmt: skip
        expected = recount(store.conn)
        store.conn.execute("DROP TABLE opportunity_counts")
        store.conn.execute("DROP INDEX idx_opportunities_waiting_due")
        store.conn.execute("DELETE FROM _earmark_migrations WHERE version = 12")
    with Store(db) as store:
        assert maintained(store.conn) == expected
        assert sum(v[0] for v in expected.values()) == 6 and len(expected) == 5
