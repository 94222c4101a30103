"""The listen stage with fake sources: cursors, crash-and-resume, failures, reports, health."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from earmark.config import Config, Topic
from earmark.errors import EarmarkError, UsageError
from earmark.models import Post
from earmark.store import Store
from listen.base import Batch, MissingCredentials, SourceError, SourceSettings
from listen.runner import ALL_TOPICS, collect, run_listen

T0 = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
TOPICS = [
    Topic(name="acme", terms=["acme"]),
    Topic(name="globex", kind="competitor", terms=["globex"]),
]


def make_source(texts: dict[str, list[str]], *, fail_after: int | None = None, error=None):
    """A source class serving `texts` per topic, two posts per batch, cursor = posts read."""

    class FakeSource:
        name = "fake"
        settings_class = SourceSettings
        env_keys = ()
        note = ""
        calls: list = []

        def __init__(self, settings, *, env):
            self.settings = settings

        def credentials(self):
            return {}

        def fetch(self, topic, cursor, *, since=None, limit=None):
            FakeSource.calls.append((topic.name, cursor, since, limit))
            start = int(cursor or 0)
            items = texts.get(topic.name, [])
            for batch_no, first in enumerate(range(start, len(items), 2)):
                if fail_after is not None and batch_no >= fail_after:
                    raise error or SourceError("hackernews: 503 after 4 tries, giving up")
                posts = [
                    Post(
                        platform="hn",
                        native_id=f"{topic.name}-{i}",
                        text=items[i],
                        created_at=T0 + timedelta(minutes=i),
                    )
                    for i in range(first, min(first + 2, len(items)))
                ]
                yield Batch(posts, str(first + len(posts)))

    return FakeSource


def config(*names: str) -> Config:
    return Config(topics=list(TOPICS), sources={name: SourceSettings() for name in names})


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "x.db") as store:
        yield store


def stored_ids(store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT id FROM posts ORDER BY id")]


ACME_TEXTS = {
    "acme": ["acme down", "acme and globex compared", "nothing here", "ACME again", "acme five"],
    "globex": ["globex news"],
}


def test_posts_matching_any_topic_are_stored_with_every_match(store):
    factory = {"hackernews": make_source(ACME_TEXTS)}.get
    report = run_listen(store, config("hackernews"), source_factory=factory, now=T0)
    assert stored_ids(store) == [
        "hn:acme-0",
        "hn:acme-1",
        "hn:acme-3",
        "hn:acme-4",
        "hn:globex-0",
    ]
    matches = store.conn.execute(
        "SELECT post_id, topic, kind, terms FROM topic_matches ORDER BY post_id, topic"
    ).fetchall()
    assert matches[:3] == [
        ("hn:acme-0", "acme", "brand", '["acme"]'),
        ("hn:acme-1", "acme", "brand", '["acme"]'),
        ("hn:acme-1", "globex", "competitor", '["globex"]'),
    ]
    source = report.sources["hackernews"]
    assert (source.fetched, source.new, source.unmatched, source.error) == (6, 5, 1, None)
    assert source.summary_line() == "hackernews: 5 new posts (acme 4, globex 2)"
    assert report.exit_code() == 0
    assert store.posts.get_cursor("hackernews", "acme") == "5"
    assert store.posts.get_cursor("hackernews", "globex") == "1"
    assert (
        store.conn.execute(
            "SELECT post_id FROM topic_matches WHERE post_id = 'hn:acme-2'"
        ).fetchall()
        == []
    )


def test_a_second_run_stores_nothing_and_resumes_from_the_cursors(store):
    source = make_source(ACME_TEXTS)
    run_listen(store, config("hackernews"), source_factory=lambda name: source)
    source.calls.clear()
    report = run_listen(store, config("hackernews"), source_factory=lambda name: source)
    assert report.new == 0
    assert report.sources["hackernews"].summary_line() == "hackernews: 0 new posts"
    assert source.calls == [("acme", "5", None, None), ("globex", "1", None, None)]


def test_a_source_failing_midway_keeps_posts_and_cursor_consistent(store):
    texts = {"acme": [f"acme {i}" for i in range(7)]}
    failing = make_source(texts, fail_after=2)
    report = run_listen(store, config("hackernews"), source_factory=lambda name: failing)
    # Two batches were saved, each with its cursor; the third raised before being yielded.
    assert stored_ids(store) == [f"hn:acme-{i}" for i in range(4)]
    assert store.posts.get_cursor("hackernews", "acme") == "4"
    assert report.sources["hackernews"].error == "503 after 4 tries, giving up"
    assert report.exit_code() == 1
    healthy = make_source(texts)
    report = run_listen(store, config("hackernews"), source_factory=lambda name: healthy)
    assert report.new == 3
    assert stored_ids(store) == [f"hn:acme-{i}" for i in range(7)]
    assert store.posts.get_cursor("hackernews", "acme") == "7"


def test_a_crash_while_saving_loses_the_batch_and_its_cursor_together(store, monkeypatch):
    texts = {"acme": [f"acme {i}" for i in range(4)]}
    source = make_source(texts)
    real_set_cursor = store.posts.set_cursor
    calls = []

    def set_cursor(source_name, topic, value):
        calls.append(value)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed in the middle of the second transaction
        real_set_cursor(source_name, topic, value)

    monkeypatch.setattr(store.posts, "set_cursor", set_cursor)
    with pytest.raises(KeyboardInterrupt):
        run_listen(store, config("hackernews"), source_factory=lambda name: source)
    assert stored_ids(store) == ["hn:acme-0", "hn:acme-1"]
    assert store.posts.get_cursor("hackernews", "acme") == "2"
    monkeypatch.setattr(store.posts, "set_cursor", real_set_cursor)
    report = run_listen(store, config("hackernews"), source_factory=lambda name: source)
    assert report.new == 2
    assert stored_ids(store) == [f"hn:acme-{i}" for i in range(4)]


def test_one_failing_source_does_not_stop_the_others(store):
    classes = {
        "hackernews": make_source({"acme": ["acme up"]}),
        "reddit": make_source({"acme": ["acme"]}, fail_after=0, error=ValueError("bad\nthing")),
        "mastodon": make_source({}),
    }
    report = run_listen(
        store, config("reddit", "hackernews", "mastodon"), source_factory=classes.get
    )
    assert [r.summary_line() for r in report.sources.values()] == [
        "reddit: error: unexpected ValueError: bad thing",
        "hackernews: 1 new post (acme 1)",
        "mastodon: 0 new posts",
    ]
    assert report.exit_code() == 3
    assert report.summary_line() == "1 posts read, 1 new (acme 1), failed: reddit"


def test_a_source_that_cannot_start_is_reported(store):
    class NeedsToken:
        env_keys = ("REDDIT_CLIENT_ID",)

        def __init__(self, settings, *, env):
            raise MissingCredentials("reddit: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET")

    def factory(name):
        if name == "bluesky":
            raise ImportError("No module named 'listen.bluesky'")
        return NeedsToken

    report = run_listen(store, config("reddit", "bluesky"), source_factory=factory, now=T0)
    assert [r.summary_line() for r in report.sources.values()] == [
        "reddit: error: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET",
        "bluesky: error: unexpected ImportError: No module named 'listen.bluesky'",
    ]
    assert report.exit_code() == 1


def test_source_health_is_recorded(store):
    ok = make_source({"acme": ["acme"]})
    failing = make_source({"acme": ["acme"]}, fail_after=0)
    run_listen(store, config("hackernews"), source_factory=lambda n: failing, now=T0)
    later = T0 + timedelta(hours=1)
    run_listen(store, config("hackernews"), source_factory=lambda n: failing, now=later)
    health = store.health.source_health()["hackernews"]
    assert health["last_error"] == "503 after 4 tries, giving up"
    assert health["unhealthy_since"] == "2026-11-18T12:00:00Z"
    assert health["last_attempt_at"] == "2026-11-18T13:00:00Z"
    assert health["last_ok_at"] is None
    run_listen(store, config("hackernews"), source_factory=lambda n: ok, now=later)
    health = store.health.source_health()["hackernews"]
    assert (health["last_error"], health["unhealthy_since"]) == (None, None)
    assert (health["last_ok_at"], health["last_new_at"]) == ("2026-11-18T13:00:00Z",) * 2


def test_selected_sources_and_topics(store):
    source = make_source(ACME_TEXTS)
    report = run_listen(
        store,
        config("hackernews", "reddit"),
        source_names=["hackernews"],
        topic_names=["globex"],
        limit=10,
        since=T0,
        source_factory=lambda name: source,
    )
    assert list(report.sources) == ["hackernews"]
    assert source.calls == [("globex", None, T0, 10)]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"source_names": ["nope"]}, UsageError, "unknown source 'nope'; known sources: file, "
         "hackernews, rss, telegram, stackexchange, mastodon, reddit, bluesky, x"),
        ({"source_names": ["reddit"]}, UsageError, "source 'reddit' is not configured: add it "
         "under `sources:` (configured: hackernews)"),
        ({"topic_names": ["initech"]}, UsageError, "unknown topic 'initech'; known topics: "
         "acme, globex"),
    ],
)  # fmt: skip
def test_unknown_names_are_usage_errors(store, kwargs, error, message):
    with pytest.raises(error) as raised:
        run_listen(store, config("hackernews"), source_factory=lambda n: make_source({}), **kwargs)
    assert str(raised.value) == message


def test_nothing_configured_is_an_error(store):
    with pytest.raises(EarmarkError) as raised:
        run_listen(store, Config(topics=list(TOPICS)))
    assert str(raised.value).startswith("no sources configured: list at least one under `sources:`")
    with pytest.raises(EarmarkError) as raised:
        run_listen(store, Config(sources={"hackernews": SourceSettings()}))
    assert (
        str(raised.value) == "no topics configured: add at least one under `topics:` in the config"
    )


def test_topic_independent_sources_are_read_once_and_report_bad_rows(store):
    class OneRead:
        topic_independent = True
        calls = []

        def __init__(self, settings, *, env):
            self.warnings = []

        def fetch(self, topic, cursor, *, since=None, limit=None):
            OneRead.calls.append((topic, cursor))
            self.warnings.append("line 2: invalid JSON")
            yield Batch([Post("x", "1", "acme vs globex", T0)], "offset-3")

    report = run_listen(store, config("file"), source_factory=lambda n: OneRead)
    assert OneRead.calls == [(None, None)]
    assert store.posts.get_cursor("file", ALL_TOPICS) == "offset-3"
    source = report.sources["file"]
    assert source.summary_line() == "file: 1 new post (acme 1, globex 1); 1 bad row skipped"
    assert source.warnings == ["line 2: invalid JSON"]
    assert store.posts.get_post("x:1").source == "file"


def test_collect_stores_nothing():
    source = make_source(ACME_TEXTS)
    items = list(collect(config("hackernews"), source_factory=lambda name: source))
    batches = [i for i in items if not i.end]
    assert [(i.topic, [p.id for p in i.posts], i.cursor) for i in batches] == [
        ("acme", ["hn:acme-0", "hn:acme-1"], "2"),
        ("acme", ["hn:acme-3"], "4"),
        ("acme", ["hn:acme-4"], "5"),
        ("globex", ["hn:globex-0"], "1"),
    ]
    assert [(i.source, i.end, i.error) for i in items if i.end] == [("hackernews", True, None)]
    assert source.calls[0] == ("acme", None, None, None)  # no cursors: a live search


def test_should_stop_ends_between_batches_and_the_next_run_resumes(store):
    texts = {"acme": [f"acme {i}" for i in range(6)], "globex": ["globex"]}
    source = make_source(texts)
    saved = []
    real_save = store.posts.save_posts

    def save_posts(posts, matches=(), cursors=()):
        saved.append(len(posts))
        return real_save(posts, matches, cursors)

    store.posts.save_posts = save_posts
    report = run_listen(
        store,
        config("hackernews", "reddit"),
        source_factory=lambda name: source,
        should_stop=lambda: len(saved) >= 2,
    )
    assert report.stopped is True
    assert list(report.sources) == ["hackernews"]  # reddit was not started
    assert report.exit_code() == 0
    assert stored_ids(store) == [f"hn:acme-{i}" for i in range(4)]
    assert store.posts.get_cursor("hackernews", "acme") == "4"
    assert store.posts.get_cursor("hackernews", "globex") is None
    report = run_listen(store, config("hackernews"), source_factory=lambda name: source)
    assert (report.stopped, report.new) == (False, 3)


def test_a_budget_used_up_by_one_topic_serves_the_other_topics_first_next_run(store):
    # A source whose per-run budget covers one topic's fetch: without fair ordering, the
    # second topic would never be read. Topics whose cursor waited longest go first.
    texts = {"acme": ["acme one"], "globex": ["globex one"]}
    served: list[list[str]] = []

    class OneTopicPerRun(make_source(texts)):
        def __init__(self, settings, *, env):
            super().__init__(settings, env=env)
            self.spent = False
            served.append([])

        def fetch(self, topic, cursor, *, since=None, limit=None):
            if self.spent:
                return  # the budget is used up: nothing more this run
            self.spent = True
            served[-1].append(topic.name)
            yield from super().fetch(topic, cursor, since=since, limit=limit)

    for minute in range(3):
        run_listen(
            store, config("fake"), source_factory=lambda name: OneTopicPerRun,
            now=T0 + timedelta(minutes=minute),
        )  # fmt: skip
    assert served == [["acme"], ["globex"], ["acme"]]
    assert stored_ids(store) == ["hn:acme-0", "hn:globex-0"]
