"""The classify stage over the store: batches, resume, workers and one score per distinct text."""

from __future__ import annotations

import dataclasses
import queue
from datetime import datetime, timedelta, timezone

import classify
from classify import classify_text
from classify.errors import ClassifyError
from classify.stage import (
    ClassifyStream,
    _worker,
    classify_posts,
    topic_kind,
)
from classify.subject import parse_matches
from earmark.cli.configfile import parse_config
from earmark.models import Post, TopicMatch, parse_iso
from earmark.store import Store
from earmark.store.classifications import TO_CLASSIFY_COLUMNS, classification_values

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
TEXTS = [
    "@AcmeHelp my broadband has been down for 3 days, still waiting for an engineer",
    "is acme down? nothing loads in Leeds",
    "WIN a free acme hub!!! click http://spam.example now",
    "thanks acme, the new router is brilliant",
    "how do I change the wifi password on my acme hub?",
    "Bonjour, ma box acme ne marche plus depuis hier",
    "cancelling acme and moving to globex, done with this",
    "acme charged me twice, email me at ann@mail.example",
]


def make_config(batch_size: int = 3):
    return parse_config(
        {
            "topics": [
                {"name": "acme", "kind": "brand", "terms": ["acme", "acme hub"]},
                {"name": "acmehelp", "kind": "support", "terms": ["@acmehelp"]},
                {"name": "globex", "kind": "competitor", "terms": ["globex"]},
            ],
            "classify": {"batch_size": batch_size},
        }
    )


def fill(store: Store, count: int) -> list[str]:
    """Store count posts cycling through TEXTS (so texts repeat across batches)."""
    posts, matches = [], []
    for i in range(count):
        text = TEXTS[i % len(TEXTS)]
        post = Post(
            platform="x",
            native_id=str(i),
            text=text,
            created_at=NOW - timedelta(minutes=count - i),
            author=f"user{i}",
            author_reach=10 * i,
        )
        posts.append(post)
        kind = "support" if "@AcmeHelp" in text else "brand"
        matches.append(TopicMatch(post.id, "acmehelp" if kind == "support" else "acme", kind, []))
    return store.posts.save_posts(posts, matches)


def labels(store: Store) -> list[tuple]:
    return store.conn.execute(
        "SELECT post_id, sentiment, compound, language, intents, primary_intent, pii, "
        "reply_privately, priority, priority_reason, opportunity, opportunity_reason, version "
        "FROM classifications ORDER BY post_id"
    ).fetchall()


def test_classify_posts_labels_every_post_once_and_is_silent_after(tmp_path):
    store = Store(tmp_path / "a.db")
    ids = fill(store, 20)
    assert classify_posts(store, make_config().classify_settings(), now=NOW) == 20
    assert [row[0] for row in labels(store)] == sorted(ids)
    assert classify_posts(store, make_config().classify_settings(), now=NOW) == 0


def test_classify_posts_matches_classify_text(tmp_path):
    store = Store(tmp_path / "a.db")
    fill(store, 8)
    config = make_config()
    classify_posts(store, config.classify_settings(), now=NOW)
    row = store.conn.execute(
        "SELECT sentiment, primary_intent, priority, opportunity FROM classifications "
        "WHERE post_id = 'x:0'"
    ).fetchone()
    expected = classify.classify_text(
        TEXTS[0],
        topic_kind="support",
        author_reach=0,
        created_at=NOW - timedelta(minutes=8),
        settings=config.classify_settings(),
        now=NOW,
    )
    assert row == (
        expected.sentiment,
        expected.primary_intent,
        expected.priority,
        expected.opportunity,
    )


def test_two_workers_store_exactly_what_one_worker_stores(tmp_path, monkeypatch):
    monkeypatch.setattr("classify.stage.MIN_PARALLEL_POSTS", 0)
    one, two = Store(tmp_path / "one.db"), Store(tmp_path / "two.db")
    fill(one, 30)
    fill(two, 30)
    assert classify_posts(one, make_config().classify_settings(), now=NOW, workers=1) == 30
    assert classify_posts(two, make_config().classify_settings(), now=NOW, workers=2) == 30
    assert labels(two) == labels(one)
    assert classify_posts(two, make_config().classify_settings(), now=NOW, workers=2) == 0


def test_repeated_texts_are_scored_once_across_batches(tmp_path, monkeypatch):
    store = Store(tmp_path / "a.db")
    fill(store, 40)  # 8 distinct texts, batches of 3
    scored = []
    real = classify._classify_content

    def counting(text, lang, settings, *cache):
        scored.append(text)
        return real(text, lang, settings, *cache)

    monkeypatch.setattr(classify, "_classify_content", counting)
    assert classify_posts(store, make_config(batch_size=3).classify_settings(), now=NOW) == 40
    assert sorted(scored) == sorted(TEXTS)


def test_a_stopped_run_resumes_where_it_stopped(tmp_path):
    store = Store(tmp_path / "a.db")
    fill(store, 10)
    assert (
        classify_posts(
            store, make_config(batch_size=4).classify_settings(), now=NOW, should_stop=lambda: True
        )
        == 4
    )
    assert classify_posts(store, make_config(batch_size=4).classify_settings(), now=NOW) == 6
    assert len(labels(store)) == 10


def test_everything_relabels_every_post(tmp_path):
    store = Store(tmp_path / "a.db")
    fill(store, 7)
    classify_posts(store, make_config().classify_settings(), now=NOW)
    assert classify_posts(store, make_config().classify_settings(), now=NOW, everything=True) == 7
    assert len(labels(store)) == 7


def test_stream_keeps_order_across_calls():
    stream = ClassifyStream(make_config().classify_settings(), NOW)
    rows = [(f"x:{i}", t, None, 1, None, "brand", None, i) for i, t in enumerate(TEXTS)]
    first = stream.rows(rows[:5])
    second = stream.rows(rows[5:])
    assert [row[0] for row in first + second] == [f"x:{i}" for i in range(len(TEXTS))]


def test_a_failing_task_comes_back_as_a_classify_error():
    inbox, outbox = queue.Queue(), queue.Queue()
    inbox.put((0, 1, [("x:1", None)]))  # a malformed row: the worker cannot classify it
    inbox.put(None)
    _worker(inbox, outbox, make_config().classify_settings(), NOW)
    seq, part, result = outbox.get_nowait()
    assert (seq, part) == (0, 1)
    assert isinstance(result, ClassifyError)
    assert str(result).startswith("classify worker: ValueError('not enough values to unpack")


def test_new_posts_and_an_unlabelled_old_post_are_all_found(tmp_path):
    store = Store(tmp_path / "a.db")
    fill(store, 12)
    classify_posts(store, make_config().classify_settings(), now=NOW)
    store.conn.execute("DELETE FROM classifications WHERE post_id = 'x:2'")
    store.posts.save_posts(
        [Post(platform="x", native_id="new", text="acme is down again", created_at=NOW)],
        [TopicMatch("x:new", "acme", "brand", [])],
    )
    assert classify_posts(store, make_config().classify_settings(), now=NOW) == 2
    assert {row[0] for row in labels(store)} >= {"x:2", "x:new"}
    assert classify_posts(store, make_config().classify_settings(), now=NOW) == 0


def test_few_posts_are_classified_without_starting_workers(tmp_path, monkeypatch):
    store = Store(tmp_path / "a.db")
    fill(store, 5)

    def no_workers(*args, **kwargs):
        raise AssertionError("a worker process was started for 5 posts")

    monkeypatch.setattr("classify.stage._in_workers", no_workers)
    assert classify_posts(store, make_config().classify_settings(), now=NOW, workers=2) == 5
    assert store.classifications.count_posts_to_classify() == 0
    assert store.classifications.count_posts_to_classify(everything=True) == 5


def test_classify_many_keeps_a_text_repeated_all_through_the_stream_cached(monkeypatch):
    """The cache evicts the least recently used text, not everything at once."""
    scored = []
    real = classify._classify_content

    def counting(text, lang, settings, *cache):
        scored.append(text)
        return real(text, lang, settings, *cache)

    monkeypatch.setattr(classify, "_classify_content", counting)
    items = []
    for i in range(50):
        items += [
            classify.ClassifyItem("WIN a free acme hub!!! click now"),
            classify.ClassifyItem(f"my acme hub broke, day {i}"),
        ]
    results = list(classify.classify_many(items, cache_size=3))
    assert len(results) == 100
    assert scored.count("WIN a free acme hub!!! click now") == 1
    assert len(scored) == 51


# The matches column of a post naming the competitor and the brand (see TO_CLASSIFY_COLUMNS).
TWO_SIDES = '[["globex", "competitor", ["globex"]], ["acme", "brand", ["acme"]]]'


def test_stream_rows_are_what_classify_text_gives_each_post():
    stream = ClassifyStream(make_config().classify_settings(), NOW)
    rows = [
        dict(zip(TO_CLASSIFY_COLUMNS, (
            f"x:{i}", t, ("en", None, "fr")[i % 3], i * 900,
            "2026-11-20T10:00:00Z" if i % 2 else None,
            ("brand", "competitor,brand", "support", None)[i % 4],
            TWO_SIDES if i % 4 == 1 else None, i,
        ), strict=True))
        for i, t in enumerate(TEXTS * 2)
    ]  # fmt: skip
    settings = make_config().classify_settings()
    expected = [
        classification_values(
            dataclasses.replace(
                classify_text(
                    row["text"],
                    lang=row["lang"],
                    topic_kind=topic_kind((row["kinds"] or "").split(",")),
                    author_reach=row["author_reach"],
                    created_at=parse_iso(row["created_at"]) if row["created_at"] else None,
                    settings=settings,
                    now=NOW,
                    topics=parse_matches(row["matches"]),
                ),
                post_id=row["id"],
            )
        )
        for row in rows
    ]
    assert stream.rows([tuple(row.values()) for row in rows]) == expected


def test_a_cache_of_size_zero_still_classifies():
    text = "my acme hub broke, please help"
    assert classify.Classifier(cache_size=0).classify(text) == classify_text(text)
