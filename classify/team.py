"""Fit a team's own model from its labeled posts (`earmark train`); needs the `train` extra.

The features are the shipped model's (classify/features.py: hashed n-grams of the scoring text,
VADER's scores, the care rules' outputs), computed exactly as the classify stage computes them
with the team's settings (neutral terms, thresholds). Heads:

- `sentiment`: softmax logistic regression, if the labels have two sentiments or more;
- one sigmoid head per built-in intent with at least MIN_POSITIVES labeled posts (`other` is
  what is left when no head fires; a team's regex intents stay rules); `spam` from a `spam`
  column (1/0) when the labels have one.

Every setting is chosen by stratified k-fold cross-validation inside the labels given (never on
anything else), over the fixed grid of classify/team_grid.py: the model's n-gram family, each
head's dense families, C and class weighting, and how it combines with the rules. Each intent
head is calibrated (Platt scaling on its out-of-fold scores, folded into the weights, so the
stored probability is calibrated). A head is kept only where its cross-validated score beats the
rules' own score on the same labels. Same labels, same settings and same seed: the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classify import team_grid as grid
from classify.errors import ClassifyError
from classify.features import (
    DENSE_NAMES,
    FeatureSpec,
    Hasher,
    RuleOutputs,
    rule_outputs,
    to_dense,
)
from classify.intent import compile_rules, rules_key
from classify.model import LearnedModel
from classify.team_prior import fold, load_prior, prior_columns, unigram_buckets
from classify.text import compile_terms, to_scoring_text
from classify.training import assemble, model_meta
from earmark.models import INTENT_PRECEDENCE
from earmark.settings.classify import ClassifySettings

SEED = 21
MIN_POSITIVES = 5  # an intent with fewer labeled posts gets no head (the rules keep it)


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
    spams: list[bool] | None = None  # a `spam` column (1/0), when every row has one
    rank: dict[str, int] | None = None  # intents' precedence, the team's regex intents included


def prepare(rows, settings: ClassifySettings | None = None) -> Labeled:
    """Compute scoring texts and rule outputs of labeled rows (classify.evaluate.LabeledRow)."""
    settings = settings or ClassifySettings()
    terms = compile_terms(tuple(settings.neutral_terms))
    cleans, rules, sentiments, intents, spams = [], [], [], [], []
    digest = hashlib.sha256()
    for row in rows:
        text = row.text if isinstance(row.text, str) else str(row.text or "")
        clean = to_scoring_text(text, terms)
        cleans.append(clean)
        rules.append(rule_outputs(clean, settings))
        sentiments.append(row.sentiment)
        intents.append(row.intents)
        spam = getattr(row, "spam", None)
        spams.append(spam)
        labels = (text, row.sentiment, row.intents) + (() if spam is None else (spam,))
        digest.update(repr(labels).encode("utf-8", "surrogatepass"))
    return Labeled(
        cleans,
        rules,
        sentiments if all(sentiments) and sentiments else None,
        intents if all(intents) and intents else None,
        digest.hexdigest(),
        [bool(x) for x in spams] if spams and None not in spams else None,
        compile_rules(rules_key(settings.intents))[1],
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


def tasks_of(data: Labeled) -> list[grid.Task]:
    """The heads the labels allow: sentiment (two sentiments or more), and one per built-in
    intent with MIN_POSITIVES posts or more (`spam` from a spam column when there is one)."""
    tasks = []
    if data.sentiments is not None and len(set(data.sentiments)) > 1:
        rules = [rule.label for rule in data.rules]
        tasks.append(grid.Task("sentiment", "softmax", list(data.sentiments), rules))
    for intent in INTENT_PRECEDENCE:
        if intent == "spam" and data.spams is not None:
            positive = list(data.spams)
        elif intent != "other" and data.intents is not None:
            positive = [intent in labels for labels in data.intents]
        else:
            continue
        if not MIN_POSITIVES <= sum(positive) <= len(positive) - 2:
            continue
        found = [intent in dict(rule.intents) for rule in data.rules]
        tasks.append(
            grid.Task(
                intent,
                "sigmoid",
                ["1" if p else "0" for p in positive],
                ["1" if f else "0" for f in found],
            )
        )
    return tasks


def primary_task(data: Labeled, decided: dict[str, np.ndarray]) -> grid.Task | None:
    """The primary-intent head's task: gold = each post's first listed intent; what it competes
    with (`rules`) = the guide's precedence over the out-of-fold decisions of the intent heads
    (`decided`, by intent) and the rules' decisions for intents without a head. None when the
    labels have no intents or fewer than two primaries with MIN_POSITIVES posts."""
    if data.intents is None:
        return None
    gold = [labels[0] for labels in data.intents]
    if sum(gold.count(name) >= MIN_POSITIVES for name in set(gold)) < 2:
        return None
    rank = data.rank or {name: i for i, name in enumerate(INTENT_PRECEDENCE)}
    precedence = []
    for i, rule in enumerate(data.rules):
        found = {name for name, _ in rule.intents if name not in decided and name != "other"}
        found |= {name for name, column in decided.items() if column[i]}
        ordered = sorted(found, key=lambda name: rank.get(name, len(rank)))
        precedence.append(ordered[0] if ordered else "other")
    return grid.Task("primary", "softmax", gold, precedence, frozenset({"other"}))


def fit_team(
    data: Labeled,
    *,
    seed: int = SEED,
    name: str = "team",
    ngrams: dict[str, FeatureSpec] | None = None,
    dense: Sequence[str] = tuple(grid.DENSE),
    unsure: bool = True,
    gate: bool = True,
    score_choice: bool = False,
) -> LearnedModel:
    """Fit a team's model from prepared labels; every setting chosen by inner cross-validation
    on these labels (classify/team_grid.py). `ngrams`, `dense` and `unsure` narrow the grid, and
    `gate=False` keeps every head even where the rules score better (to measure one family:
    classify/team_report.py); `score_choice=True` records each head's selection_cv_score
    (classify/gate_report.py). `earmark train` uses all of the grid and the gate."""
    require_sklearn()
    from scipy import sparse
    from threadpoolctl import threadpool_limits

    tasks = tasks_of(data)
    if not tasks:
        raise ClassifyError(
            "train: nothing to learn; label at least two sentiments, or "
            f"{MIN_POSITIVES} posts of an intent"
        )
    # One BLAS thread: on matrices this small, more threads only wait for each other (measured
    # 20x slower on two busy cores).
    with threadpool_limits(1):
        families = {}
        prior = None
        for family, spec in (ngrams or grid.NGRAMS).items():
            full = to_matrix(data.cleans, data.rules, spec)
            if family == grid.SHIPPED:
                prior = load_prior(spec)
                if prior is None:  # no shipped model hashed this way: no such family
                    continue
                full = sparse.hstack([full, prior_columns(prior, data.cleans, data.rules)])
                full = full.tocsr()
            # Only the buckets some post uses are fitted (an unused column keeps weight 0
            # under the L2 penalty anyway); every dense column stays, at hashed + j, and the
            # shipped model's outputs after them.
            buckets = np.unique(full.indices[full.indices < spec.dim])
            if family == grid.SHIPPED:
                buckets = np.intersect1d(buckets, unigram_buckets(data.cleans, spec))
            used = np.concatenate([buckets, np.arange(spec.dim, full.shape[1])])
            families[family] = (spec, full.shape[1], used, full[:, used].tocsr(), len(buckets))
        search = grid.Search(tasks, seed, dense, unsure, score_choice)
        family, means = search.choose_ngrams({f: (v[3], v[4]) for f, v in families.items()})
        spec, width, used, matrix, hashed = families[family]
        heads, choices, thresholds, unsure, decided = [], {}, {}, {}, {}
        for task in tasks:
            chosen, head = _fit_head(search, task, matrix, hashed, family, gate)
            choices[task.name] = chosen
            if head is not None:
                heads.append(head)
                if "threshold" in chosen:
                    thresholds[task.name] = chosen["threshold"]
                if chosen["combine"] != "model":
                    unsure[task.name] = chosen.get("sure", chosen.get("band"))
                if task.kind == "sigmoid":
                    decided[task.name] = chosen["out_of_fold"]
        primary = primary_task(data, decided)
        if primary is not None:
            search.add(primary)
            chosen, head = _fit_head(search, primary, matrix, hashed, family, gate)
            choices[primary.name] = chosen
            if head is not None:
                heads.append(head)
                if chosen["combine"] != "model":
                    unsure[primary.name] = chosen["sure"]
        for chosen in choices.values():
            chosen.pop("out_of_fold", None)
    if heads:
        weights, dense, bias, head_meta = assemble(spec, heads, used, width)
        if family == grid.SHIPPED and prior is not None:
            weights, dense, bias = fold(prior, weights, dense, bias)
    else:  # the rules beat every head: a model that changes nothing, saying so
        weights, dense = np.zeros((spec.dim, 0)), np.zeros((len(DENSE_NAMES), 0))
        bias, head_meta = np.zeros(0), []
    training = {
        "seed": seed,
        "rows": len(data.cleans),
        "labels_sha256": data.digest,
        "ngrams_chosen_by_cross_validation": {"chosen": family, "mean_cv_score": means},
        # the shipped model whose outputs were features (folded into the weights)
        "prior": prior.identity if family == grid.SHIPPED and prior is not None else None,
        "chosen_by_cross_validation": choices,
    }
    meta = model_meta(name, spec, head_meta, thresholds, training)
    meta["rules_when_unsure"] = unsure
    return LearnedModel(
        weights.astype(np.float32), dense.astype(np.float32), bias.astype(np.float32), meta
    )


def _fit_head(
    search: grid.Search, task: grid.Task, matrix, hashed: int, family: str, gate: bool = True
):
    """Choose a head's settings by inner CV; fit it on every row when it beats the rules.
    Return (the choice, the head as assemble() takes it, or None when the rules decide)."""
    chosen = search.choose_head(task, matrix, hashed, family)
    chosen["out_of_fold"] = chosen.pop("decisions")  # what the primary head competes with
    if task.kind == "softmax":
        rules_score = grid.macro_f1(task.labels, task.rules)
    else:
        gold = np.asarray([label == "1" for label in task.labels])
        rules_score = grid.f1(gold, np.asarray([label == "1" for label in task.rules]))
    chosen["rules_score"] = round(rules_score, 4)
    # A head only where it beats the rules (their score needs no fitting: it is honest); the
    # primary head, where it beats the precedence over the other heads' out-of-fold decisions.
    if gate and chosen["cv_score"] <= chosen["rules_score"]:
        chosen["decides"] = "rules"
        return chosen, None
    chosen["decides"] = "model"
    dense = chosen["features"].removeprefix(f"{family}+")  # "vader+rules" has a "+" too
    columns = grid.columns_of(hashed, matrix.shape[1], dense)
    coef, intercept, classes = grid.fit_logistic(
        matrix[:, columns], task.labels, chosen["C"], chosen["class_weight"]
    )
    full = np.zeros((coef.shape[0], matrix.shape[1]))
    full[:, columns] = coef
    if task.kind == "softmax":
        if len(classes) == 2:  # one row for two classes: the softmax form has two
            full = np.vstack([-full[0] / 2, full[0] / 2])
            intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2])
        return chosen, (task.name, "softmax", classes, full, intercept)
    a, b = chosen["platt"]
    chosen["platt"] = [round(a, 6), round(b, 6)]
    return chosen, (task.name, "sigmoid", [task.name], full[:1] * a, intercept[:1] * a + b)


def train_file(
    labels, settings: ClassifySettings, out: str, *, seed: int = SEED, command: str = "train"
) -> tuple[LearnedModel, str, int]:
    """Fit a team's model from a labeled CSV (a path or an open text file) and write it to out,
    atomically (`earmark train`; `earmark demo --train`). Return (model, the file's sha256,
    number of labeled rows). Errors are one line starting with `command`."""
    import os

    from classify.errors import EvaluateError
    from classify.evaluate import load_labeled
    from classify.model import write_model

    try:
        rows = list(load_labeled(labels, extra_intents=[rule.name for rule in settings.intents]))
    except EvaluateError as error:
        raise ClassifyError(command + str(error).removeprefix("evaluate")) from None
    model = fit_team(prepare(rows, settings), seed=seed)
    partial = f"{out}.partial"
    try:
        digest = write_model(partial, model.weights, model.dense, model.bias, model.meta)
        os.replace(partial, out)
    except OSError as error:
        raise ClassifyError(f"{command}: cannot write {out}: {error.strerror}") from None
    return model, digest, len(rows)


def describe(model: LearnedModel) -> str:
    """One line: what a fitted model has learned (for `earmark train`'s message)."""
    training = model.meta["training"]
    parts = [f"n-grams {training['ngrams_chosen_by_cross_validation']['chosen']}"]
    for name, chosen in training["chosen_by_cross_validation"].items():
        who = "precedence kept" if name == "primary" else "rules kept"
        if chosen["decides"] == "model":
            who = f"model: {chosen['features']}, C={chosen['C']:g}"
            if chosen["combine"] != "model":
                who += ", rules when unsure"
        score, rules = chosen["cv_score"], chosen["rules_score"]
        versus = "precedence" if name == "primary" else "rules"
        parts.append(f"{name} {score:.2f} vs {versus} {rules:.2f} ({who})")
    return ", ".join(parts)
