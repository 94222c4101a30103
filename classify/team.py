"""Fit a team's own model from its labeled posts (`earmark train`); needs the `train` extra.

The features are the shipped model's (classify/features.py: hashed word unigrams and bigrams of
the scoring text, VADER's scores, the care rules' outputs), computed exactly as the classify
stage computes them with the team's settings (neutral terms, thresholds). Heads:

- `sentiment`: softmax logistic regression, if the labels have two sentiments or more;
- one sigmoid head per built-in intent with at least MIN_POSITIVES labeled posts (`other` is
  what is left when no head fires; a team's regex intents stay rules).

Every setting is chosen by stratified k-fold cross-validation inside the labels given (never on
anything else): the regularisation C and class weighting of each head, then each intent head is
calibrated (Platt scaling on its out-of-fold scores, folded into the weights, so the stored
probability is calibrated) and gets the threshold that maximised its out-of-fold F1. Same labels,
same settings and same seed: the same bytes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classify.errors import ClassifyError
from classify.features import (
    DENSE_NAMES,
    FeatureSpec,
    Hasher,
    RuleOutputs,
    rule_outputs,
    to_dense,
)
from classify.model import LearnedModel
from classify.text import compile_terms, to_scoring_text
from classify.training import assemble, model_meta
from earmark.models import INTENT_PRECEDENCE
from earmark.settings.classify import ClassifySettings

SEED = 21
# Hashed word unigrams (no bigrams), VADER's scores and the rules' outputs. Chosen by 5-fold
# cross-validation of this pipeline on 1,000 SemEval tweets of ../shared/train (used to choose,
# never shipped): sentiment macro-F1 0.584 +/- 0.036 with bigrams and 0.584 +/- 0.036 without,
# and without them the model costs the classify stage about 40% less time (docs/model.md).
TEAM_FEATURES = FeatureSpec(bigrams=False)
MIN_POSITIVES = 5  # an intent with fewer labeled posts gets no head (the rules keep it)
INNER_FOLDS = 3
C_GRID = (0.25, 1.0, 4.0, 16.0)
WEIGHTINGS = (None, "balanced")
THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(15))  # 0.10 ... 0.80


def require_sklearn() -> None:
    """Import scikit-learn or say in one line how to install it."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ClassifyError(
            "train: scikit-learn is not installed; run `pip install 'earmark[train]'`"
        ) from None


@dataclass
class Labeled:
    """Labeled posts as the features see them: scoring texts, rule outputs and gold labels."""

    cleans: list[str]
    rules: list[RuleOutputs]
    sentiments: list[str] | None
    intents: list[list[str]] | None
    digest: str  # sha256 of the labels: stored in the model's provenance


def prepare(rows, settings: ClassifySettings | None = None) -> Labeled:
    """Compute scoring texts and rule outputs of labeled rows (classify.evaluate.LabeledRow)."""
    settings = settings or ClassifySettings()
    terms = compile_terms(tuple(settings.neutral_terms))
    cleans, rules, sentiments, intents = [], [], [], []
    digest = hashlib.sha256()
    for row in rows:
        text = row.text if isinstance(row.text, str) else str(row.text or "")
        clean = to_scoring_text(text, terms)
        cleans.append(clean)
        rules.append(rule_outputs(clean, settings))
        sentiments.append(row.sentiment)
        intents.append(row.intents)
        digest.update(repr((text, row.sentiment, row.intents)).encode("utf-8", "surrogatepass"))
    return Labeled(
        cleans,
        rules,
        sentiments if all(sentiments) and sentiments else None,
        intents if all(intents) and intents else None,
        digest.hexdigest(),
    )


def to_matrix(cleans: Sequence[str], rules: Sequence[RuleOutputs], spec: FeatureSpec):
    """Return the sparse feature matrix (hash buckets, then DENSE_NAMES) of scoring texts."""
    from scipy import sparse

    indptr, indices, values = [0], [], []
    hasher = Hasher(spec)
    for clean, rule in zip(cleans, rules, strict=True):
        buckets, value = hasher.hashed(clean)
        indices.extend(buckets)
        values.extend([value] * len(buckets))
        if spec.dense:
            for j, x in enumerate(to_dense(rule)):
                if x:
                    indices.append(spec.dim + j)
                    values.append(x)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(indices), np.asarray(indptr)),
        shape=(len(cleans), spec.dim + len(DENSE_NAMES)),
    )


def _fit(matrix, labels: Sequence[str], c: float, weighting: str | None):
    """Fit a logistic regression; return (coef, intercept, classes)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight=weighting, max_iter=2000)
    model.fit(matrix, list(labels))
    return model.coef_, model.intercept_, [str(x) for x in model.classes_]


def _inner_folds(labels: Sequence[str], seed: int):
    from sklearn.model_selection import StratifiedKFold

    smallest = min(labels.count(label) for label in set(labels))
    k = max(2, min(INNER_FOLDS, smallest))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), list(labels)))


def _choose_sentiment(matrix, labels: list[str], seed: int) -> dict:
    """Pick C and class weighting of the sentiment head by inner k-fold macro-F1."""
    from sklearn.metrics import f1_score

    splits = _inner_folds(labels, seed)
    best: dict = {}
    for weighting in WEIGHTINGS:
        for c in C_GRID:
            predicted = [""] * len(labels)
            for train, test in splits:
                coef, intercept, classes = _fit(
                    matrix[train], [labels[i] for i in train], c, weighting
                )
                scores = matrix[test] @ coef.T + intercept
                if len(classes) == 2:
                    scores = np.column_stack([-scores[:, 0], scores[:, 0]])
                for i, j in zip(test, scores.argmax(axis=1), strict=True):
                    predicted[i] = classes[j]
            score = float(f1_score(labels, predicted, average="macro"))
            if not best or score > best["cv_macro_f1"] + 1e-9:
                best = {"C": c, "class_weight": weighting, "cv_macro_f1": round(score, 4)}
    return best


def _choose_binary(matrix, positive: list[bool], seed: int) -> dict:
    """Pick C, class weighting, Platt calibration and threshold of an intent head (inner CV)."""
    labels = ["1" if p else "0" for p in positive]
    gold = np.asarray(positive)
    splits = _inner_folds(labels, seed)
    best: dict = {}
    for weighting in WEIGHTINGS:
        for c in C_GRID:
            margin = np.zeros(len(labels))
            for train, test in splits:
                coef, intercept, _ = _fit(matrix[train], [labels[i] for i in train], c, weighting)
                margin[test] = (matrix[test] @ coef[0]) + intercept[0]
            a, b = _platt(margin, gold)
            probability = 1.0 / (1.0 + np.exp(-(a * margin + b)))
            for threshold in THRESHOLDS:
                f1 = _f1(gold, probability >= threshold)
                if not best or f1 > best["cv_f1"] + 1e-9:
                    best = {
                        "C": c,
                        "class_weight": weighting,
                        "platt": (a, b),
                        "threshold": threshold,
                        "cv_f1": round(f1, 4),
                    }
    return best


def _platt(margin: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a * margin + b) to out-of-fold margins (Platt scaling)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(margin.reshape(-1, 1), gold.astype(int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    tp = int(np.sum(gold & predicted))
    fp = int(np.sum(~gold & predicted))
    fn = int(np.sum(gold & ~predicted))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_team(
    data: Labeled, *, seed: int = SEED, spec: FeatureSpec | None = None, name: str = "team"
) -> LearnedModel:
    """Fit a team's model from prepared labels; settings chosen by inner cross-validation."""
    require_sklearn()
    from threadpoolctl import threadpool_limits

    spec = spec or TEAM_FEATURES
    full = to_matrix(data.cleans, data.rules, spec)
    # Only the columns some post uses are fitted (a column no post has keeps weight 0 under the
    # L2 penalty anyway): a few thousand of the 2^18 buckets. One BLAS thread: on matrices this
    # small, more threads only wait for each other (measured 20x slower on two busy cores).
    used = np.unique(full.indices)
    with threadpool_limits(1):
        heads, choices, thresholds = _fit_heads(full[:, used].tocsr(), data, seed)
    if not choices:
        raise ClassifyError(
            "train: nothing to learn; label at least two sentiments, or "
            f"{MIN_POSITIVES} posts of an intent"
        )
    weights, dense, bias, head_meta = assemble(spec, heads, used, full.shape[1])
    training = {
        "seed": seed,
        "rows": len(data.cleans),
        "labels_sha256": data.digest,
        "chosen_by_cross_validation": choices,
    }
    meta = model_meta(name, spec, head_meta, thresholds, training)
    return LearnedModel(
        weights.astype(np.float32), dense.astype(np.float32), bias.astype(np.float32), meta
    )


def _fit_heads(matrix, data: Labeled, seed: int):
    """Fit every head the labels allow; return (heads, choices, thresholds)."""
    from sklearn.metrics import f1_score

    heads: list[tuple[str, str, list[str], np.ndarray, np.ndarray]] = []
    choices: dict[str, dict] = {}
    thresholds: dict[str, float] = {}
    sentiments = data.sentiments
    if sentiments is not None and len(set(sentiments)) > 1:
        chosen = _choose_sentiment(matrix, sentiments, seed)
        rules = [rule.label for rule in data.rules]
        chosen["rules_macro_f1"] = round(float(f1_score(sentiments, rules, average="macro")), 4)
        # A head only where it beats the rules (their score needs no fitting: it is honest).
        if chosen["cv_macro_f1"] > chosen["rules_macro_f1"]:
            coef, intercept, classes = _fit(matrix, sentiments, chosen["C"], chosen["class_weight"])
            if len(classes) == 2:  # one row for two classes: the softmax form has two
                coef = np.vstack([-coef[0] / 2, coef[0] / 2])
                intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2])
            heads.append(("sentiment", "softmax", classes, coef, intercept))
        choices["sentiment"] = {**chosen, "decides": "model" if heads else "rules"}
    for intent in INTENT_PRECEDENCE if data.intents is not None else ():
        positive = [intent in labels for labels in data.intents or []]
        if intent == "other" or not MIN_POSITIVES <= sum(positive) <= len(positive) - 2:
            continue
        chosen = _choose_binary(matrix, positive, seed)
        a, b = chosen.pop("platt")
        found = np.asarray([intent in dict(rule.intents) for rule in data.rules])
        chosen["rules_f1"] = round(_f1(np.asarray(positive), found), 4)
        if chosen["cv_f1"] > chosen["rules_f1"]:
            labels = ["1" if p else "0" for p in positive]
            coef, intercept, _ = _fit(matrix, labels, chosen["C"], chosen["class_weight"])
            heads.append((intent, "sigmoid", [intent], coef[:1] * a, intercept[:1] * a + b))
            thresholds[intent] = chosen["threshold"]
            chosen["decides"] = "model"
        else:
            chosen["decides"] = "rules"
        choices[intent] = {**chosen, "platt": [round(a, 6), round(b, 6)]}
    return heads, choices, thresholds


def describe(model: LearnedModel) -> str:
    """One line: what a fitted model has learned (for `earmark train`'s message)."""
    parts = []
    for name, chosen in model.meta["training"]["chosen_by_cross_validation"].items():
        score = chosen.get("cv_macro_f1", chosen.get("cv_f1", math.nan))
        rules = chosen.get("rules_macro_f1", chosen.get("rules_f1", math.nan))
        who = "model" if chosen["decides"] == "model" else "rules kept"
        parts.append(f"{name} {score:.2f} vs rules {rules:.2f} ({who})")
    return ", ".join(parts)
