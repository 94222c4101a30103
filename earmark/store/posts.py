"""Posts, their topic matches and the sources' cursors: the `posts` part of the store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from earmark.models import Post, TopicMatch, parse_iso, to_iso, utcnow
from earmark.store.connection import Part
from earmark.store.post_counts import count_new_matches, existing_matches

POST_COLUMNS = (
    "id",
    "platform",
    "native_id",
    "source",
    "url",
    "author",
    "author_name",
    "author_reach",
    "text",
    "lang",
    "created_at",
    "parent_id",
    "thread_id",
    "first_seen",
    "raw",
)
_INSERT_POST = (
    f"INSERT OR IGNORE INTO posts ({', '.join(POST_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in POST_COLUMNS)})"
)
_CREATED_AT = POST_COLUMNS.index("created_at")
_CHUNK = 500  # stays well under SQLite's bound-parameter limit


@dataclass
class CursorUpdate:
    """Advance the cursor of (source, topic) to value, in the same transaction as its posts."""

    source: str
    topic: str
    value: str


def post_to_row(post: Post, first_seen: str) -> tuple:
    """Map a Post to a row of POST_COLUMNS."""
    return (
        post.id,
        post.platform,
        post.native_id,
        post.source,
        post.url,
        post.author,
        post.author_name,
        post.author_reach,
        post.text,
        post.lang,
        to_iso(post.created_at),
        post.parent_id,
        post.thread_id,
        first_seen,
        json.dumps(post.raw, ensure_ascii=False, default=str) if post.raw is not None else None,
    )


def row_to_post(row: dict) -> Post:
    """Map a posts row back to a Post."""
    return Post(
        platform=row["platform"],
        native_id=row["native_id"],
        text=row["text"],
        created_at=parse_iso(row["created_at"]),
        url=row["url"],
        author=row["author"],
        author_name=row["author_name"],
        author_reach=row["author_reach"],
        lang=row["lang"],
        parent_id=row["parent_id"],
        thread_id=row["thread_id"],
        source=row["source"],
        raw=json.loads(row["raw"]) if row.get("raw") else None,
    )


class SQLitePosts(Part):
    """Posts, their topic matches and cursors, in SQLite (label_counts reads the labels too)."""

    def existing_post_ids(self, ids: Iterable[str]) -> set[str]:
        """Return which of these post ids are already stored."""
        ids = list(ids)
        found: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" for _ in chunk)
            found.update(
                r[0]
                for r in self.conn.execute(f"SELECT id FROM posts WHERE id IN ({marks})", chunk)
            )
        return found

    def save_posts(
        self,
        posts: Sequence[Post],
        matches: Sequence[TopicMatch] = (),
        cursors: Sequence[CursorUpdate] = (),
    ) -> list[str]:
        """Insert new posts, their topic matches and cursor moves in one transaction.

        Posts already stored are left untouched (first-seen never changes); returns the ids
        that were new, counted by id rather than by changed rows.
        """
        unique: dict[str, Post] = {}
        for post in posts:
            unique.setdefault(post.id, post)
        now = to_iso(utcnow())
        with self.transaction():
            known = self.existing_post_ids(unique)
            new = [p for pid, p in unique.items() if pid not in known]
            rows = [post_to_row(p, now) for p in new]
            self.conn.executemany(_INSERT_POST, rows)
            created = {row[0]: row[_CREATED_AT] for row in rows}
            kinds: dict[tuple[str, str], str | None] = {}
            for m in matches:  # INSERT OR IGNORE keeps the first of a pair
                kinds.setdefault((m.post_id, m.topic), m.kind)
            pairs = list(kinds)
            # Only matches not stored yet add to post_counts (a new post's matches are new).
            stored = existing_matches(self.conn, [pair for pair in pairs if pair[0] not in created])
            self.conn.executemany(
                "INSERT OR IGNORE INTO topic_matches (post_id, topic, kind, terms) "
                "VALUES (?, ?, ?, ?)",
                (
                    (m.post_id, m.topic, m.kind, json.dumps(m.terms, ensure_ascii=False))
                    for m in matches
                ),
            )
            new_pairs = [(*p, kinds[p]) for p in pairs if p not in stored]
            count_new_matches(self.conn, new_pairs, created)
            for cursor in cursors:
                self.set_cursor(cursor.source, cursor.topic, cursor.value)
        return [p.id for p in new]

    def get_cursor(self, source: str, topic: str) -> str | None:
        """Return the stored cursor of (source, topic), or None before the first run."""
        row = self.conn.execute(
            "SELECT value FROM cursors WHERE source = ? AND topic = ?", (source, topic)
        ).fetchone()
        return row[0] if row else None

    def set_cursor(self, source: str, topic: str, value: str) -> None:
        """Store the cursor of (source, topic)."""
        self.conn.execute(
            "INSERT INTO cursors (source, topic, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(source, topic) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            (source, topic, value, to_iso(utcnow())),
        )

    def cursors(self) -> list[dict]:
        """Return every cursor row."""
        return [dict(r) for r in self.db.query("SELECT * FROM cursors ORDER BY source, topic")]

    def count_posts(self) -> int:
        """Return how many posts are stored."""
        return self.conn.execute("SELECT count(*) FROM posts").fetchone()[0]

    def get_post(self, post_id: str) -> Post | None:
        """Return one stored post, or None."""
        rows = list(self.db.query("SELECT * FROM posts WHERE id = ?", [post_id]))
        return row_to_post(rows[0]) if rows else None

    def search_posts(
        self,
        *,
        match: str | None = None,
        topic: str | None = None,
        intent: str | None = None,
        sentiment: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[dict]:
        """Return stored posts with their labels, newest first, filtered (FTS for match).

        match is an FTS5 query; on PostgreSQL it is translated to its text search (a query it
        cannot express raises pgsql.FullTextQueryError, a ValueError).
        """
        clauses: list[str] = []
        params: list[object] = []
        if match:
            clause, values = self.dialect.full_text("p", match)
            clauses.append(clause)
            params.extend(values)
        if topic:
            clauses.append("p.id IN (SELECT post_id FROM topic_matches WHERE topic = ?)")
            params.append(topic)
        if intent:
            clauses.append(
                "c.post_id IN (SELECT c2.post_id FROM classifications c2, json_each(c2.intents) j "
                "WHERE json_extract(j.value, '$[0]') = ?)"
            )
            params.append(intent)
        if sentiment:
            clauses.append("c.sentiment = ?")
            params.append(sentiment)
        if since:
            clauses.append("p.created_at >= ?")
            params.append(since)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        params.append(limit)
        return [
            dict(r)
            for r in self.db.query(
                "SELECT p.id, p.platform, p.url, p.author, p.author_reach, p.text, p.created_at, "
                "c.sentiment, c.compound, c.primary_intent, c.intents, c.priority, c.pii, "
                "(SELECT group_concat(topic) FROM topic_matches m WHERE m.post_id = p.id) "
                "AS topics FROM posts p LEFT JOIN classifications c ON c.post_id = p.id "
                f"{where} ORDER BY p.created_at DESC LIMIT ?",
                params,
            )
        ]

    def label_counts(self) -> dict[str, dict[str, int]]:
        """Count stored posts by topic, sentiment and primary intent, and opportunities by queue."""
        queries = {
            "topic": "SELECT topic, count(*) FROM topic_matches GROUP BY topic",
            "sentiment": "SELECT sentiment, count(*) FROM classifications GROUP BY sentiment",
            "intent": "SELECT primary_intent, count(*) FROM classifications "
            "GROUP BY primary_intent",
            "queue": "SELECT queue, count(*) FROM opportunities GROUP BY queue",
        }
        return {
            name: dict(sorted(self.conn.execute(sql).fetchall(), key=lambda kv: (-kv[1], kv[0])))
            for name, sql in queries.items()
        }
