"""Intents: a transparent rule and lexicon layer over the intent taxonomy (earmark.models.INTENTS).

Each built-in intent has families of cues (CUES in classify/intent_cues.py): a score, trigger
words and a regex over the lowercased post text with links and handles removed. The regex only
runs when one of the trigger words is in the post (that keeps the stage fast); a match gives the
intent the family's score. Sentiment is a feature: a negative post with no other cue is a
complaint (that is how people complain to brands: "another 2 hours at the gate. great."), a
positive one is praise. Custom intents from the config (`classify.intents`) are case-insensitive
regexes. Intents come back in precedence order (INTENT_PRECEDENCE), so the first is
the primary one an agent should act on; custom intents rank just before `praise`. `other` is
only ever alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from classify.cues import Cue, CueIndex
from classify.intent_cues import CUES
from classify.text import to_words
from earmark.models import INTENT_PRECEDENCE
from earmark.settings.classify import IntentRule

NEGATIVE_COMPLAINT_SCORE = 0.6  # negative post with no complaint cue: still most likely one
POSITIVE_PRAISE_SCORE = 0.6
CHURN_COMPLAINT_SCORE = 0.7  # saying you will leave is itself dissatisfaction
ACTIONABLE = frozenset({"outage", "churn_risk", "complaint", "question"})
# A care team's own reply: signed with the agent's initials ("... ^LP") or asking the customer
# for a DM with details. The brand is speaking, so it is `other` whatever its words say. A
# customer quoting such a reply ("RT @brand: ...", "“@brand: ...”") is not the brand.
_BRAND_VOICE = re.compile(
    r"(?:^|\s)\^[a-z]{2}\s*$"
    r"|\b(?:please |pls )?dm us (?:your|the|with|a|an)\b|\bsend us a (?:dm|direct message|private"
    r" message)\b"
)
_QUOTED = re.compile(r"\brt @user|@user ?:|[“”]")


@lru_cache(maxsize=32)
def compile_rules(custom: tuple[tuple[str, tuple[str, ...], float], ...] = ()):
    """Return the CueIndex of built-in plus custom (name, patterns, score) rules and ranks."""
    entries = [(name, rule) for name in INTENT_PRECEDENCE if name in CUES for rule in CUES[name]]
    order = [name for name in INTENT_PRECEDENCE if name != "other"]
    insert_at = order.index("praise")
    for name, patterns, score in custom:
        entries.extend(
            (name, Cue(score, None, re.compile(pattern, re.IGNORECASE))) for pattern in patterns
        )
        if name not in order:  # a custom rule may also extend a built-in intent
            order.insert(insert_at, name)
            insert_at += 1
    rank = {name: i for i, name in enumerate(order)}
    return CueIndex(entries), rank


def rules_key(rules: Sequence[IntentRule]) -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """Turn custom intent rules into a hashable key for compile_rules."""
    return tuple((rule.name, tuple(rule.patterns), float(rule.score)) for rule in rules)


def detect_intents(
    text: str,
    *,
    sentiment: str = "neutral",
    custom: Sequence[IntentRule] = (),
    words: frozenset[str] | None = None,
    lowered: str | None = None,
) -> list[tuple[str, float]]:
    """Return [(intent, score)] in precedence order (primary first); [("other", 0.5)] if none."""
    compiled, rank = compile_rules(rules_key(custom) if custom else ())
    if lowered is None:
        lowered = text.lower()
    if words is None:
        words = to_words(lowered)
    if (
        ("^" in lowered or "us" in words)
        and _BRAND_VOICE.search(lowered)
        and not _QUOTED.search(lowered)
    ):
        return [("other", 0.5)]
    found = compiled.best_scores(lowered, words)
    _apply_sentiment(found, sentiment)
    if not found:
        return [("other", 0.5)]
    if len(found) == 1:
        return list(found.items())
    return sorted(found.items(), key=lambda item: rank.get(item[0], len(rank)))


def _apply_sentiment(found: dict[str, float], sentiment: str) -> None:
    """Use sentiment as a feature: it confirms or adds complaint and praise."""
    if "churn_risk" in found and "complaint" not in found:
        found["complaint"] = CHURN_COMPLAINT_SCORE
    if sentiment == "negative":
        if "complaint" not in found and not {"outage", "spam"} & found.keys():
            found["complaint"] = NEGATIVE_COMPLAINT_SCORE
        # Thanks in a negative post is politeness or sarcasm, not praise.
        found.pop("praise", None)
    elif sentiment == "positive":
        if found.get("complaint", 1.0) < 0.8:
            del found["complaint"]
        if not found:
            found["praise"] = POSITIVE_PRAISE_SCORE
    if "spam" in found and ACTIONABLE & found.keys():
        # A real request that happens to contain a promo word is not spam.
        del found["spam"]
