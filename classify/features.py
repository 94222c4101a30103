"""Features of the learned layer: hashed word and character n-grams, VADER's scores, the rules.

Deterministic across processes and machines: n-grams are hashed with zlib.crc32 of their UTF-8
bytes (Python's hash() is salted per process), so a model file means the same thing everywhere.
The n-grams are taken from the scoring text (classify.text.to_scoring_text: links dropped,
@handles and masked brands become "@user"), lowercased. Their values are 1/sqrt(count of
distinct n-grams) (unit length), so short and long posts weigh alike; the dense part holds the
care rules' VADER scores, their label and their intents, as the classify stage computes them.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import NamedTuple

from classify.intent import detect_intents
from classify.sentiment import SentimentScore, score_sentiment
from classify.text import to_scoring_text, to_words
from earmark.models import INTENTS, SENTIMENTS
from earmark.settings.classify import ClassifySettings

# Words ("can't" stays one), runs of ? or !, and any other single symbol (emoji, ":", "$").
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]+|[^\w\s.,;\"'()\-]")

DENSE_NAMES = (
    "vader:compound",
    "vader:pos",
    "vader:neu",
    "vader:neg",
    *(f"rules:sentiment={label}" for label in SENTIMENTS),
    *(f"rules:intent={intent}" for intent in INTENTS),
    "rules:care_cues",
)


@dataclass(frozen=True)
class FeatureSpec:
    """Which n-gram families a model uses and how many hash buckets they share."""

    dim: int = 1 << 18
    words: bool = True
    bigrams: bool = True
    char_min: int = 0  # 0: no character n-grams
    char_max: int = 0
    dense: bool = True

    def to_dict(self) -> dict:
        """Return the spec as plain JSON values (stored in the model file)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        """Build a spec from a model file's metadata, ignoring unknown keys."""
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)


class RuleOutputs(NamedTuple):
    """What the care rules say about one text: the stage computes this already."""

    compound: float
    pos: float
    neu: float
    neg: float
    label: str
    intents: tuple[tuple[str, float], ...]
    care_cues: int = 0


def to_clean(text: str) -> str:
    """Return the scoring text of a post (what every feature is computed from)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return to_scoring_text(text)


def rule_outputs(clean: str, settings: ClassifySettings | None = None) -> RuleOutputs:
    """Run the care rules on a scoring text, as the classify stage does for English posts (with
    a team's `settings`: its thresholds and regex intents; without: the defaults)."""
    lowered = clean.lower()
    words = to_words(lowered)
    score = score_sentiment(clean, settings, words=words, lowered=lowered)
    custom = settings.intents if settings is not None else ()
    intents = detect_intents(
        clean, sentiment=score.label, custom=custom, words=words, lowered=lowered
    )
    return rules_from(score, intents)


def rules_from(score: SentimentScore, intents: Iterable[tuple[str, float]]) -> RuleOutputs:
    """Return the rules' outputs of a sentiment score and the intents found with its label."""
    return RuleOutputs(
        score.compound,
        score.pos,
        score.neu,
        score.neg,
        score.label,
        tuple(intents),
        len(score.cues),
    )


_LABEL_AT = {label: 4 + i for i, label in enumerate(SENTIMENTS)}
_INTENT_AT = {intent: 4 + len(SENTIMENTS) + i for i, intent in enumerate(INTENTS)}


def to_dense(rules: RuleOutputs) -> list[float]:
    """Return the dense feature values, in DENSE_NAMES order (called once per post: no loops
    over every name)."""
    row = [0.0] * len(DENSE_NAMES)
    row[0] = rules.compound
    row[1] = rules.pos
    row[2] = rules.neu
    row[3] = rules.neg
    at = _LABEL_AT.get(rules.label)
    if at is not None:
        row[at] = 1.0
    for intent, score in rules.intents:
        at = _INTENT_AT.get(intent)
        if at is not None:
            row[at] = float(score)
    row[-1] = float(min(rules.care_cues, 3))
    return row


def to_ngrams(clean: str, spec: FeatureSpec) -> list[str]:
    """Return the distinct n-gram names of a scoring text, in first-seen order."""
    tokens = _TOKEN.findall(clean.lower())
    grams: dict[str, None] = {}
    if spec.words:
        for token in tokens:
            grams["w:" + token] = None
    if spec.bigrams:
        for first, second in zip(["<s>", *tokens], [*tokens, "</s>"], strict=True):
            grams[f"b:{first} {second}"] = None
    if spec.char_min:
        for token in tokens:
            padded = f" {token} "
            size = len(padded)
            for n in range(spec.char_min, spec.char_max + 1):
                for start in range(0, size - n + 1):
                    grams["c:" + padded[start : start + n]] = None
    return list(grams)


def to_bucket(name: str, dim: int) -> int:
    """Return the hash bucket of an n-gram name (crc32: the same in every process)."""
    return zlib.crc32(name.encode("utf-8", "surrogatepass")) % dim


def to_hashed(clean: str, spec: FeatureSpec) -> tuple[list[int], float]:
    """Return the distinct buckets of a text's n-grams and the value each one has."""
    return Hasher(spec).hashed(clean)


class Hasher:
    """Buckets of texts' n-grams, as to_bucket(to_ngrams(...)) gives, remembering recent ones.

    Word frequencies are Zipfian: most tokens and pairs of a stream were seen moments ago, so
    a dict lookup replaces building the name and checksumming it (the classify stage's budget
    is a fraction of VADER's time per post). Each table is emptied when it reaches `size`.
    """

    def __init__(self, spec: FeatureSpec, size: int = 200_000):
        self.spec = spec
        self.size = size
        self.words: dict[str, int] = {}
        self.pairs: dict[tuple[str, str], int] = {}
        self.chars: dict[str, tuple[int, ...]] = {}

    def buckets(self, clean: str, lowered: str | None = None) -> set[int]:
        """Return the set of buckets of a scoring text's n-grams (`lowered`: clean.lower())."""
        spec, dim = self.spec, self.spec.dim
        tokens = _TOKEN.findall(clean.lower() if lowered is None else lowered)
        found: set[int] = set()
        # Lookups run as C loops (map over dict.get); only unseen n-grams are checksummed.
        if spec.words:
            found.update(self._lookup(self.words, "w:", tokens))
        if spec.bigrams:
            # keyed by (first, second): a tuple of the tokens hashes faster than a joined string
            pairs = list(zip(["<s>", *tokens], [*tokens, "</s>"], strict=True))
            found.update(self._lookup(self.pairs, "b:", pairs))
        if spec.char_min:
            chars = self.chars
            for token in tokens:
                grams = chars.get(token)
                if grams is None:
                    if len(chars) >= self.size:
                        chars.clear()
                    padded = f" {token} "
                    grams = chars[token] = tuple(
                        to_bucket("c:" + padded[start : start + n], dim)
                        for n in range(spec.char_min, spec.char_max + 1)
                        for start in range(0, len(padded) - n + 1)
                    )
                found.update(grams)
        return found

    def _lookup(self, table: dict, prefix: str, grams: list) -> list[int]:
        """Return the buckets of `grams` (tokens, or pairs of tokens), adding unseen ones to
        `table` (emptied when full)."""
        found = list(map(table.get, grams))
        if None in found:
            dim = self.spec.dim
            for i, bucket in enumerate(found):
                if bucket is None:
                    if len(table) >= self.size:
                        table.clear()
                    gram = grams[i] if isinstance(grams[i], str) else " ".join(grams[i])
                    found[i] = table[grams[i]] = to_bucket(prefix + gram, dim)
        return found  # type: ignore[return-value]

    def hashed(self, clean: str) -> tuple[list[int], float]:
        """Return the sorted distinct buckets of a scoring text and their value (unit length)."""
        buckets = sorted(self.buckets(clean))
        return buckets, 1.0 / math.sqrt(len(buckets)) if buckets else 0.0
