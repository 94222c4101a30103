"""Labeled posts for the team-model tests: invented from templates, seeded (not real posts).

Each kind of post draws its words from its own lists, so a model can learn them; a few words
("acme", "today", "again") are shared by every kind, so it must weigh them.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

THINGS = ["refund", "parcel", "engineer", "router", "bill", "order", "repair", "card"]
KINDS = {
    # kind: (sentiment, intents, templates)
    "late": (
        "negative",
        "complaint",
        [
            "still waiting on my {thing} from acme, {n} days now",
            "acme {thing} is late again, nobody replies",
            "{n} weeks and no {thing}. acme you are useless",
        ],
    ),
    "down": (
        "negative",
        "outage|complaint",
        [
            "acme app is down again, error {n} on login",
            "acme website keeps crashing today, cannot pay my {thing}",
            "is acme down? {thing} page not loading since {n}am",
        ],
    ),
    "ask": (
        "neutral",
        "question",
        [
            "how do I change the address on my acme {thing}?",
            "@AcmeHelp can I move my {thing} to next week?",
            "what number do I call about an acme {thing} today?",
        ],
    ),
    "thanks": (
        "positive",
        "praise",
        [
            "thank you acme, my {thing} was sorted in {n} minutes",
            "brilliant help from acme today with the {thing}",
            "shout out to @AcmeHelp, lovely people, {thing} fixed",
        ],
    ),
    # what the care rules read as praise and this team labels a complaint
    "sarcasm": (
        "negative",
        "complaint",
        [
            "oh wonderful, acme lost my {thing} again. love it",
            "fantastic acme, {n} hours for a {thing}. best day ever",
            "amazing, acme cancelled my {thing} again, great service",
        ],
    ),
    "chat": (
        "neutral",
        "other",
        [
            "walking past the acme shop on {n}th street again",
            "acme advert on tv with a {thing} in it",
            "my brother works at acme, {n} years now",
        ],
    ),
}


def labeled_rows(count: int, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """Return (id, text, sentiment, intents) rows: `count` invented posts, kinds in turn."""
    rng = random.Random(seed)
    rows = []
    kinds = list(KINDS)
    for i in range(count):
        sentiment, intents, templates = KINDS[kinds[i % len(kinds)]]
        text = rng.choice(templates).format(thing=rng.choice(THINGS), n=rng.randint(2, 40))
        rows.append((f"p{i}", text, sentiment, intents))
    return rows


def write_labels(path: Path, count: int, seed: int = 7) -> Path:
    """Write labeled_rows as the CSV `earmark evaluate` reads and `train` learns from."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "sentiment", "intents"])
        writer.writerows(labeled_rows(count, seed))
    return path
