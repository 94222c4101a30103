"""Columns stats reads: first_assigned_at (migration 4) and platform (migration 5)."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils
from queue_fixtures import NOW, add_post

from earmark.models import to_iso
from earmark.store import Store
from earmark.store.schema import MIGRATIONS, MIGRATIONS_TABLE


def first_assigned(store, opportunity_id):
    return store.conn.execute(
        "SELECT first_assigned_at FROM opportunities WHERE id = ?", (opportunity_id,)
    ).fetchone()[0]


def test_the_first_assignment_survives_reassignment_and_return(db):
    store = Store(db)
    post_id = add_post(store, "1")
    ident = store.queues.insert_opportunity(
        {
            "post_id": post_id,
            "queue": "support",
            "status": "open",
            "created_at": "2024-05-01T12:00:00Z",
        }
    )
    assert first_assigned(store, ident) is None
    store.queues.update_opportunity(ident, priority=60)
    assert first_assigned(store, ident) is None
    store.queues.update_opportunity(
        ident, status="assigned", agent="ann", assigned_at="2024-05-01T12:05:00Z"
    )
    store.queues.update_opportunity(ident, status="open", agent=None, assigned_at=None)
    store.queues.update_opportunity(
        ident, status="claimed", agent="bob", assigned_at="2024-05-01T12:09:00Z"
    )
    assert first_assigned(store, ident) == "2024-05-01T12:05:00Z"


def test_an_update_with_no_columns_changes_nothing(db):
    """No caller sets nothing today; one that does gets no half-built `UPDATE ... SET WHERE`."""
    store = Store(db)
    ident = store.queues.insert_opportunity(
        {
            "post_id": add_post(store, "1"),
            "queue": "support",
            "status": "assigned",
            "agent": "ann",
            "created_at": "2024-05-01T12:00:00Z",
            "assigned_at": "2024-05-01T12:00:00Z",
        }
    )
    before = store.queues.get_opportunity(ident)
    loads = store.queues.agent_loads()
    store.queues.update_opportunity(ident)
    with store.transaction():
        store.queues.update_opportunity(ident)
    store.queues.update_opportunity(ident + 1000)  # no such item: nothing to do either
    assert store.queues.get_opportunity(ident) == before
    assert store.queues.agent_loads() == loads == {"ann": 1}
    with pytest.raises(ValueError, match=r"^unknown opportunity columns: \['colour'\]$"):
        store.queues.update_opportunity(ident, colour="red")


def test_an_item_created_assigned_has_its_first_assignment(db):
    store = Store(db)
    ident = store.queues.insert_opportunity(
        {"post_id": add_post(store, "1"), "queue": "support", "status": "assigned",
         "agent": "ann", "created_at": "2024-05-01T12:00:00Z",
         "assigned_at": "2024-05-01T12:00:00Z"}
    )  # fmt: skip
    assert first_assigned(store, ident) == "2024-05-01T12:00:00Z"


def test_migration_backfills_from_the_first_taking_event(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for version, migration in enumerate(MIGRATIONS[:3], start=1):  # before both columns
        migration(db)
        db[MIGRATIONS_TABLE].insert({"version": version, "applied_at": to_iso(NOW)}, pk="version")
    conn.execute(
        "INSERT INTO posts (id, platform, native_id, text, created_at, first_seen) "
        "VALUES ('x:1', 'x', '1', 'acme', '2024-05-01T11:00:00Z', '2024-05-01T11:00:00Z')"
    )
    conn.execute(
        "INSERT INTO opportunities (id, post_id, queue, status, created_at) "
        "VALUES (7, 'x:1', 'support', 'claimed', '2024-05-01T12:00:00Z')"
    )
    for kind, at in (
        ("created", "12:00"), ("joined", "12:01"), ("claimed", "12:04"), ("reassigned", "12:08"),
    ):  # fmt: skip
        conn.execute(
            "INSERT INTO events (opportunity_id, type, actor, at, detail) "
            "VALUES (7, ?, 'x', ?, '{}')",
            (kind, f"2024-05-01T{at}:00Z"),
        )
    conn.close()
    with Store(path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert first_assigned(store, 7) == "2024-05-01T12:04:00Z"
        assert store.conn.execute("SELECT platform FROM opportunities").fetchone()[0] == "x"


def test_an_opportunity_copies_its_posts_platform(db):
    store = Store(db)
    ident = store.queues.insert_opportunity(
        {"post_id": add_post(store, "1", platform="reddit"), "queue": "support",
         "status": "open", "created_at": "2024-05-01T12:00:00Z"}
    )  # fmt: skip
    row = store.conn.execute("SELECT platform FROM opportunities WHERE id = ?", (ident,))
    assert row.fetchone()[0] == "reddit"
