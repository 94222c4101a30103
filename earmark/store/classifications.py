"""Classifications and feedback: the `classifications` part of the store.

A post's labels (sentiment, intents, PII, priority, opportunity) are one classifications row;
a person's correction of them is a feedback row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, Protocol

from earmark.models import Classification, intents_key, primary_of, to_iso, utcnow
from earmark.store.connection import Part, inserted_id
from earmark.store.post_counts import count_label_changes
from earmark.store.route_pending import save_pending

# What iter_posts_to_classify yields per post, in this order.
TO_CLASSIFY_COLUMNS = (
    "id",
    "text",
    "lang",
    "author_reach",
    "created_at",
    "kinds",
    "matches",
    "rowid",
)

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
_SENTIMENT = CLASSIFICATION_COLUMNS.index("sentiment")
_PRIMARY_INTENT = CLASSIFICATION_COLUMNS.index("primary_intent")
_OPPORTUNITY = CLASSIFICATION_COLUMNS.index("opportunity")
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


def content_columns(content: Labels, reply_privately: bool) -> tuple:
    """Return a classified text's values for the columns sentiment ... reply_privately."""
    return content_values(content, reply_privately)


def outcome_columns(opportunity: str | None, reason: str | None, version: str) -> tuple:
    """Return the values of the columns opportunity, opportunity_reason and version."""
    return (opportunity, reason, version)


def classification_row(post_id: str, content: tuple, priority: tuple, outcome: tuple) -> tuple:
    """Join one post's parts (priority is (priority, priority_reason)) into its row values,
    all but classified_at, in CLASSIFICATION_COLUMNS order.

    The classify stage computes the parts once per distinct text and topic kind and joins them
    per post; only the store knows how the parts line up with the table's columns.
    """
    return (post_id, *content, *priority, *outcome)


def _two_sided(kinds: str | None) -> bool:
    """Whether a post's kinds ("brand,competitor") name a competitor and our side."""
    if not kinds or "competitor" not in kinds:
        return False
    return kinds.replace("competitor", "").strip(",") != ""


class SQLiteClassifications(Part):
    """Classifications and feedback, and which posts still need labels, in SQLite."""

    def iter_posts_to_classify(
        self, batch_size: int, *, everything: bool = False
    ) -> Iterator[list[tuple]]:
        """Yield batches of posts needing classification, as rows of TO_CLASSIFY_COLUMNS.

        `kinds` is the kinds of the topics the post matched, comma-separated (None: no topic);
        `matches`, only for a post that matched both a competitor and a brand or support topic,
        is its matches as JSON, [[topic, kind, [terms...]], ...] (None for every other post).
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
            matches = self._two_sided_matches([row[0] for row in rows if _two_sided(row[5])])
            yield [(*row[:6], matches.get(row[0]), row[6]) for row in rows]

    def _two_sided_matches(self, post_ids: list[str]) -> dict[str, str]:
        """Return {post id: its topic matches as JSON} (see iter_posts_to_classify)."""
        grouped: dict[str, list] = {}
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start : start + 500]
            for post_id, topic, kind, terms in self.conn.execute(
                "SELECT post_id, topic, kind, terms FROM topic_matches "
                f"WHERE post_id IN ({','.join('?' * len(chunk))}) "  # noqa: S608 - only placeholders are interpolated
                "ORDER BY post_id, topic",
                chunk,
            ):
                try:
                    words = json.loads(terms) if terms else []
                except ValueError:
                    words = []
                grouped.setdefault(post_id, []).append([topic, kind, words])
        return {post_id: json.dumps(rows) for post_id, rows in grouped.items()}

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
        labels = {row[0]: (row[_SENTIMENT], row[_PRIMARY_INTENT]) for row in rows}
        with self.transaction():
            count_label_changes(self.conn, labels)  # before the rows it replaces are gone
            self.conn.executemany(_INSERT_CLASSIFICATION, [(*row, now) for row in rows])
            save_pending(self.conn, [(row[0], row[_OPPORTUNITY]) for row in rows])
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
