"""Plain posts to a brand, from import to queue through the CLI: each lands where it should.

The posts of issue 21 (every one was wrong before) and other wordings of the same categories:
a contact request, a missed appointment, a device broken by an update, a price rise, outage
slang with laughter, an acknowledgement, a refund given unasked, a lesser-of-two-evils jibe.
"""

from __future__ import annotations

import json

import pytest
from cli_pipeline import route_texts

CONFIG = """
topics:
  - {name: acme, kind: brand, terms: [acme, AcmeHelp, Acme Home]}
  - {name: globex, kind: competitor, terms: [globex]}
queues:
  - {name: support, match: {kinds: [brand, support], opportunities: [support]}, sla: 2h}
  - {name: sales, match: {opportunities: [sales]}, sla: 1d}
  - {name: advocacy, match: {opportunities: [advocacy]}, sla: 1d}
"""
NOW = "2026-11-20T12:00:00Z"
# post text -> (queue, primary intent, sentiment); queue None: no opportunity, so no item
POSTS = {
    "@AcmeHelp please call me back on 07700 900123, nobody answers": (
        "support",
        "complaint",
        "negative",
    ),
    "acme can someone ring me on 0161 496 0018 please": ("support", "question", "neutral"),
    "acme engineer didn't turn up. again.": ("support", "complaint", "negative"),
    "second no-show from the acme technician this week": ("support", "complaint", "negative"),
    "Acme Home hub firmware bricked after update": ("support", "outage", "negative"),
    "acme router keeps rebooting since the update": ("support", "outage", "negative"),
    "my acme bill went up 20 quid without warning": ("support", "complaint", "negative"),
    "acme hiked our tariff again": ("support", "complaint", "negative"),
    "acme down lol": ("support", "outage", "negative"),
    "acme app outage lmao": ("support", "outage", "neutral"),
    "@AcmeHelp ok": (None, "other", "neutral"),
    "@AcmeHelp cool.": (None, "other", "neutral"),
    "acme sent me a refund without me even asking, nice one": ("advocacy", "praise", "positive"),
    "acme credited my account proactively, brilliant": ("advocacy", "praise", "positive"),
    "Acme vs Globex is like choosing which wisdom tooth to have out first": (
        "support",
        "complaint",
        "negative",
    ),
    "staying with acme is the lesser of two evils": ("support", "complaint", "negative"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("plain")
    run = route_texts(tmp_path, CONFIG, POSTS, NOW)
    items = [json.loads(line) for line in run("export", "-f", "jsonl").stdout.splitlines()]
    posts = [json.loads(line) for line in run("posts", "-f", "jsonl").stdout.splitlines()]
    return {item["text"]: item for item in items}, {post["text"]: post for post in posts}


def test_each_plain_post_lands_in_its_queue(exported):
    items, _ = exported
    assert {text: items[text]["queue"] if text in items else None for text in POSTS} == {
        text: queue for text, (queue, _, _) in POSTS.items()
    }
    assert {item["kind"] for item in items.values()} == {"support", "advocacy"}


def test_each_post_has_the_right_primary_intent_and_sentiment(exported):
    items, posts = exported
    assert {text: (post["intent"], post["sentiment"]) for text, post in posts.items()} == {
        text: (intent, sentiment) for text, (_, intent, sentiment) in POSTS.items()
    }
    # the items carry the same labels as their posts
    assert all(
        (item["primary_intent"], item["sentiment"]) == POSTS[text][1:]
        for text, item in items.items()
    )


def test_a_contact_request_with_a_phone_number_is_answered_privately(exported):
    items, _ = exported
    record = items["@AcmeHelp please call me back on 07700 900123, nobody answers"]
    assert record["pii"] == ["phone"]
    assert record["reply_privately"] is True
    assert record["intents"] == ["complaint", "question"]
