"""post_counts, kept by the writes of posts and labels, against a recount of what it counts.

Arbitrary sequences of imports (new posts, re-imports of stored ones, new topic matches for
stored posts), classifications and reclassifications (`classify --all` replaces labels), with
post times at and around hour edges: after every step the table equals a plain GROUP BY over
posts, topic_matches and classifications, and the alert counts read from it equal a count of
the posts themselves, computed here in Python, for windows of every kind (hour-aligned or not,
buckets shorter, equal to and longer than an hour).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from alertseries import classification
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from earmark.models import Post, TopicMatch, parse_iso, to_iso
from earmark.store import Store
from earmark.store.tables import URGENCY_INDEXES

BASE = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
TOPICS = ("acme", "rival", "other")
# Offsets (seconds from BASE) at and next to hour edges, and some in between.
EDGES = sorted({h * 3600 + d for h in range(6) for d in (-1, 0, 1, 1799)} - {-1}) + [
    7 * 3600 + 59 * 60 + 59
]
POST_IDS = [f"x:{i}" for i in range(12)]

times = st.sampled_from(EDGES)
matches = st.sets(st.sampled_from(TOPICS), max_size=3)
imports = st.lists(st.tuples(st.sampled_from(POST_IDS), times, matches), min_size=1, max_size=6)
labels = st.tuples(
    st.sampled_from(POST_IDS),
    st.sampled_from(("negative", "neutral", "positive")),
    st.sampled_from(("outage", "complaint", "other", None)),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("import"), imports),
        st.tuples(st.just("classify"), st.lists(labels, min_size=1, max_size=6)),
        st.tuples(st.just("route"), st.lists(st.sampled_from(POST_IDS), max_size=4)),
    ),
    min_size=1,
    max_size=8,
)
windows = st.tuples(
    st.sampled_from(EDGES + [8 * 3600, 8 * 3600 + 1, 5 * 3600 + 1234]),  # now, from BASE
    st.sampled_from([900, 3600, 5400, 7200, 86400]),  # bucket seconds
    st.integers(min_value=1, max_value=6),  # buckets
    st.sampled_from([(None, None), ("outage", None), (None, "negative"), ("other", "neutral")]),
)


def recount(conn: sqlite3.Connection) -> dict:
    """Count what post_counts holds from the rows themselves, by a plain GROUP BY."""
    hour = "substr(p.created_at, 1, 13)"
    joins = "FROM posts p JOIN topic_matches m ON m.post_id = p.id "
    labelled = joins + "JOIN classifications c ON c.post_id = p.id "
    sql = (
        f"SELECT '', '', {hour}, m.topic, m.kind, count(*) {joins} GROUP BY 3, 4, 5 "
        f"UNION ALL SELECT 'intent', c.primary_intent, {hour}, m.topic, m.kind, count(*) "
        f"{labelled}GROUP BY 2, 3, 4, 5 "
        f"UNION ALL SELECT 'sentiment', c.sentiment, {hour}, m.topic, m.kind, count(*) "
        f"{labelled}GROUP BY 2, 3, 4, 5"
    )
    return {tuple(row[:5]): row[5] for row in conn.execute(sql)}


def maintained(conn: sqlite3.Connection) -> dict:
    rows = conn.execute(
        "SELECT breakdown, value, hour, topic, kind, n FROM post_counts WHERE n != 0"
    )
    return {tuple(row[:5]): row[5] for row in rows}


def save_import(store: Store, batch) -> None:
    posts, found = [], []
    for post_id, offset, topics in batch:
        native = post_id.split(":")[1]
        created = BASE + timedelta(seconds=offset)
        posts.append(Post(platform="x", native_id=native, text="acme", created_at=created))
        # The kind of a match: the topic's, except that "other" changed kind over time.
        kinds = {"acme": "brand", "rival": "competitor", "other": ("brand", "support")[offset % 2]}
        found += [TopicMatch(post_id, t, kinds[t], ["acme"]) for t in sorted(topics)]
    store.posts.save_posts(posts, found)


def save_labels(store: Store, batch) -> None:
    stored = {row[0] for row in store.conn.execute("SELECT id FROM posts")}
    rows = []
    for post_id, sentiment, intent in batch:
        if post_id in stored:
            row = classification(post_id, intent, sentiment)
            if intent is None:  # a post with no intent at all: primary intent "other"
                row.intents = []
            # An opportunity for some labels, so posts become pending for routing (or stop).
            row.opportunity = "support" if sentiment == "negative" else None
            rows.append(row)
    store.classifications.save_classifications(rows)


def save_routed(store: Store, post_ids) -> None:
    """Route some stored, unrouted posts: the first makes an opportunity, the others join it."""
    stored = {row[0] for row in store.conn.execute("SELECT id FROM posts")}
    stored -= {row[0] for row in store.conn.execute("SELECT post_id FROM opportunity_posts")}
    post_ids = [pid for pid in dict.fromkeys(post_ids) if pid in stored]
    if not post_ids:
        return
    with store.transaction():
        first = store.queues.insert_opportunity(
            {"post_id": post_ids[0], "queue": "support", "status": "open",
             "created_at": to_iso(BASE), "kind": "support"}
        )  # fmt: skip
        for post_id in post_ids[1:]:
            store.queues.add_opportunity_post(post_id, first)


def pending(conn: sqlite3.Connection) -> set:
    """The posts the route stage will read: pending, with an opportunity in their labels."""
    return {
        row[0]
        for row in conn.execute(
            "SELECT r.post_id FROM route_pending r "
            "JOIN classifications c ON c.post_id = r.post_id WHERE c.opportunity IS NOT NULL"
        )
    }


def unrouted(conn: sqlite3.Connection) -> set:
    """The same by the plain anti-join route_pending saves."""
    return {
        row[0]
        for row in conn.execute(
            "SELECT c.post_id FROM classifications c WHERE c.opportunity IS NOT NULL "
            "AND c.post_id NOT IN (SELECT post_id FROM opportunity_posts)"
        )
    }


def plain_daily(conn: sqlite3.Connection, since: str) -> list[dict]:
    """The query `stats --by topic` ran before post_counts, over every post."""
    return [
        dict(zip(("topic", "kind", "day", "sentiment", "posts"), row, strict=True))
        for row in conn.execute(
            "SELECT m.topic, m.kind, substr(p.created_at, 1, 10) AS day, "
            "coalesce(c.sentiment, 'unclassified') AS sentiment, count(*) AS posts "
            "FROM topic_matches m JOIN posts p ON p.id = m.post_id "
            "LEFT JOIN classifications c ON c.post_id = m.post_id "
            "WHERE p.created_at >= ? GROUP BY m.topic, m.kind, day, sentiment",
            [since],
        )
    ]


def expected_buckets(conn, now: datetime, size: int, buckets: int, intent, sentiment) -> dict:
    """Count posts per topic and bucket in Python, from every stored row."""
    start = now - timedelta(seconds=size * buckets)
    counts: dict[str, list[int]] = {}
    rows = conn.execute(
        "SELECT m.topic, p.created_at, c.primary_intent, c.sentiment FROM posts p "
        "JOIN topic_matches m ON m.post_id = p.id LEFT JOIN classifications c ON c.post_id = p.id"
    )
    for topic, created_at, post_intent, post_sentiment in rows:
        if intent is not None and post_intent != intent:
            continue
        if sentiment is not None and post_sentiment != sentiment:
            continue
        created = parse_iso(created_at)
        if start < created <= now:
            index = int((now - created).total_seconds()) // size
            counts.setdefault(topic, [0] * buckets)[index] += 1
    return counts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, window=windows)
# A post exactly at the start of the window (not counted) and one exactly at now (counted).
@example(
    steps=[("import", [("x:1", 7200, {"acme"}), ("x:2", 10800, {"acme"})])],
    window=(10800, 3600, 1, (None, None)),
)
# A re-import with another time and a new topic; a reclassification to no intent.
@example(
    steps=[
        ("import", [("x:1", 3599, {"acme"})]),
        ("classify", [("x:1", "negative", "outage")]),
        ("import", [("x:1", 3600, {"acme", "rival"})]),
        ("classify", [("x:1", "neutral", None), ("x:1", "negative", "outage")]),
    ],
    window=(5 * 3600 + 1234, 900, 6, ("outage", None)),
)
def test_counts_follow_every_write(tmp_path_factory, steps, window):
    db = tmp_path_factory.mktemp("counts") / "t.db"
    with Store(db) as store:
        for kind, batch in steps:
            if kind == "import":
                save_import(store, batch)
            elif kind == "classify":
                save_labels(store, batch)
            else:
                save_routed(store, batch)
            assert maintained(store.conn) == recount(store.conn)
            assert pending(store.conn) == unrouted(store.conn)
        offset, size, buckets, (intent, sentiment) = window
        now = BASE + timedelta(seconds=offset)
        got = store.alerts.count_topic_buckets(
            now, timedelta(seconds=size), buckets, intent=intent, sentiment=sentiment
        )
        assert got == expected_buckets(store.conn, now, size, buckets, intent, sentiment)
        since = to_iso(now - timedelta(seconds=size * buckets))
        got_daily = store.metrics.topic_daily_sentiment(since)  # rows in no promised order
        assert sorted(got_daily, key=repr) == sorted(plain_daily(store.conn, since), key=repr)
        firsts = store.conn.execute(
            "SELECT m.topic, min(p.created_at) FROM posts p "
            "JOIN topic_matches m ON m.post_id = p.id GROUP BY m.topic"
        ).fetchall()
        assert store.alerts.earliest_topic_posts() == {t: parse_iso(f) for t, f in firsts}


def test_a_failed_batch_leaves_the_counts_of_the_rows_it_did_not_write(tmp_path):
    with Store(tmp_path / "t.db") as store:
        save_import(store, [("x:1", 0, {"acme"})])
        before = maintained(store.conn)
        post = Post(platform="x", native_id="2", text="acme", created_at=BASE)
        # A match for a post that does not exist breaks the foreign key: nothing is kept.
        bad = [TopicMatch("x:2", "acme", "brand", []), TopicMatch("x:404", "acme", "brand", [])]
        try:
            store.posts.save_posts([post], bad)
        except sqlite3.IntegrityError:
            pass
        else:  # pragma: no cover - the foreign key is on
            raise AssertionError("the foreign key did not hold")
        assert maintained(store.conn) == before == recount(store.conn)


def test_the_migration_fills_the_counts_from_existing_rows(tmp_path):
    db = tmp_path / "t.db"
    with Store(db) as store:
        save_import(store, [(pid, EDGES[i], {"acme", "rival"}) for i, pid in enumerate(POST_IDS)])
        save_labels(store, [(pid, "negative", "outage") for pid in POST_IDS[:5]])
        expected = recount(store.conn)
        # As a database of schema version 7: no counts table, no urgency columns.
        store.conn.execute("DROP TABLE post_counts")
        for name, _, _ in URGENCY_INDEXES:
            store.conn.execute(f"DROP INDEX {name}")
        store.conn.execute("ALTER TABLE opportunities DROP COLUMN posted_at")
        store.conn.execute("ALTER TABLE opportunities DROP COLUMN sla_span")
        store.conn.execute("DELETE FROM _earmark_migrations WHERE version > 7")
    with Store(db) as store:
        assert maintained(store.conn) == expected
        assert sum(n for (b, *_), n in expected.items() if b == "intent") == 10
        assert to_iso(BASE)[:13] in {hour for _, _, hour, _, _ in expected}


def test_a_match_for_a_stored_post_not_in_the_batch_counts_once(tmp_path):
    with Store(tmp_path / "t.db") as store:
        save_import(store, [("x:1", 3600, {"acme"})])
        save_labels(store, [("x:1", "negative", "outage")])
        # A later batch matches the stored post to another topic, then again (ignored).
        for _ in range(2):
            store.posts.save_posts([], [TopicMatch("x:1", "rival", "competitor", [])])
            assert maintained(store.conn) == recount(store.conn)
        assert maintained(store.conn)[("intent", "outage", "2026-11-20T01", "rival", "competitor")]


def test_many_posts_of_one_hour_labeled_and_relabeled_in_one_batch_count_each(tmp_path):
    """Twelve posts with the same hour, topics and labels, labeled and then relabeled in one
    batch: each moves its own counts (a change that counted one per hour, topic and labels
    would pass the random sequences above, which rarely put two such posts in one batch)."""
    with Store(tmp_path / "t.db") as store:
        save_import(store, [(pid, 1799, {"acme", "rival"}) for pid in POST_IDS])
        for sentiment, intent in (("negative", "outage"), ("positive", "other")):
            save_labels(store, [(pid, sentiment, intent) for pid in POST_IDS])
            assert maintained(store.conn) == recount(store.conn)
            hour = to_iso(BASE)[:13]
            assert maintained(store.conn)[("intent", intent, hour, "acme", "brand")] == 12
