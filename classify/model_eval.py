"""Measure a learned model against the care rules on a labeled CSV (`earmark evaluate`'s format).

    python -m classify.model_eval FILE [FILE...] [--model PATH]

Prints, per file, the rules' and the model's sentiment macro-F1 and, for intent files, the F1 of
each intent the model has a head for, and primary-intent macro-F1 of the rules alone and of the
rules with the model deciding its intents (what the integration step would ship). Files under
../shared/eval/ are for measuring only: nothing here feeds back into training.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from classify import Classifier
from classify.errors import ClassifyError
from classify.evaluate import load_labeled, score_labels, score_multilabel
from classify.features import RuleOutputs
from classify.model import LearnedModel
from earmark.models import INTENT_PRECEDENCE, SENTIMENTS, UNSUPPORTED_LANGUAGE


def merge_intents(
    rules: Sequence[tuple[str, float]], learned: Sequence[tuple[str, float]], decided: set[str]
) -> list[str]:
    """Return the rules' intents with the model's decision for the intents it has heads for."""
    names = [name for name, _ in rules if name not in decided and name != "other"]
    names += [name for name, _ in learned if name not in names]
    rank = {intent: i for i, intent in enumerate(INTENT_PRECEDENCE)}
    names.sort(key=lambda name: rank.get(name, len(rank)))
    return names or ["other"]


def measure_file(path: Path, model: LearnedModel) -> dict:
    """Return the rules' and the model's metrics on one labeled file."""
    rows = list(load_labeled(path))
    classifier = Classifier(cache_size=1)
    texts = [row.text for row in rows]
    rule_sent, rule_int, outputs = [], [], []
    for text in texts:
        content = classifier.content(text)
        sentiment = "neutral" if content.sentiment == UNSUPPORTED_LANGUAGE else content.sentiment
        rule_sent.append(sentiment)
        rule_int.append(list(content.intents))
        outputs.append(
            RuleOutputs(
                content.compound, content.pos, content.neu, content.neg, sentiment, content.intents
            )
        )
    result: dict = {"file": str(path), "rows": len(rows), "model": model.identity}
    if rows and rows[0].sentiment:
        gold = [row.sentiment for row in rows]
        result["sentiment"] = {"rules": score_labels(gold, rule_sent, SENTIMENTS)["macro_f1"]}
        if "sentiment" in model.heads:
            learned = [label for label, _ in model.score_sentiment(texts, outputs)]
            result["sentiment"]["model"] = score_labels(gold, learned, SENTIMENTS)["macro_f1"]
    if rows and rows[0].intents:
        gold_int = [row.intents for row in rows]
        rules_only = [[name for name, _ in found] for found in rule_int]
        decided = set(model.intents)
        learned_int = model.score_intents(texts, outputs)
        merged = [merge_intents(r, m, decided) for r, m in zip(rule_int, learned_int, strict=True)]
        per_rules = score_multilabel(gold_int, rules_only)["per_class"]
        per_merged = score_multilabel(gold_int, merged)["per_class"]
        result["intents"] = {
            intent: {"rules": per_rules[intent]["f1"], "model": per_merged[intent]["f1"]}
            for intent in model.intents
            if intent in per_rules
        }
        primary = [g[0] for g in gold_int]
        result["primary"] = {
            "rules": score_labels(primary, [r[0] for r in rules_only])["macro_f1"],
            "rules+model": score_labels(primary, [m[0] for m in merged])["macro_f1"],
        }
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Print the measurements of each file, one line per metric, tab-separated."""
    parser = argparse.ArgumentParser(prog="python -m classify.model_eval")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    args = parser.parse_args(argv)
    try:
        model = LearnedModel.load(args.model)
        for path in args.files:
            result = measure_file(path, model)
            name = path.stem if path.parent.name != "intent" else f"intent/{path.stem}"
            for part in ("sentiment", "primary"):
                if part in result:
                    cells = "\t".join(f"{k}={v:.3f}" for k, v in result[part].items())
                    print(f"{name}\t{part} macro-F1\t{cells}")
            for intent, cells in result.get("intents", {}).items():
                text = "\t".join(f"{k}={v:.3f}" for k, v in cells.items())
                print(f"{name}\t{intent} F1\t{text}")
    except ClassifyError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
