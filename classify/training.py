"""Fit the learned layer with scikit-learn (the `train` extra); classify/model.py scores it.

    python -m classify.training shipped --train-dir ../shared/train --out classify/data/model.zip
    python -m classify.training cv --train-dir ../shared/train --task sentiment

`shipped` builds the default model from the licence-clean files of ../shared/train only (see
docs/model.md); `cv` measures a head by stratified k-fold cross-validation on its training data
(how every choice here was made: never on ../shared/eval). A team's own model is `earmark train`
(classify/team.py). Same data, same seed: same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classify.errors import ClassifyError
from classify.features import (
    DENSE_NAMES,
    FeatureSpec,
    Hasher,
    rule_outputs,
    to_clean,
    to_dense,
)
from classify.model import FORMAT, LearnedModel, write_model
from earmark.models import INTENT_PRECEDENCE

SEED = 21
DEFAULT_C = 4.0
# CLINC150 intents that are small talk, not a request expecting an answer (LABELING.md).
SMALL_TALK = frozenset({"greeting", "goodbye", "thank_you", "yes", "no", "maybe"})
# Only these files meet the bar for weights shipped in an Apache-2.0 package (docs/model.md).
SHIPPED_FILES = {
    "sentiment/goemotions_train.csv": "Apache-2.0",
    "intent/banking77_train.csv": "CC BY 4.0",
    "intent/clinc150_train.csv": "CC BY 3.0",
}
# Training rows equal to a ../shared/eval text once typographic quotes are folded ("I’m excited!"
# is "I'm excited!"), which ../shared/train's own de-duplication did not fold: left out of the
# shipped model. Found by tests/test_classify_model_data.py; listed by training id so that
# fitting never reads ../shared/eval.
EXCLUDED_IDS = frozenset({"eegx6r3", "eew5025"})
MIN_POSITIVES = 5  # a team's intent with fewer labeled posts gets no head


def require_sklearn():
    """Import scikit-learn or say how to install it."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ClassifyError(
            "train: scikit-learn is not installed; run `pip install 'earmark[train]'`"
        ) from None


def read_rows(path: Path, label_column: str) -> list[tuple[str, str]]:
    """Return (text, label) pairs of a training CSV, without EXCLUDED_IDS."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            (row["text"], row[label_column])
            for row in csv.DictReader(handle)
            if row.get("id") not in EXCLUDED_IDS
        ]


def sha256_file(path: Path) -> str:
    """Return the sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def to_matrix(texts: Sequence[str], spec: FeatureSpec, dense_rows=None):
    """Return the sparse feature matrix (hash buckets, then DENSE_NAMES) of texts."""
    from scipy import sparse

    indptr, indices, values = [0], [], []
    hasher = Hasher(spec)
    for i, text in enumerate(texts):
        clean = to_clean(text)
        buckets, value = hasher.hashed(clean)
        indices.extend(buckets)
        values.extend([value] * len(buckets))
        if spec.dense:
            row = dense_rows[i] if dense_rows is not None else to_dense(rule_outputs(clean))
            for j, x in enumerate(row):
                if x:
                    indices.append(spec.dim + j)
                    values.append(x)
        indptr.append(len(indices))
    shape = (len(texts), spec.dim + len(DENSE_NAMES))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(indices), np.asarray(indptr)),
        shape=shape,
    )


def dense_of(texts: Sequence[str]) -> list[list[float]]:
    """Return the rules' dense features of texts (computed once, shared by feature families)."""
    return [to_dense(rule_outputs(to_clean(text))) for text in texts]


def fit_linear(matrix, labels: Sequence[str], c: float, multiclass: bool):
    """Fit one logistic regression; return (coef rows, intercepts, class order).

    Only the columns some row uses are fitted (a column no row has keeps weight 0 under the L2
    penalty anyway): 500 labeled posts use a few thousand of the 2^18 buckets, and lbfgs then
    works on vectors that size instead of the full width.
    """
    from sklearn.linear_model import LogisticRegression

    used = np.unique(matrix.indices)
    model = LogisticRegression(C=c, max_iter=2000, solver="lbfgs")
    model.fit(matrix[:, used], list(labels))
    coef = np.zeros((model.coef_.shape[0], matrix.shape[1]))
    coef[:, used] = model.coef_
    return coef, model.intercept_, [str(x) for x in model.classes_]


def assemble(
    spec: FeatureSpec,
    heads: list[tuple[str, str, list[str], np.ndarray, np.ndarray]],
    used: np.ndarray | None = None,
    width: int = 0,
):
    """Stack fitted heads into (weights, dense, bias, head metadata).

    With `used`, each head's coefficients are over those columns only of a `width`-column
    matrix (the others get weight 0); without it, over every column.
    """
    columns, biases, meta = [], [], []
    for name, kind, labels, coef, intercept in heads:
        start = len(columns)
        columns.extend(coef)
        biases.extend(intercept)
        meta.append(
            {
                "name": name,
                "kind": kind,
                "labels": list(labels),
                "columns": list(range(start, start + len(labels))),
            }
        )
    stacked = np.asarray(columns, dtype=np.float64).T  # features x outputs
    if used is None:
        full = stacked
    else:
        full = np.zeros((width, len(columns)))
        full[used] = stacked
    return full[: spec.dim], full[spec.dim :], np.asarray(biases, dtype=np.float64), meta


def model_meta(
    name: str, spec: FeatureSpec, heads: list[dict], thresholds: dict, training: dict
) -> dict:
    """Return a fitted model's metadata (its meta.json): `heads` as assemble() returns them."""
    return {
        "format": FORMAT,
        "name": name,
        "features": spec.to_dict(),
        "dense_names": list(DENSE_NAMES),
        "heads": heads,
        "thresholds": thresholds,
        "training": training,
    }


def fit_sentiment(matrix, labels: Sequence[str], c: float):
    """Fit the softmax sentiment head; labels in SENTIMENTS order."""
    coef, intercept, classes = fit_linear(matrix, labels, c, True)
    if len(classes) == 2:  # sklearn gives one row for two classes: expand to softmax form
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2])
    return ("sentiment", "softmax", classes, coef, intercept)


def fit_binary(name: str, matrix, positive: Sequence[bool], c: float):
    """Fit a one-vs-rest sigmoid head whose single label is `name`."""
    coef, intercept, classes = fit_linear(matrix, ["1" if p else "0" for p in positive], c, False)
    return (name, "sigmoid", [name], coef[:1], intercept[:1])


def build_shipped(train_dir: Path, spec: FeatureSpec, c: float) -> tuple[LearnedModel, dict]:
    """Fit the default model from SHIPPED_FILES of `train_dir`."""
    require_sklearn()
    sentiment = read_rows(train_dir / "sentiment/goemotions_train.csv", "sentiment")
    requests = read_rows(train_dir / "intent/banking77_train.csv", "label") + read_rows(
        train_dir / "intent/clinc150_train.csv", "label"
    )
    texts = [t for t, _ in sentiment] + [t for t, _ in requests]
    dense = dense_of(texts) if spec.dense else None
    matrix = to_matrix(texts, spec, dense)
    n = len(sentiment)
    heads = [fit_sentiment(matrix[:n], [label for _, label in sentiment], c)]
    # `question`: a request that expects an answer (BANKING77/CLINC150 requests) against
    # statements and small talk (GoEmotions comments, CLINC150's small-talk intents).
    is_question = [False] * n + [label not in SMALL_TALK for _, label in requests]
    heads.append(fit_binary("question", matrix, is_question, c))
    weights, dense_w, bias, head_meta = assemble(spec, heads)
    training = {
        "seed": SEED,
        "C": c,
        "files": {
            name: {"sha256": sha256_file(train_dir / name), "licence": licence}
            for name, licence in SHIPPED_FILES.items()
        },
        "rows": len(texts),
        "excluded_ids": sorted(EXCLUDED_IDS),
    }
    meta = model_meta("earmark-default", spec, head_meta, {"question": 0.5}, training)
    return LearnedModel(weights, dense_w, bias, meta), meta


def fit_labels(texts, sentiments, intents, spec: FeatureSpec, c: float, name: str):
    """Fit a team's model: a sentiment head and one head per intent with enough labels."""
    require_sklearn()
    matrix = to_matrix(texts, spec, dense_of(texts) if spec.dense else None)
    heads = []
    if sentiments is not None and len(set(sentiments)) > 1:
        heads.append(fit_sentiment(matrix, sentiments, c))
    if intents is not None:
        for intent in INTENT_PRECEDENCE:
            positive = [intent in labels for labels in intents]
            if intent != "other" and MIN_POSITIVES <= sum(positive) < len(positive):
                heads.append(fit_binary(intent, matrix, positive, c))
    if not heads:
        raise ClassifyError("train: nothing to learn; label at least two sentiments or intents")
    weights, dense_w, bias, head_meta = assemble(spec, heads)
    thresholds = {h["name"]: 0.5 for h in head_meta if h["kind"] == "sigmoid"}
    meta = model_meta(name, spec, head_meta, thresholds, {"seed": SEED, "C": c, "rows": len(texts)})
    return LearnedModel(weights, dense_w, bias, meta)


def save(model: LearnedModel, path: Path) -> str:
    """Write a fitted model to `path`; return its sha256."""
    return write_model(path, model.weights, model.dense, model.bias, model.meta)


def folds(labels: Sequence[str], k: int):
    """Yield (train indices, test indices) of a stratified, seeded k-fold split."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    yield from splitter.split(np.zeros(len(labels)), list(labels))


def _families() -> dict[str, FeatureSpec]:
    return {
        "words": FeatureSpec(bigrams=False, dense=False),
        "words+bigrams": FeatureSpec(dense=False),
        "words+bigrams+rules": FeatureSpec(),
        "words+bigrams+chars3-5+rules": FeatureSpec(char_min=3, char_max=5),
        "rules": FeatureSpec(words=False, bigrams=False),
    }


def cv_task(train_dir: Path, task: str, k: int, c_values: Sequence[float], families) -> None:
    """Print k-fold macro-F1 (sentiment) or F1 (binary) per feature family and C."""
    require_sklearn()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    if task == "sentiment":
        rows = read_rows(train_dir / "sentiment/goemotions_train.csv", "sentiment")
    elif task == "spam":
        rows = read_rows(train_dir / "spam/youtube_spam_train.csv", "spam")
    else:
        neg = read_rows(train_dir / "sentiment/goemotions_train.csv", "sentiment")
        req = read_rows(train_dir / "intent/banking77_train.csv", "label") + read_rows(
            train_dir / "intent/clinc150_train.csv", "label"
        )
        rows = [(t, "0") for t, _ in neg] + [(t, "0" if x in SMALL_TALK else "1") for t, x in req]
    texts = [t for t, _ in rows]
    labels = [y for _, y in rows]
    dense = dense_of(texts)
    for family in families:
        spec = _families()[family]
        matrix = to_matrix(texts, spec, dense)
        for c in c_values:
            scores = []
            for train, test in folds(labels, k):
                model = LogisticRegression(C=c, max_iter=2000)
                model.fit(matrix[train], [labels[i] for i in train])
                predicted = model.predict(matrix[test])
                gold = [labels[i] for i in test]
                if task == "sentiment":
                    scores.append(f1_score(gold, predicted, average="macro"))
                else:
                    scores.append(f1_score(gold, predicted, pos_label="1"))
            print(
                f"{task}\t{family}\tC={c}\t{np.mean(scores):.3f} +/- {np.std(scores):.3f}",
                flush=True,
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the training script (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m classify.training")
    sub = parser.add_subparsers(dest="command", required=True)
    shipped = sub.add_parser("shipped", help="fit the default model from ../shared/train")
    shipped.add_argument("--train-dir", type=Path, default=Path("../shared/train"))
    shipped.add_argument("--out", type=Path, default=Path("classify/data/model.zip"))
    shipped.add_argument("--C", type=float, default=DEFAULT_C)
    cv = sub.add_parser("cv", help="cross-validate a head on its training data")
    cv.add_argument("--train-dir", type=Path, default=Path("../shared/train"))
    cv.add_argument("--task", choices=("sentiment", "question", "spam"), required=True)
    cv.add_argument("--folds", type=int, default=3)
    cv.add_argument("--C", type=float, nargs="+", default=[DEFAULT_C])
    cv.add_argument("--family", nargs="+", default=["words+bigrams+rules"], choices=_families())
    args = parser.parse_args(argv)
    try:
        if args.command == "shipped":
            model, _ = build_shipped(args.train_dir, FeatureSpec(), args.C)
            digest = save(model, args.out)
            print(f"{args.out}\t{digest}")
        elif args.command == "cv":
            cv_task(args.train_dir, args.task, args.folds, args.C, args.family)
    except (ClassifyError, OSError) as error:
        print(f"train: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
