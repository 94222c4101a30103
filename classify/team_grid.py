"""Model selection for a team's model (`earmark train`): a small fixed grid, by inner CV only.

Everything here is chosen by stratified k-fold cross-validation inside the labels given (seeded,
deterministic), never by any other data. The grid, fixed in advance:

1. the hashed n-gram family of the whole model (one hashing per post serves every head):
   word unigrams; + word bigrams; word unigrams + the shipped model's outputs (hashed with
   bigrams, as the shipped model is); + character 3-5-grams. Each is scored with every head at
   its default settings; a costlier family is taken only when it beats every cheaper one by
   more than MARGIN on the mean over heads (the classify stage pays for it on every post), one
   of the same cost when it scores higher;
2. per head: the dense families (VADER's scores, the care rules' outputs, both or neither), the
   regularisation C and class weighting;
3. per head, how it combines with the rules: for sentiment, the model's label, or the rules'
   label when the model's top probability is below SURE; for an intent, the model decides at a
   threshold, or the model decides when its (Platt-calibrated) probability is clearly above or
   below the threshold and the rules' decision stands in the band between (BANDS);
4. the primary intent (classify/team.py): the labeling guide's precedence over the decided
   intents, or a softmax head over the labeled primaries (first listed), with the precedence
   standing when it says `other` or, if so chosen, when it is unsure (SURE). Its inner-CV score
   is compared with the precedence's on the same out-of-fold decisions of the other heads.

Ties go to the simpler or cheaper option (the order of each grid).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classify.features import DENSE_NAMES, FeatureSpec

INNER_FOLDS = 3
SHIPPED = "words+shipped"
NGRAMS = {  # cheapest first
    "words": FeatureSpec(bigrams=False),
    "words+bigrams": FeatureSpec(bigrams=True),
    # word unigrams + the shipped model's outputs, folded into the weights: hashed as the
    # shipped model is, words and bigrams (classify/team_prior.py)
    SHIPPED: FeatureSpec(bigrams=True),
    "words+chars3-5": FeatureSpec(bigrams=False, char_min=3, char_max=5),
}
COST = {"words": 0, "words+bigrams": 1, SHIPPED: 1, "words+chars3-5": 2}  # in the stage
MARGIN = 0.01  # what a costlier n-gram family must gain (mean inner-CV score over heads)
_VADER = tuple(i for i, name in enumerate(DENSE_NAMES) if name.startswith("vader:"))
_RULES = tuple(i for i, name in enumerate(DENSE_NAMES) if name.startswith("rules:"))
DENSE = {"vader+rules": _VADER + _RULES, "vader": _VADER, "rules": _RULES, "none": ()}
DEFAULT = ("vader+rules", 1.0, None)  # settings the n-gram families are compared at (dense:
# the first family compared)
C_GRID = (0.25, 1.0, 4.0, 16.0)
WEIGHTINGS = (None, "balanced")
THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(15))  # 0.10 ... 0.80
BANDS = (0.1, 0.2)  # half-widths of the band where the rules decide an intent
SURE = (0.5, 0.6, 0.7)  # below this top probability, the rules' sentiment stands


@dataclass
class Task:
    """One head to fit: softmax over labels (sentiment) or one-vs-rest (an intent)."""

    name: str
    kind: str  # "softmax" or "sigmoid"
    labels: list[str]  # gold per row ("1"/"0" for a sigmoid head)
    rules: list[str]  # the rules' decision per row, in the same terms
    defer: frozenset[str] = frozenset()  # a softmax head's labels that leave the rules' label


def fit_logistic(matrix, labels: Sequence[str], c: float, weighting: str | None):
    """Fit a logistic regression; return (coef, intercept, classes)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight=weighting, max_iter=2000)
    model.fit(matrix, list(labels))
    return model.coef_, model.intercept_, [str(x) for x in model.classes_]


def inner_folds(labels: Sequence[str], seed: int):
    """Stratified, seeded folds of the labels (fewer when a class is rarer than INNER_FOLDS;
    a class of one post is left out of that count: it is in one fold only, whatever k is)."""
    import warnings

    from sklearn.model_selection import StratifiedKFold

    counts = [labels.count(label) for label in set(labels)]
    smallest = min([count for count in counts if count > 1] or [2])
    k = max(2, min(INNER_FOLDS, smallest))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "the least populated class has only 1 member"
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(labels)), list(labels)))


def columns_of(hashed: int, width: int, dense: str) -> np.ndarray:
    """Columns of a [hashed | dense | shipped outputs] matrix a head uses with dense family
    `dense` (the shipped model's outputs, where the family has them, always)."""
    picked = [hashed + j for j in DENSE[dense] if hashed + j < width]
    picked += range(hashed + len(DENSE_NAMES), width)
    return np.concatenate([np.arange(hashed), np.asarray(picked, dtype=np.int64)])


def f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    """F1 of boolean arrays (0 when nothing is right)."""
    tp = int(np.sum(gold & predicted))
    fp = int(np.sum(~gold & predicted))
    fn = int(np.sum(gold & ~predicted))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 over the classes that occur in gold (as evaluate scores it: a class only ever
    predicted costs through the precision of the others)."""
    gold_a, pred_a = np.asarray(gold), np.asarray(predicted)
    return float(np.mean([f1(gold_a == c, pred_a == c) for c in sorted(set(gold))]))


class Search:
    """The inner cross-validation of one set of labels: out-of-fold scores, cached per setting."""

    def __init__(
        self,
        tasks: list[Task],
        seed: int,
        dense: Sequence[str] = tuple(DENSE),
        unsure: bool = True,
        score_choice: bool = False,
    ):
        self.tasks = tasks
        self.seed = seed
        self.dense = tuple(dense)  # the dense families compared (narrowed to measure one)
        self.unsure = unsure  # whether "rules when unsure" is among the combinations
        self.score_choice = score_choice  # add selection_cv_score to each head (gate_report)
        self.splits = {task.name: inner_folds(task.labels, seed) for task in tasks}
        self._cache: dict[tuple, dict] = {}
        self._margins: dict[tuple, tuple[np.ndarray, list[str]]] = {}  # out-of-fold, per setting

    def add(self, task: Task) -> None:
        """Add a head to search once the others are chosen (the primary: classify/team.py)."""
        self.tasks.append(task)
        self.splits[task.name] = inner_folds(task.labels, self.seed)

    def evaluate(self, task: Task, matrix, hashed: int, setting: tuple, family: str) -> dict:
        """Score one (dense, C, weighting) setting of a head by inner CV, with its best way of
        combining with the rules; return the choice (settings, score, what stands in)."""
        key = (task.name, family, setting)
        if key in self._cache:
            return self._cache[key]
        dense, c, weighting = setting
        sub = matrix[:, columns_of(hashed, matrix.shape[1], dense)].tocsr()
        n = len(task.labels)
        classes = sorted(set(task.labels))
        # a class missing from a training fold can never be predicted in its test fold
        margins = np.full((n, len(classes) if task.kind == "softmax" else 1), -1e9)
        for train, test in self.splits[task.name]:
            coef, intercept, present = fit_logistic(
                sub[train], [task.labels[i] for i in train], c, weighting
            )
            scores = np.asarray(sub[test] @ coef.T) + intercept
            if task.kind == "sigmoid":
                margins[test] = scores
                continue
            if len(present) == 2:  # one margin for two classes: the softmax form has two
                scores = np.column_stack([-scores[:, 0] / 2, scores[:, 0] / 2])
            for j, label in enumerate(present):
                margins[test, classes.index(label)] = scores[:, j]
        self._margins[key] = (margins, classes)
        chosen = _combine(task, margins, classes, self.unsure)
        chosen = {"features": f"{family}+{dense}", "C": c, "class_weight": weighting, **chosen}
        self._cache[key] = chosen
        return chosen

    def selection_score(self, task: Task, family: str, settings: list[tuple]) -> float:
        """Score the choice itself by inner CV: for each inner fold, the setting and way of
        combining that score best on the other folds' rows (their out-of-fold margins) decide
        that fold's rows. The best setting's cv_score is the maximum over the whole grid on
        the same rows, so it flatters the model; this does not (`python -m
        classify.gate_report`, docs/model.md). Stored with each head; the gate uses cv_score,
        which on ../shared/train picked heads as well or better (same report), so it is
        computed only when asked (score_choice: a fifth of the training time)."""
        decisions: list = [None] * len(task.labels)
        for train, test in self.splits[task.name]:
            inner, outer = _rows_of(task, train), _rows_of(task, test)
            best: tuple[dict, tuple] | None = None
            for setting in settings:
                margins, classes = self._margins[(task.name, family, setting)]
                chosen = _combine(inner, margins[train], classes, self.unsure)
                if best is None or chosen["cv_score"] > best[0]["cv_score"] + 1e-9:
                    best = (chosen, setting)
            assert best is not None
            margins, classes = self._margins[(task.name, family, best[1])]
            for i, decided in zip(
                test, _decide(best[0], outer, margins[test], classes), strict=True
            ):
                decisions[i] = decided
        if task.kind == "softmax":
            return macro_f1(task.labels, decisions)
        gold = np.asarray([label == "1" for label in task.labels])
        return f1(gold, np.asarray(decisions, dtype=bool))

    def choose_ngrams(self, matrices: dict) -> tuple[str, dict[str, float]]:
        """Pick the model's n-gram family (see the module docstring); return it and each
        family's mean inner-CV score over the heads at DEFAULT settings."""
        means = {}
        for family, (matrix, hashed) in matrices.items():
            scores = [
                self.evaluate(task, matrix, hashed, (self.dense[0], *DEFAULT[1:]), family)[
                    "cv_score"
                ]
                for task in self.tasks
            ]
            means[family] = round(float(np.mean(scores)), 4)
        best = next(iter(means))
        for family, score in means.items():
            costlier = COST.get(family, 0) > COST.get(best, 0)
            if score > means[best] + (MARGIN if costlier else 0.0):
                best = family
        return best, means

    def choose_head(self, task: Task, matrix, hashed: int, family: str) -> dict:
        """Pick a head's dense families, C and weighting (and combination) by inner CV; with
        score_choice, add the choice's own inner-CV score (selection_score)."""
        best: dict = {}
        settings = []
        for dense in self.dense:
            for weighting in WEIGHTINGS:
                for c in C_GRID:
                    settings.append((dense, c, weighting))
                    chosen = self.evaluate(task, matrix, hashed, settings[-1], family)
                    if not best or chosen["cv_score"] > best["cv_score"] + 1e-9:
                        best = chosen
        best = dict(best)
        if self.score_choice:
            best["selection_cv_score"] = round(self.selection_score(task, family, settings), 4)
        return best


def _rows_of(task: Task, rows) -> Task:
    """The task on some rows only."""
    return dataclasses.replace(
        task, labels=[task.labels[i] for i in rows], rules=[task.rules[i] for i in rows]
    )


def _combine(task: Task, margins: np.ndarray, classes: list[str], unsure: bool) -> dict:
    if task.kind == "softmax":
        return _combine_softmax(task, margins, classes, unsure)
    return _combine_binary(task, margins[:, 0], unsure)


def _decide(chosen: dict, task: Task, margins: np.ndarray, classes: list[str]) -> list:
    """Apply a combination _combine chose (on other rows) to the task's rows' margins."""
    if task.kind == "sigmoid":
        a, b = chosen["platt"]
        probability = 1.0 / (1.0 + np.exp(-(a * margins[:, 0] + b)))
        rules = np.asarray([label == "1" for label in task.rules])
        return list(_present(probability, rules, chosen["threshold"], chosen.get("band")))
    return _labels(task, _softmax(margins), classes, chosen.get("sure", 0.0))


def _softmax(margins: np.ndarray) -> np.ndarray:
    z = np.exp(margins - margins.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _labels(task: Task, probability: np.ndarray, classes: list[str], sure: float) -> list[str]:
    """The model's label per row, or the rules' where it is in task.defer or the model's top
    probability is below `sure`."""
    top = probability.max(axis=1)
    return [
        r if classes[j] in task.defer or t < sure else classes[j]
        for j, t, r in zip(probability.argmax(axis=1), top, task.rules, strict=True)
    ]


def _present(probability: np.ndarray, rules: np.ndarray, threshold: float, band) -> np.ndarray:
    """An intent per row: at the threshold, or with a band (low, high), the model's decision
    outside it and the rules' inside it."""
    if band is None:
        return probability >= threshold
    low, high = band
    return (probability >= high) | ((probability >= low) & (probability < high) & rules)


def _combine_softmax(task: Task, margins: np.ndarray, classes: list[str], unsure: bool) -> dict:
    """Best of: the model's label; the rules' label below a top probability in SURE. A label
    in task.defer leaves the rules' label. `decisions`: the chosen way's labels, per row."""
    probability = _softmax(margins)
    decided = _labels(task, probability, classes, 0.0)
    best = {"combine": "model", "cv_score": macro_f1(task.labels, decided), "decisions": decided}
    for sure in SURE if unsure else ():
        mixed = _labels(task, probability, classes, sure)
        score = macro_f1(task.labels, mixed)
        if score > best["cv_score"] + 1e-9:
            best = {"combine": "rules when unsure", "sure": sure, "cv_score": score}
            best["decisions"] = mixed
    best["cv_score"] = round(best["cv_score"], 4)
    return best


def _combine_binary(task: Task, margin: np.ndarray, unsure: bool) -> dict:
    """Platt-calibrate out-of-fold margins; best threshold, alone or with a band for the rules."""
    gold = np.asarray([label == "1" for label in task.labels])
    rules = np.asarray([label == "1" for label in task.rules])
    a, b = platt(margin, gold)
    probability = 1.0 / (1.0 + np.exp(-(a * margin + b)))
    best: dict = {}
    for threshold in THRESHOLDS:
        decided = _present(probability, rules, threshold, None)
        score = f1(gold, decided)
        if not best or score > best["cv_score"] + 1e-9:
            best = {"combine": "model", "threshold": threshold, "cv_score": score}
            best["decisions"] = decided
    for half in BANDS if unsure else ():
        for threshold in THRESHOLDS:
            low, high = round(threshold - half, 2), round(threshold + half, 2)
            decided = _present(probability, rules, threshold, (low, high))
            score = f1(gold, decided)
            if score > best["cv_score"] + 1e-9:
                best = {
                    "combine": "rules when unsure",
                    "threshold": threshold,
                    "band": [low, high],
                    "cv_score": score,
                    "decisions": decided,
                }
    best["cv_score"] = round(best["cv_score"], 4)
    best["platt"] = [a, b]
    return best


def platt(margin: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a * margin + b) to out-of-fold margins (Platt scaling)."""
    from sklearn.linear_model import LogisticRegression

    if gold.all() or not gold.any():
        return 1.0, 0.0
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(margin.reshape(-1, 1), gold.astype(int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])
