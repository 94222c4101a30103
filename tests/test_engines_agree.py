"""The same pipeline on SQLite and on PostgreSQL leaves the same store: the demo (listen,
classify, route on its sample data) run on each, then every read command prints the same."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from earmark.cli import cli

NOW = {"EARMARK_NOW": "2026-11-20T12:30:00Z"}


@pytest.fixture(scope="module")
def stores(tmp_path_factory, pg_server) -> dict[str, str]:
    sqlite = str(tmp_path_factory.mktemp("agree") / "demo.db")
    postgres = pg_server.new_database("agree")
    for where in (sqlite, postgres):
        done = CliRunner().invoke(cli, ["demo", "--db", where])
        assert done.exit_code == 0, done.stderr
    return {"sqlite": sqlite, "postgres": postgres}


@pytest.mark.parametrize(
    "command",
    [
        ["queue", "-f", "jsonl"],
        ["queue", "support", "-f", "jsonl"],
        ["stats", "-f", "json"],
        ["stats", "--by", "queue", "-f", "json"],
        ["stats", "--by", "topic", "-f", "json"],
        ["stats", "--by", "platform", "-f", "json"],
        ["export", "-f", "jsonl", "--status", "all"],
        ["posts", "-f", "jsonl", "--limit", "500"],
        ["posts", "-f", "jsonl", "--match", "router", "--limit", "500"],
        ["posts", "-f", "jsonl", "--intent", "complaint", "--limit", "500"],
        ["agents", "-f", "jsonl"],
        ["next", "--agent", "alice", "-f", "json"],
    ],
    ids=" ".join,
)
def test_every_read_command_prints_the_same_on_both_engines(stores, command):
    outputs = {}
    for engine, where in stores.items():
        result = CliRunner().invoke(cli, ["--db", where, *command], env=NOW)
        assert result.exit_code == 0, result.stderr
        outputs[engine] = result.stdout
    assert outputs["sqlite"].strip()  # something to compare
    assert outputs["postgres"] == outputs["sqlite"]


def test_the_store_parts_answer_the_same_on_both_engines(stores):
    """What the alerts, routing and delivery stages read, asked of each store directly."""
    from datetime import datetime, timedelta, timezone

    from earmark.store import Store

    now = datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc)
    answers = {}
    for engine, where in stores.items():
        with Store(where) as store:
            some_topic = sorted(store.alerts.earliest_topic_posts())[0]
            answers[engine] = {
                "buckets": store.alerts.count_topic_buckets(now, timedelta(hours=1), 24),
                "negative": store.alerts.count_topic_buckets(
                    now, timedelta(hours=6), 8, sentiment="negative"
                ),
                "earliest": store.alerts.earliest_topic_posts(),
                "open_by_topic": store.alerts.count_open_by_topic(),
                "open_by_queue": store.alerts.count_open_by_queue(),
                "breaches": (
                    store.alerts.breaches_by_topic(now),
                    store.alerts.breaches_by_queue(now),
                ),
                "between": store.alerts.topic_posts_between(
                    some_topic, now - timedelta(days=2), now, limit=50
                ),
                "last_assigned": store.events.last_assigned_at(),
                "labels": store.posts.label_counts(),
                "new_exports": store.exports.new_export_ids_by_urgency(
                    "slack", now=now, status="open"
                ),
                "export_counts": store.exports.count_export_rows(status="open", now=now),
                "loads": store.queues.agent_loads(),
                "to_classify": store.classifications.count_posts_to_classify(),
            }
    assert answers["sqlite"]["buckets"]  # the demo has posts in the window
    assert answers["postgres"] == answers["sqlite"]
