"""Posts naming both the brand and a competitor, from import to queue, through the CLI.

Competitor churn is a sales lead, churn from the brand is support work, praise of a competitor
is nobody's work, and `explain` says which topic the post was decided to be about.
"""

from __future__ import annotations

import json

import pytest
from cli_pipeline import route_texts

CONFIG = """
topics:
  - {name: acme, kind: brand, terms: [acme]}
  - {name: globex, kind: competitor, terms: [globex]}
queues:
  - {name: support, match: {kinds: [brand, support], opportunities: [support]}, sla: 2h}
  - {name: sales, match: {opportunities: [sales]}, sla: 1d}
  - {name: advocacy, match: {opportunities: [advocacy]}, sla: 1d}
agents:
  - {name: sam, queues: [support, sales, advocacy], capacity: 20}
"""
NOW = "2026-11-20T12:00:00Z"
# post text -> the queue it must land in (None: no opportunity)
POSTS = {
    "thinking of leaving globex, their billing is a mess. is acme any better?": "sales",
    "switching from globex to acme because globex support is awful": "sales",
    "globex has been down all week, might switch to acme": "sales",
    "cancelling acme and switching to globex, done paying more for less": "support",
    "I love globex, so much better than acme": None,
    "I love acme, so much better than globex": "advocacy",
    "acme is down again in leeds, nothing loads": "support",
    "globex is terrible, their router keeps crashing": "sales",
}


@pytest.fixture
def routed(tmp_path):
    return route_texts(tmp_path, CONFIG, POSTS, NOW)


def test_each_post_lands_where_its_subject_says(routed):
    records = [json.loads(line) for line in routed("export", "-f", "jsonl").stdout.splitlines()]
    queues = {record["text"]: record["queue"] for record in records}
    assert {text: queues.get(text) for text in POSTS} == POSTS


def test_explain_says_which_topic_the_post_is_about_and_why(routed):
    records = [json.loads(line) for line in routed("export", "-f", "jsonl").stdout.splitlines()]
    ids = {record["text"]: record["id"] for record in records}
    churn = ids["thinking of leaving globex, their billing is a mess. is acme any better?"]
    lines = routed("explain", str(churn), "-f", "table").stdout.splitlines()
    assert "classified: churn from a competitor (about globex: leaving it)" in lines
    alone = routed(
        "explain", str(ids["acme is down again in leeds, nothing loads"]), "-f", "table"
    ).stdout
    classified = [line for line in alone.splitlines() if line.startswith("classified: ")]
    assert classified == ["classified: outage about the brand"]  # one topic: nothing to decide
    record = json.loads(routed("explain", str(churn), "-f", "json").stdout)
    assert record["classified"] == "churn from a competitor (about globex: leaving it)"
