"""Measure the classifier against a labeled CSV.

Files: `id,text,sentiment`, `id,text,intents` (`|`-separated, primary first),
`id,text,sentiment,intents`, or with a `spam` column (1/0: spam or not, scored as the `spam`
intent's F1). The CSV is streamed; only labels are kept in memory. With
`baseline="vader"` the same metrics are computed for stock VADER (compound cut at +/-0.05 on the
raw text; for intents: negative -> complaint, positive -> praise, else other).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from classify.errors import EvaluateError
from earmark.models import INTENTS, SENTIMENTS
from earmark.settings.classify import ClassifySettings

# Label spellings seen in public data sets that mean one of our intents.
INTENT_ALIASES = {"outage_bug": "outage", "bug": "outage"}
BASELINES = ("vader",)
SPAM_VALUES = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False}


@dataclass
class LabeledRow:
    """One labeled post: its line number in the file, text and gold labels."""

    line: int
    id: str
    text: str
    sentiment: str | None
    intents: list[str] | None
    spam: bool | None = None


def load_labeled(
    source: str | Path | TextIO, *, extra_intents: Iterable[str] = ()
) -> Iterator[LabeledRow]:
    """Stream rows of a labeled CSV, raising EvaluateError with the line of the first bad row."""
    if isinstance(source, (str, Path)):
        name = str(source)
        try:
            handle = open(source, newline="", encoding="utf-8")
        except OSError as error:
            raise EvaluateError(f"evaluate: cannot read {name}: {error.strerror}") from None
    else:
        name = _name(source)
        handle = source
    known = set(INTENTS) | set(extra_intents)
    try:
        reader = csv.reader(handle)
        try:
            header = [column.strip().lower() for column in next(reader)]
        except StopIteration:
            raise EvaluateError(
                f"evaluate: {name} is empty; expected a header id,text,..."
            ) from None
        except (csv.Error, UnicodeDecodeError) as error:
            raise EvaluateError(f"evaluate: {name} line 1: {error}") from None
        if "text" not in header or not {"sentiment", "intents", "spam"} & set(header):
            raise EvaluateError(
                f"evaluate: {name} line 1: header must be id,text,sentiment and/or intents "
                f"(or spam), got {','.join(header)}"
            )
        text_at = header.index("text")
        id_at = header.index("id") if "id" in header else None
        sentiment_at = header.index("sentiment") if "sentiment" in header else None
        intents_at = header.index("intents") if "intents" in header else None
        spam_at = header.index("spam") if "spam" in header else None
        width = len(header)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as error:
                raise EvaluateError(f"evaluate: {name} line {reader.line_num}: {error}") from None
            line = reader.line_num
            if not record:
                continue
            if len(record) != width:
                raise EvaluateError(
                    f"evaluate: {name} line {line}: expected {width} columns, got {len(record)}"
                )
            sentiment = None
            if sentiment_at is not None:
                sentiment = record[sentiment_at].strip().lower() or None
                if sentiment is not None and sentiment not in SENTIMENTS:
                    raise EvaluateError(
                        f"evaluate: {name} line {line}: unknown sentiment {sentiment!r} "
                        f"(use negative, neutral or positive)"
                    )
            intents = None
            if intents_at is not None:
                intents = [
                    INTENT_ALIASES.get(label.strip().lower(), label.strip().lower())
                    for label in record[intents_at].split("|")
                    if label.strip()
                ]
                unknown = [label for label in intents if label not in known]
                if unknown:
                    raise EvaluateError(
                        f"evaluate: {name} line {line}: unknown intent {unknown[0]!r} "
                        f"(use {', '.join(sorted(known))})"
                    )
                intents = intents or None
            spam = None
            if spam_at is not None and record[spam_at].strip():
                spam = SPAM_VALUES.get(record[spam_at].strip().lower())
                if spam is None:
                    raise EvaluateError(
                        f"evaluate: {name} line {line}: spam must be 1 or 0, "
                        f"got {record[spam_at].strip()!r}"
                    )
            row_id = record[id_at] if id_at is not None else str(line)
            yield LabeledRow(line, row_id, record[text_at], sentiment, intents, spam)
    finally:
        if isinstance(source, (str, Path)):
            handle.close()


def _macro_f1(per_class: dict, seen: set[str]) -> float:
    """Average F1 over the classes that occur in the gold labels or the predictions.

    A class neither labeled nor predicted (e.g. no positive rows in a small feedback export)
    says nothing about the classifier, so it does not pull the average down (as scikit-learn).
    """
    scores = [c["f1"] for label, c in per_class.items() if label in seen]
    return sum(scores) / len(scores) if scores else 0.0


def score_labels(
    gold: list[str], predicted: list[str], labels: Iterable[str] | None = None
) -> dict:
    """Return accuracy, macro-F1 (over gold classes), per-class P/R/F1 and a confusion matrix."""
    classes = list(labels) if labels is not None else sorted(set(gold))
    pairs = Counter(zip(gold, predicted, strict=True))
    per_class = {}
    for label in classes:
        tp = pairs[(label, label)]
        fp = sum(n for (g, p), n in pairs.items() if p == label and g != label)
        fn = sum(n for (g, p), n in pairs.items() if g == label and p != label)
        per_class[label] = _prf(tp, fp, fn)
    columns = classes + sorted({p for p in predicted if p not in classes})
    confusion = {g: {p: pairs[(g, p)] for p in columns} for g in classes}
    total = len(gold)
    correct = sum(n for (g, p), n in pairs.items() if g == p)
    return {
        "n": total,
        "accuracy": correct / total if total else 0.0,
        "macro_f1": _macro_f1(per_class, set(gold) | set(predicted)),
        "per_class": per_class,
        "labels": columns,
        "confusion": confusion,
    }


def score_multilabel(gold: list[list[str]], predicted: list[list[str]]) -> dict:
    """Return per-intent P/R/F1 over multi-label sets and their macro average (gold intents)."""
    classes = sorted({label for labels in gold for label in labels})
    per_class = {}
    for label in classes:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label not in p)
        per_class[label] = _prf(tp, fp, fn)
    exact = sum(1 for g, p in zip(gold, predicted, strict=True) if set(g) == set(p))
    return {
        "n": len(gold),
        "exact_match": exact / len(gold) if gold else 0.0,
        "macro_f1": sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0,
        "per_class": per_class,
    }


def _prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 and support from counts."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def _vader_intents(sentiment: str) -> list[str]:
    """The sentiment-only intent baseline: negative is a complaint, positive praise."""
    return {"negative": ["complaint"], "positive": ["praise"]}.get(sentiment, ["other"])


def evaluate_file(
    source: str | Path | TextIO,
    *,
    task: str | None = None,
    baseline: str | None = None,
    settings: ClassifySettings | None = None,
) -> dict:
    """Classify every row of a labeled CSV (`-` is stdin) and return metrics, with the baseline's"
    "."""
    from classify import Classifier
    from classify.sentiment import score_stock

    if baseline is not None and baseline not in BASELINES:
        raise EvaluateError(f"evaluate: unknown baseline {baseline!r}; use vader")
    if task not in (None, "sentiment", "intent"):
        raise EvaluateError(f"evaluate: unknown task {task!r}; use sentiment or intent")
    settings = settings or ClassifySettings()
    if isinstance(source, str) and source == "-":
        source = sys.stdin
    gold_sentiment: list[str] = []
    gold_intents: list[list[str]] = []
    ours_sentiment: list[str] = []
    ours_intents: list[list[str]] = []
    base_sentiment: list[str] = []
    base_intents: list[list[str]] = []
    gold_spam: list[bool] = []
    ours_spam: list[bool] = []
    rows = load_labeled(source, extra_intents=[rule.name for rule in settings.intents])
    classifier = Classifier(settings)  # with classify.model set: the rules plus that model
    count = 0
    for row in rows:
        result = classifier.classify(row.text)
        count += 1
        stock = score_stock(row.text, settings).label if baseline == "vader" else None
        if row.sentiment and task in (None, "sentiment"):
            gold_sentiment.append(row.sentiment)
            ours_sentiment.append(result.sentiment)
            if stock:
                base_sentiment.append(stock)
        if row.intents and task in (None, "intent"):
            gold_intents.append(row.intents)
            ours_intents.append(result.intent_names)
            if stock:
                base_intents.append(_vader_intents(stock))
        if row.spam is not None and task is None:
            gold_spam.append(row.spam)
            ours_spam.append("spam" in result.intent_names)
    if task == "sentiment" and not gold_sentiment:
        raise EvaluateError(f"evaluate: {_name(source)} has no sentiment labels")
    if task == "intent" and not gold_intents:
        raise EvaluateError(f"evaluate: {_name(source)} has no intent labels")
    labels = list(SENTIMENTS)
    sentiment = intents = None
    if gold_sentiment:
        sentiment = {"ours": score_labels(gold_sentiment, ours_sentiment, labels)}
        if baseline == "vader":
            sentiment["vader"] = score_labels(gold_sentiment, base_sentiment, labels)
    if gold_intents:
        intents = {"ours": _intent_metrics(gold_intents, ours_intents)}
        if baseline == "vader":
            intents["vader"] = _intent_metrics(gold_intents, base_intents)
    return {
        "file": _name(source),
        "rows": count,
        "classifier_version": classifier.version,
        "baseline": baseline,
        "sentiment": sentiment,
        "intents": intents,
        **({"spam": {"ours": _spam_metrics(gold_spam, ours_spam)}} if gold_spam else {}),
    }


def _spam_metrics(gold: list[bool], predicted: list[bool]) -> dict:
    """Precision, recall, F1 of `spam` (the spam column against the `spam` intent)."""
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    right = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {"n": len(gold), "accuracy": right / len(gold), **_prf(tp, fp, fn)}


def _name(source: str | Path | TextIO) -> str:
    """Name a source for messages: its path, or <stdin>."""
    if isinstance(source, (str, Path)):
        return str(source)
    return getattr(source, "name", "<stdin>")


def _intent_metrics(gold: list[list[str]], predicted: list[list[str]]) -> dict:
    """Primary-intent accuracy/macro-F1 plus per-intent multi-label P/R/F1."""
    primary_gold = [labels[0] for labels in gold]
    primary_pred = [labels[0] if labels else "other" for labels in predicted]
    classes = [name for name in INTENTS if name in set(primary_gold)]
    classes += sorted(set(primary_gold) - set(classes))
    return {
        "primary": score_labels(primary_gold, primary_pred, classes),
        "labels": score_multilabel(gold, predicted),
    }
