"""Shared builders for the queues tests: posts and labels go in through the store's own API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from earmark.cli.configfile import parse_config
from earmark.config import Config
from earmark.models import Classification, Post, TopicMatch
from earmark.store import Store

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def make_store(tmp_path) -> Store:
    return Store(tmp_path / "queues.db")


def add_post(
    store: Store,
    native_id: str,
    *,
    text: str = "acme my order never arrived",
    author: str | None = "ann",
    platform: str = "x",
    language: str | None = "en",
    topic: str = "acme",
    kind: str = "brand",
    intents: tuple = (("complaint", 0.9),),
    sentiment: str = "negative",
    priority: int = 50,
    opportunity: str | None = "support",
    thread_id: str | None = None,
    parent_id: str | None = None,
    created_at: datetime | None = None,
    reply_privately: bool = False,
) -> str:
    """Store one post with its topic match and classification; return its id."""
    post = Post(
        platform=platform,
        native_id=native_id,
        text=text,
        created_at=created_at or NOW - timedelta(minutes=5),
        url=f"https://{platform}.example/{native_id}",
        author=author,
        thread_id=thread_id,
        parent_id=parent_id,
    )
    store.posts.save_posts([post], [TopicMatch(post.id, topic, kind)])
    store.classifications.save_classifications(
        [
            Classification(
                sentiment=sentiment,
                compound=-0.5 if sentiment == "negative" else 0.5,
                pos=0.1,
                neu=0.5,
                neg=0.4,
                language=language,
                intents=list(intents),
                pii=["email"] if reply_privately else [],
                reply_privately=reply_privately,
                priority=priority,
                priority_reason="test",
                opportunity=opportunity,
                opportunity_reason="test",
                version="test",
                post_id=post.id,
            )
        ]
    )
    return post.id


SUPPORT_QUEUE = {"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h"}


def make_config(queues=None, agents=None, routing=None) -> Config:
    data = {"queues": queues if queues is not None else [SUPPORT_QUEUE], "agents": agents or []}
    if routing:
        data["routing"] = routing
    return parse_config(data)


def opportunities(store: Store) -> list[dict]:
    return [dict(r) for r in store.db.query("SELECT * FROM opportunities ORDER BY id")]


def events(store: Store, opportunity_id: int | None = None) -> list[dict]:
    if opportunity_id is None:
        rows = store.db.query("SELECT * FROM events WHERE opportunity_id IS NOT NULL ORDER BY id")
        return [dict(r) for r in rows]
    return store.events.events_for(opportunity_id)


def agent_of(store: Store) -> dict[str, str | None]:
    """Map post id -> agent holding its opportunity."""
    return {row["post_id"]: row["agent"] for row in opportunities(store)}


# With EARMARK_TEST_STORE=postgres every test built on make_store runs on a new database of the
# PostgreSQL server at $EARMARK_TEST_PG_URL (.ci/postgres.sh starts one): the queue, routing,
# action and metrics suites then check that PostgreSQL behaves as SQLite does.
_make_sqlite_store = make_store


def make_store(tmp_path) -> Store:  # type: ignore[no-redef]  # noqa: F811
    import os

    if os.environ.get("EARMARK_TEST_STORE") != "postgres":
        return _make_sqlite_store(tmp_path)
    from pgserver import URL_ENV, PgServer

    return Store(PgServer(os.environ[URL_ENV]).new_database("q"))
