"""The store: migrations, idempotent inserts, cursors in the same transaction."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.models import Post, TopicMatch, parse_iso, to_iso
from earmark.store import Store, StoreError
from earmark.store.posts import CursorUpdate
from earmark.store.schema import SCHEMA_VERSION


def make_post(native_id: str, text: str = "acme is down") -> Post:
    return Post(
        platform="x",
        native_id=native_id,
        text=text,
        created_at=datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc),
        author="someone",
    )


def test_migrations_reapplied_on_existing_db_are_a_noop(db):
    path = db
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        store.posts.save_posts([make_post("1")])
        tables = store.db.table_names()
    with Store(path) as store:
        assert store.ensure_schema() == 0
        assert store.db.table_names() == tables
        assert store.posts.count_posts() == 1


def test_wal_mode_and_busy_timeout(tmp_path):
    with Store(tmp_path / "e.db") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_same_posts_twice_are_stored_once(db):
    with Store(db) as store:
        posts = [make_post("1"), make_post("2"), make_post("1")]
        matches = [TopicMatch("x:1", "acme", "brand", ["acme"])]
        assert store.posts.save_posts(posts, matches) == ["x:1", "x:2"]
        first_seen = store.conn.execute("SELECT first_seen FROM posts WHERE id='x:1'").fetchone()
        assert store.posts.save_posts(posts, matches) == []
        assert store.posts.count_posts() == 2
        assert store.conn.execute("SELECT count(*) FROM topic_matches").fetchone()[0] == 1
        again = store.conn.execute("SELECT first_seen FROM posts WHERE id='x:1'").fetchone()
        assert again == first_seen


def test_cursor_advances_with_its_posts_or_not_at_all(db, monkeypatch):
    with Store(db) as store:
        store.posts.save_posts([make_post("1")], cursors=[CursorUpdate("x", "acme", "1")])
        assert store.posts.get_cursor("x", "acme") == "1"

        def crash(*args):
            raise RuntimeError("killed between the posts and the cursor")

        monkeypatch.setattr(store.posts, "set_cursor", crash)
        with pytest.raises(RuntimeError):
            store.posts.save_posts([make_post("2")], cursors=[CursorUpdate("x", "acme", "2")])
        monkeypatch.undo()
        assert store.posts.get_cursor("x", "acme") == "1"
        assert store.posts.count_posts() == 1


def test_full_text_search_finds_posts(db):
    with Store(db) as store:
        store.posts.save_posts(
            [make_post("1", "router keeps rebooting"), make_post("2", "love it")]
        )
        assert [r["id"] for r in store.posts.search_posts(match="rebooting")] == ["x:1"]


def test_not_a_sqlite_file_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(StoreError) as error:
        Store(path)
    assert str(error.value) == f"{path}: not an SQLite database (file is not a database)"


def test_database_from_a_newer_earmark_is_refused(db):
    path = db
    with Store(path) as store:
        store.conn.execute(
            "INSERT INTO _earmark_migrations (version, applied_at) VALUES (?, 'x')",
            (SCHEMA_VERSION + 1,),
        )
    with pytest.raises(StoreError) as error:
        Store(path)
    assert str(error.value) == (
        f"{path}: database schema version {SCHEMA_VERSION + 1} is newer than this earmark "
        f"supports ({SCHEMA_VERSION}); upgrade earmark"
    )


def test_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(StoreError) as error:
        Store(path)
    assert str(error.value) == f"{path}: not an earmark database (it has other tables)"


def test_classifications_keep_no_index_on_coarse_labels(tmp_path):
    """Migration 7: sentiment/intent indexes made SQLite sort every negative post in a search."""
    with Store(tmp_path / "s.db") as store:
        indexes = {
            row[0]
            for row in store.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
                ("classifications",),
            )
        }
    assert "idx_classifications_sentiment" not in indexes
    assert "idx_classifications_primary_intent" not in indexes
    assert "idx_classifications_opportunity_priority" in indexes


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 1, 1)))
def test_parse_iso_reads_what_to_iso_writes_and_other_offsets(moment):
    utc = moment.replace(tzinfo=timezone.utc, microsecond=0)
    assert parse_iso(to_iso(utc)) == utc
    assert parse_iso(to_iso(utc).replace("Z", "+00:00")) == utc
    assert parse_iso(to_iso(utc)[:-1]) == utc  # naive: taken as UTC
    shifted = utc.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert parse_iso(shifted.isoformat()) == utc


def _batched_ids(store, size=2):
    return [
        [row[0] for row in batch] for batch in store.classifications.iter_posts_to_classify(size)
    ]


def test_posts_to_classify_come_in_rowid_batches_from_the_first_unlabelled(db):
    with Store(db) as store:
        store.posts.save_posts([make_post(str(n), f"post {n}") for n in range(5)])
        ids = [f"x:{n}" for n in range(5)]
        # Nothing labelled yet (a first import): every post, oldest first.
        assert _batched_ids(store) == [ids[0:2], ids[2:4], ids[4:]]
        row = ("neutral", 0.0, 0.0, 1.0, 0.0, "en", "[]", "other", "[]", 0, 50, "other")
        store.classifications.save_classification_rows(
            [(pid, *row, None, "other", "v") for pid in (ids[0], ids[1], ids[3])]
        )
        # Only the unlabelled ones, whatever lies between them.
        assert _batched_ids(store) == [[ids[2], ids[4]]]
        store.classifications.save_classification_rows(
            [(pid, *row, None, "other", "v") for pid in ids]
        )
        assert _batched_ids(store) == []
