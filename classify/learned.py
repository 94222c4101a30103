"""The learned layer in the classify stage: a team's model (classify.model) on top of the rules.

The care rules run first, as always; their VADER scores, label and intents are features of the
model (classify/features.py). Then:

- sentiment: the model's sentiment head decides the label when the model has one (VADER's
  compound, pos, neu and neg stay the rules' numbers: they are measurements, not decisions),
  or, if training chose so (`rules_when_unsure`), the rules' label stands when the model's top
  probability is below the chosen level;
- intents: each intent the model has a head for is present when its calibrated probability
  reaches the head's threshold (the probability is its score), or, if training chose a band
  (low, high) for it, present at high or above, absent below low, the rules' decision between;
  every other intent, and every team's own regex intent (`classify.intents`), stays the rules'
  decision, re-derived with the model's sentiment when that differs (a negative post is a
  complaint unless said otherwise).
  Order is the labeling guide's precedence, so the first is the primary intent, unless the
  model has a `primary` head (training keeps one where it beat the precedence): its intent
  comes first (added if no head found it), except when it says `other` or is below the level
  training chose. `other` only when nothing else is found.
- personal data, language and posts in languages the rules do not read: untouched.

Stored results name both: `care-rules-5+team@<first 12 hex of the model file's sha256>`.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

from classify.errors import ClassifyError
from classify.features import RuleOutputs
from classify.intent import compile_rules, detect_intents, rules_key
from classify.model import LearnedModel, ModelError
from earmark.models import INTENTS
from earmark.settings.classify import ClassifySettings


class ModelLayer:
    """A loaded model and how its heads map onto the classifier's decisions."""

    def __init__(self, model: LearnedModel, rules_version: str):
        self.model = model
        self.version = f"{rules_version}+{model.identity}"
        sentiment = model.heads.get("sentiment")
        self._sentiment = (
            (list(sentiment.columns), sentiment.labels)
            if sentiment is not None and sentiment.kind == "softmax"
            else None
        )
        self._intents = [
            (head.labels[0], head.columns[0], model.thresholds.get(head.name, 0.5))
            for head in model.heads.values()
            if head.kind == "sigmoid"
        ]
        self.intent_heads = frozenset(name for name, _, _ in self._intents)
        # where training chose to let the rules decide when the model is unsure
        unsure = model.meta.get("rules_when_unsure", {})
        self._sure = float(unsure["sentiment"]) if "sentiment" in unsure else 0.0
        self.bands = {
            name: (float(band[0]), float(band[1]))
            for name, band in unsure.items()
            if name in self.intent_heads
        }
        primary = model.heads.get("primary")
        self._primary = (
            (list(primary.columns), primary.labels, float(unsure.get("primary", 0.0)))
            if primary is not None and primary.kind == "softmax"
            else None
        )
        # with heads for both, the rules' sentiment-derived intents are never used
        self._sentiment_intents_learned = {"complaint", "praise"} <= self.intent_heads

    def decide(
        self,
        clean: str,
        rules: RuleOutputs,
        settings: ClassifySettings,
        words: frozenset[str],
        lowered: str,
    ) -> tuple[str, tuple[tuple[str, float], ...]]:
        """Return (sentiment label, intents in precedence order) of one English scoring text."""
        z = self.model.logits_one(clean, rules, lowered)
        label = rules.label
        if self._sentiment is not None:
            columns, labels = self._sentiment
            scores = [z[c] for c in columns]
            top = max(scores)
            label = labels[scores.index(top)]
            if self._sure and 1.0 / sum(math.exp(x - top) for x in scores) < self._sure:
                label = rules.label
        custom = settings.intents
        found = rules.intents
        if label != rules.label and not self._sentiment_intents_learned:
            # the rules' complaint and praise follow the sentiment: re-derive them
            found = tuple(
                detect_intents(clean, sentiment=label, custom=custom, words=words, lowered=lowered)
            )
        heads = self.intent_heads
        chosen = {name: score for name, score in found if name not in heads and name != "other"}
        for name, column, threshold in self._intents:
            p = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z[column]))))
            band = self.bands.get(name)
            if band is not None and band[0] <= p < band[1]:
                score = dict(found).get(name)  # unsure: the rules decide
                if score is not None:
                    chosen[name] = score
            elif p >= (threshold if band is None else band[1]):
                chosen[name] = max(chosen.get(name, 0.0), round(p, 3))
        first = self._first(z)
        if first is not None:
            name, p = first
            chosen.setdefault(name, p)
        if len(chosen) < 2:
            return label, tuple(chosen.items()) or (("other", 0.5),)
        _, rank = compile_rules(rules_key(custom) if custom else ())
        ordered = sorted(chosen.items(), key=lambda item: rank.get(item[0], len(rank)))
        if first is not None:  # the primary head's intent first, then the precedence
            ordered.sort(key=lambda item: item[0] != first[0])
        return label, tuple(ordered)

    def _first(self, z: list[float]) -> tuple[str, float] | None:
        """The primary head's intent and probability, or None where the precedence decides
        (no primary head; it says `other`; below the level training chose for it)."""
        if self._primary is None:
            return None
        columns, labels, sure = self._primary
        scores = [z[c] for c in columns]
        top = max(scores)
        p = 1.0 / sum(math.exp(x - top) for x in scores)
        name = labels[scores.index(top)]
        if name == "other" or p < sure:
            return None
        return name, round(p, 3)


def load_layer(path: str, rules_version: str) -> ModelLayer:
    """Load the model file `classify.model` names (cached while the file is unchanged)."""
    try:
        stat = os.stat(path)
    except OSError as error:
        raise ClassifyError(
            f"classify.model: cannot read {path}: {error.strerror}; "
            "write one with `earmark train` or remove the key"
        ) from None
    return _load(path, stat.st_mtime_ns, stat.st_size, rules_version)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int, _size: int, rules_version: str) -> ModelLayer:
    try:
        return ModelLayer(LearnedModel.load(path), rules_version)
    except ModelError as error:
        raise ClassifyError(f"classify.{error}") from None


def explain_text(text: str, settings: ClassifySettings, top: int = 3) -> dict | None:
    """Say which features decided a post's sentiment and intents under classify.model.

    Returns None without a model (the rules' reasons are in the stored result), else
    {"model": identity, "sentiment": {...}, "intents": [{...}, ...]}: for the sentiment the
    model chose and for every intent head, its probability, whether it fired and the `top`
    features that moved it most ("still waiting" +1.3); with a primary head, "primary": the
    intent it puts first, whether it decides (not when it says `other` or is unsure) and its
    features. Intents without a head are the rules'.
    Handles and links never appear: they become "@user" or are dropped before any feature.
    """
    if not settings.model:
        return None
    from classify import CLASSIFIER_VERSION
    from classify.features import rule_outputs
    from classify.text import compile_terms, to_scoring_text, to_words

    layer = load_layer(settings.model, CLASSIFIER_VERSION)
    model = layer.model
    clean = to_scoring_text(text, compile_terms(tuple(settings.neutral_terms)))
    rules = rule_outputs(clean, settings)
    reasons = model.explain(clean, top=top, rules=rules, cleaned=True)
    scored = model.score([clean], [rules], cleaned=True)
    result: dict = {"model": model.identity, "sentiment": None, "intents": []}
    if layer._sentiment is not None:
        probabilities = scored["sentiment"][0]
        labels = model.heads["sentiment"].labels
        best = int(probabilities.argmax())
        result["sentiment"] = {
            "label": labels[best],
            "probability": round(float(probabilities[best]), 3),
            "features": reasons[f"sentiment:{labels[best]}"],
        }
    lowered = clean.lower()
    label, decided = layer.decide(clean, rules, settings, to_words(lowered), lowered)
    if result["sentiment"] is not None and label != result["sentiment"]["label"]:
        result["sentiment"]["rules_label"] = label  # the model was unsure: the rules' stands
    present = dict(decided)
    for name, _, threshold in layer._intents:
        p = float(scored[name][0, 0])
        entry = {
            "intent": name,
            "probability": round(p, 3),
            "threshold": threshold,
            "present": name in present,
            "features": reasons[name],
        }
        band = layer.bands.get(name)
        if band is not None:  # the model decides outside the band, the rules inside it
            entry["threshold"] = band[1]
            entry["rules_between"] = list(band)
        result["intents"].append(entry)
    if layer._primary is not None:
        probabilities = scored["primary"][0]
        labels = model.heads["primary"].labels
        best = int(probabilities.argmax())
        first = layer._first(model.logits_one(clean, rules))
        result["primary"] = {
            "intent": labels[best],
            "probability": round(float(probabilities[best]), 3),
            "decides": first is not None,  # else the precedence ("other", or unsure)
            "features": reasons[f"primary:{labels[best]}"],
        }
    result["rules_decide"] = sorted(
        {intent for intent in INTENTS if intent != "other"} - layer.intent_heads
    )
    return result
