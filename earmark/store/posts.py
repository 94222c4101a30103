"""Posts, topic matches, cursors, classifications and feedback."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from earmark.models import (
    Classification,
    Post,
    TopicMatch,
    intents_key,
    parse_iso,
    primary_of,
    to_iso,
    utcnow,
)
from earmark.store.connection import Part, inserted_id

# What iter_posts_to_classify yields per post, in this order.
TO_CLASSIFY_COLUMNS = ("id", "text", "lang", "author_reach", "created_at", "kinds", "rowid")

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
_CHUNK = 500  # stays well under SQLite's bound-parameter limit


CLASSIFICATION_COLUMNS = (
    "post_id",
    "sentiment",
    "compound",
    "pos",
    "neu",
    "neg",
    "language",
    "intents",
    "primary_intent",
    "pii",
    "reply_privately",
    "priority",
    "priority_reason",
    "opportunity",
    "opportunity_reason",
    "version",
    "classified_at",
)
_INSERT_CLASSIFICATION = (
    f"INSERT OR REPLACE INTO classifications ({', '.join(CLASSIFICATION_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in CLASSIFICATION_COLUMNS)})"
)


@lru_cache(maxsize=4096)
def _intents_json(intents: tuple[tuple[str, float], ...]) -> str:
    """Encode scored intents as stored; few distinct sets recur, so each is encoded once."""
    return json.dumps([[name, round(score, 3)] for name, score in intents])


@lru_cache(maxsize=256)
def _pii_json(pii: tuple[str, ...]) -> str:
    return json.dumps(list(pii))


def classification_values(c: Classification) -> tuple:
    """Map a Classification to its row values, all but classified_at (picklable, compact)."""
    return (
        c.post_id,
        *content_values(c, c.reply_privately),
        c.priority,
        c.priority_reason,
        c.opportunity,
        c.opportunity_reason,
        c.version,
    )


class Labels(Protocol):
    """What a post's labels row is made of: a Classification has them, and so has the
    classifier's per-text result (shared by reposts)."""

    @property
    def sentiment(self) -> str: ...
    @property
    def compound(self) -> float: ...
    @property
    def pos(self) -> float: ...
    @property
    def neu(self) -> float: ...
    @property
    def neg(self) -> float: ...
    @property
    def language(self) -> str | None: ...
    @property
    def intents(self) -> Sequence[Sequence[Any]]: ...
    @property
    def pii(self) -> Sequence[str]: ...


def content_values(c: Labels, reply_privately: bool) -> tuple:
    """Return the row values from sentiment to reply_privately.

    `c` is a Classification or anything with its sentiment, scores, language, intents and pii
    (the classify stage passes the classifier's per-text result, shared by reposts).
    """
    intents = intents_key(c.intents)
    return (
        c.sentiment,
        c.compound,
        c.pos,
        c.neu,
        c.neg,
        c.language,
        _intents_json(intents),
        primary_of(intents),
        _pii_json(tuple(c.pii)),
        int(reply_privately),
    )


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
    """Posts, their topic matches, cursors, classifications and feedback, in SQLite."""

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
            self.conn.executemany(_INSERT_POST, (post_to_row(p, now) for p in new))
            self.conn.executemany(
                "INSERT OR IGNORE INTO topic_matches (post_id, topic, kind, terms) "
                "VALUES (?, ?, ?, ?)",
                (
                    (m.post_id, m.topic, m.kind, json.dumps(m.terms, ensure_ascii=False))
                    for m in matches
                ),
            )
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

    def iter_posts_to_classify(
        self, batch_size: int, *, everything: bool = False
    ) -> Iterator[list[tuple]]:
        """Yield batches of posts needing classification, as rows of TO_CLASSIFY_COLUMNS.

        `kinds` is the kinds of the topics the post matched, comma-separated (None: no topic).
        Rows are plain tuples (cheap to build and to send to worker processes). Batches are
        keyed by rowid so a batch classified and saved is never read again, and memory stays
        flat whatever the number of posts.
        """
        where = "" if everything else "AND c.post_id IS NULL"
        last = 0
        if not everything:
            start = self._first_unclassified_rowid()
            if start is None:
                return
            last = start - 1
        while True:
            rows = self.conn.execute(
                "SELECT p.id, p.text, p.lang, p.author_reach, p.created_at, "
                "(SELECT group_concat(m.kind) FROM topic_matches m "
                " WHERE m.post_id = p.id) AS kinds, p.rowid "
                "FROM posts p LEFT JOIN classifications c ON c.post_id = p.id "
                f"WHERE p.rowid > ? {where} ORDER BY p.rowid LIMIT ?",
                (last, batch_size),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][-1]
            yield rows

    def count_posts_to_classify(self, *, everything: bool = False) -> int:
        """Return how many posts lack labels (every post with everything=True)."""
        posts = self.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        if everything:
            return posts
        return posts - self.conn.execute("SELECT count(*) FROM classifications").fetchone()[0]

    def _first_unclassified_rowid(self) -> int | None:
        """Return the lowest rowid of an unclassified post, or None when all are classified.

        New posts get the highest rowids, so the scan walks back from the newest post and
        stops once it has seen as many unclassified posts as the two counts say are missing:
        a run with nothing (or little) new never reads the whole table.
        """
        posts = self.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        labelled = self.conn.execute("SELECT count(*) FROM classifications").fetchone()[0]
        missing = posts - labelled
        if missing <= 0:
            return None
        if not labelled:  # nothing labelled yet (a first import): no need to walk the table
            return self.conn.execute("SELECT min(rowid) FROM posts").fetchone()[0]
        lowest = None
        for rowid, labelled in self.conn.execute(
            "SELECT p.rowid, c.post_id IS NOT NULL FROM posts p "
            "LEFT JOIN classifications c ON c.post_id = p.id ORDER BY p.rowid DESC"
        ):
            if not labelled:
                lowest = rowid
                missing -= 1
                if missing == 0:
                    break
        return lowest

    def save_classifications(self, results: Sequence[Classification]) -> int:
        """Insert or replace classification rows in one transaction; return how many."""
        return self.save_classification_rows([classification_values(c) for c in results])

    def save_classification_rows(self, rows: Sequence[tuple]) -> int:
        """Insert or replace rows made by classification_values in one transaction."""
        now = to_iso(utcnow())
        with self.transaction():
            self.conn.executemany(_INSERT_CLASSIFICATION, [(*row, now) for row in rows])
        return len(rows)

    def save_feedback(
        self, post_id: str, sentiment: str | None, intents: list[str], actor: str
    ) -> int:
        """Store a person's correction of a post's labels; return its id."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO feedback (post_id, sentiment, intents, actor, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (post_id, sentiment, "|".join(intents), actor, to_iso(utcnow())),
            )
        return inserted_id(cur)

    def iter_feedback(self) -> Iterator[dict]:
        """Yield the latest correction per post joined with the post text."""
        yield from self.db.query(
            "SELECT f.post_id AS id, p.text, f.sentiment, f.intents FROM feedback f "
            "JOIN posts p ON p.id = f.post_id "
            "WHERE f.id = (SELECT max(id) FROM feedback g WHERE g.post_id = f.post_id) "
            "ORDER BY f.id"
        )

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
        """Return stored posts with their labels, newest first, filtered (FTS for match)."""
        clauses: list[str] = []
        params: list[object] = []
        if match:
            clauses.append("p.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
            params.append(match)
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
