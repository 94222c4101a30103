"""The learned layer at classify time: load a model file and score texts with numpy only.

A model file is a zip (deflated, fixed timestamps, so the same weights give the same bytes)
holding `meta.json` (feature spec, heads, training provenance), `weights.npy` (hash buckets x
outputs), `dense.npy` (dense features x outputs) and `bias.npy`. Heads are linear: `softmax`
heads give one probability per label (sentiment), `sigmoid` heads one probability each
(one-vs-rest intents). scikit-learn is needed only to fit one (classify/training.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from operator import mul
from pathlib import Path

import numpy as np

from classify.errors import ClassifyError
from classify.features import (
    DENSE_NAMES,
    FeatureSpec,
    Hasher,
    RuleOutputs,
    rule_outputs,
    to_bucket,
    to_clean,
    to_dense,
    to_hashed,
    to_ngrams,
)
from earmark.models import INTENT_PRECEDENCE

FORMAT = 1
SHIPPED_NAME = "model.zip"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_ARRAYS = ("weights", "dense", "bias")


class ModelError(ClassifyError):
    """Raised for a model file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Head:
    """One decision of the model: its kind, its labels and their output columns."""

    name: str
    kind: str  # "softmax" or "sigmoid"
    labels: tuple[str, ...]
    columns: tuple[int, ...]


def shipped_model_path() -> Path:
    """Return the path of the model shipped in the package (classify/data/model.zip)."""
    return Path(str(resources.files("classify") / "data" / SHIPPED_NAME))


def write_model(
    path: str | Path,
    weights: np.ndarray,
    dense: np.ndarray,
    bias: np.ndarray,
    meta: dict,
) -> str:
    """Write a model file byte-for-byte reproducibly; return its sha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entries = {"meta.json": json.dumps(meta, indent=1, sort_keys=True).encode("utf-8")}
        for name, array in zip(_ARRAYS, (weights, dense, bias), strict=True):
            data = io.BytesIO()
            np.save(data, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
            entries[f"{name}.npy"] = data.getvalue()
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    payload = buffer.getvalue()
    Path(path).write_bytes(payload)
    return hashlib.sha256(payload).hexdigest()


def check_model_file(path: str | Path) -> None:
    """Raise ModelError unless `path` is a readable model file (its metadata only: cheap)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("meta.json"))
            names = set(archive.namelist())
    except OSError as error:
        raise ModelError(
            f"cannot read {path}: {error.strerror}; write one with `earmark train`"
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ModelError(
            f"{path} is not an earmark model file ({error}); write one with `earmark train`"
        ) from None
    missing = [f"{name}.npy" for name in _ARRAYS if f"{name}.npy" not in names]
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or missing:
        raise ModelError(
            f"{path} is not an earmark model file of format {FORMAT}; "
            "write one with `earmark train`"
        )


class LearnedModel:
    """A linear model over classify.features: sentiment and intent probabilities per text."""

    def __init__(
        self,
        weights: np.ndarray,
        dense: np.ndarray,
        bias: np.ndarray,
        meta: dict,
        identity: str = "unsaved",
    ):
        self.weights = weights
        self.dense = dense
        self.bias = bias
        self.meta = meta
        self.spec = FeatureSpec.from_dict(meta["features"])
        self.heads = {
            head["name"]: Head(
                head["name"], head["kind"], tuple(head["labels"]), tuple(head["columns"])
            )
            for head in meta["heads"]
        }
        self.thresholds = {name: float(v) for name, v in meta.get("thresholds", {}).items()}
        # Name and the first 12 hex digits of the file's sha256: stored with each result.
        self.identity = identity
        self._hasher = Hasher(self.spec)
        # the weights with one zero row appended (the batch path, logits), made on first use:
        # the classify stage never needs this second copy (18 MB for a model with 18 outputs)
        self._zero = self.spec.dim
        self._padded: np.ndarray | None = None
        self._bias_list = [float(x) for x in bias]
        # the per-post path's rows (logits_one), made on first use
        self._rows: dict[int, array] | None = None
        self._dense_columns: list[tuple[float, ...]] = []

    def logits_one(self, clean: str, rules: RuleOutputs, lowered: str | None = None) -> list[float]:
        """Return the output scores of one scoring text (the classify stage's per-post path).

        Plain Python over the model's non-zero rows: a team model fitted on a few thousand
        posts has weights in some thousands of the 2^18 buckets, and for one post a handful of
        numpy calls cost more than the arithmetic (measured: 2-3x slower).
        """
        if self._rows is None:
            self._rows, self._dense_columns = self._sparse_rows()
        found = self._hasher.buckets(clean, lowered)
        # C loops throughout (map, zip, sum): per post, Python-level loops cost more than the
        # arithmetic
        hit = list(filter(None, map(self._rows.get, found)))
        if hit:
            scale = 1.0 / math.sqrt(len(found))
            z = [
                b + s * scale
                for b, s in zip(self._bias_list, map(sum, zip(*hit, strict=True)), strict=True)
            ]
        else:
            z = list(self._bias_list)
        if self.spec.dense:
            x = to_dense(rules)
            z = [
                v + sum(map(mul, x, column))
                for v, column in zip(z, self._dense_columns, strict=True)
            ]
        return z

    def _sparse_rows(self) -> tuple[dict[int, array], list[tuple[float, ...]]]:
        """Return {bucket: weights} of the non-zero rows and the dense weights' columns (one per
        output), as Python floats. A row is an array of doubles, not a tuple of floats: a team
        model started from the shipped one has non-zero weights in some 165,000 buckets: 13 MB
        this way, 90 MB as tuples (measured), at about the same speed per post."""
        nonzero = np.flatnonzero(self.weights.any(axis=1))  # no buckets x outputs temporary
        values = self.weights[nonzero].astype(np.float64)
        rows = {
            bucket: array("d", row) for bucket, row in zip(nonzero.tolist(), values, strict=True)
        }
        return rows, [tuple(column) for column in self.dense.T.astype(float).tolist()]

    @classmethod
    def load(cls, path: str | Path | None = None) -> LearnedModel:
        """Load a model file (the shipped one when `path` is None)."""
        path = Path(path) if path is not None else shipped_model_path()
        try:
            payload = path.read_bytes()
        except OSError as error:
            raise ModelError(f"model: cannot read {path}: {error.strerror}") from None
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                meta = json.loads(archive.read("meta.json"))
                arrays = [
                    np.load(io.BytesIO(archive.read(f"{name}.npy")), allow_pickle=False)
                    for name in _ARRAYS
                ]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise ModelError(
                f"model: {path} is not an earmark model file ({error}); "
                "write one with `python -m classify.training`"
            ) from None
        if meta.get("format") != FORMAT:
            raise ModelError(
                f"model: {path} has format {meta.get('format')!r}, this earmark reads {FORMAT}; "
                "retrain it with this version"
            )
        weights, dense, bias = arrays
        outputs = bias.shape[0]
        spec = FeatureSpec.from_dict(meta.get("features", {}))
        if weights.shape != (spec.dim, outputs) or dense.shape != (len(DENSE_NAMES), outputs):
            raise ModelError(f"model: {path} has weights of the wrong shape; retrain it")
        digest = hashlib.sha256(payload).hexdigest()[:12]
        return cls(weights, dense, bias, meta, identity=f"{meta.get('name', path.stem)}@{digest}")

    @property
    def intents(self) -> tuple[str, ...]:
        """Return the intents this model has a one-vs-rest head for."""
        return tuple(head.labels[0] for head in self.heads.values() if head.kind == "sigmoid")

    def logits(
        self,
        texts: Sequence[str],
        rules: Sequence[RuleOutputs] | None = None,
        *,
        cleaned: bool = False,
    ) -> np.ndarray:
        """Return every output's linear score (texts x outputs), before softmax or sigmoid;
        `rules` and `cleaned` as in score()."""
        hasher = self._hasher
        spec = self.spec
        indices: list[int] = []
        starts: list[int] = []
        values: list[float] = []
        dense_rows: list[list[float]] = []
        for i, text in enumerate(texts):
            clean = text if cleaned else to_clean(text)
            found = hasher.buckets(clean)
            starts.append(len(indices))
            indices.extend(found)
            indices.append(self._zero)  # a zero row: no text has an empty segment
            values.append(1.0 / math.sqrt(len(found)) if found else 0.0)
            if spec.dense:
                dense_rows.append(to_dense(rules[i] if rules is not None else rule_outputs(clean)))
        outputs = self.bias.shape[0]
        if not starts:
            return np.zeros((0, outputs))
        if self._padded is None:
            self._padded = np.vstack(
                [self.weights, np.zeros((1, self.weights.shape[1]), dtype=self.weights.dtype)]
            )
        gathered = self._padded[indices]
        logits = np.add.reduceat(gathered, starts, axis=0, dtype=np.float64)
        logits *= np.asarray(values)[:, None]
        logits += self.bias
        if spec.dense:
            logits += np.asarray(dense_rows) @ self.dense.astype(np.float64)
        return logits

    def score(
        self,
        texts: Sequence[str],
        rules: Sequence[RuleOutputs] | None = None,
        *,
        cleaned: bool = False,
    ) -> dict[str, np.ndarray]:
        """Return each head's probabilities: {head: array (texts x labels)}.

        `rules` are the care rules' outputs of each text and `cleaned=True` says the texts are
        scoring texts already (classify.text.to_scoring_text): the classify stage has both, so
        the model adds only hashing and one gather per batch. Otherwise they are computed here.
        """
        logits = self.logits(texts, rules, cleaned=cleaned)
        result = {}
        for head in self.heads.values():
            z = logits[:, list(head.columns)]
            if head.kind == "softmax":
                z = np.exp(z - z.max(axis=1, keepdims=True))
                result[head.name] = z / z.sum(axis=1, keepdims=True)
            else:
                result[head.name] = 1.0 / (1.0 + np.exp(-z))
        return result

    def score_sentiment(
        self,
        texts: Sequence[str],
        rules: Sequence[RuleOutputs] | None = None,
        *,
        cleaned: bool = False,
    ) -> list[tuple[str, dict[str, float]]]:
        """Return (label, {label: probability}) per text from the sentiment head."""
        head = self._head("sentiment")
        probs = self.score(texts, rules, cleaned=cleaned)["sentiment"]
        return [
            (head.labels[int(row.argmax())], dict(zip(head.labels, map(float, row), strict=True)))
            for row in probs
        ]

    def score_intents(
        self,
        texts: Sequence[str],
        rules: Sequence[RuleOutputs] | None = None,
        *,
        cleaned: bool = False,
    ) -> list[list[tuple[str, float]]]:
        """Return [(intent, probability)] per text above each head's threshold, primary first.

        Only the intents the model has heads for are decided here (see `intents`); the caller
        keeps the rules' decision for the others. Precedence is LABELING.md's.
        """
        scored = self.score(texts, rules, cleaned=cleaned)
        rank = {intent: i for i, intent in enumerate(INTENT_PRECEDENCE)}
        heads = [h for h in self.heads.values() if h.kind == "sigmoid"]
        found: list[list[tuple[str, float]]] = []
        for i in range(len(texts)):
            row = []
            for head in heads:
                p = float(scored[head.name][i, 0])
                if p >= self.thresholds.get(head.name, 0.5):
                    row.append((head.labels[0], p))
            row.sort(key=lambda item: rank.get(item[0], len(rank)))
            found.append(row)
        return found

    def explain(
        self, text: str, top: int = 5, rules: RuleOutputs | None = None, *, cleaned: bool = False
    ) -> dict[str, list[tuple[str, float]]]:
        """Return, per head label, the `top` features that moved it most: [(feature, weight)].

        A weight is the feature's contribution to that label's score (for softmax heads,
        relative to the mean of the head's labels). Handles and links never appear: they are
        replaced by "@user" or dropped before any feature is taken. `cleaned=True`: `text` is
        a scoring text already (classify.text.to_scoring_text, with the team's neutral terms).
        """
        clean = text if cleaned else to_clean(text)
        names = to_ngrams(clean, self.spec)
        buckets, value = to_hashed(clean, self.spec)
        contributions: dict[str, np.ndarray] = {}
        by_bucket: dict[int, list[str]] = {}
        for name in names:
            by_bucket.setdefault(to_bucket(name, self.spec.dim), []).append(name)
        for bucket, shared in by_bucket.items():
            label = " / ".join(_readable(name) for name in shared)
            contributions[label] = self.weights[bucket] * value
        if self.spec.dense:
            values = to_dense(rules if rules is not None else rule_outputs(clean))
            for name, x, row in zip(DENSE_NAMES, values, self.dense, strict=True):
                if x:
                    contributions[name] = row * x
        result = {}
        for head in self.heads.values():
            columns = list(head.columns)
            for j, label in enumerate(head.labels):
                items = []
                for feature, row in contributions.items():
                    weight = float(row[columns[j]])
                    if head.kind == "softmax":
                        weight -= float(row[columns].mean())
                    items.append((feature, round(weight, 3)))
                items.sort(key=lambda item: (-abs(item[1]), item[0]))
                key = f"{head.name}:{label}" if head.kind == "softmax" else label
                result[key] = items[:top]
        return result

    def _head(self, name: str) -> Head:
        try:
            return self.heads[name]
        except KeyError:
            raise ModelError(f"model: {self.identity} has no {name} head") from None


def _readable(name: str) -> str:
    """Show an n-gram name as people read it: '"still waiting"', 'chars " wai"'."""
    kind, _, body = name.partition(":")
    if kind == "c":
        return f'chars "{body}"'
    body = body.replace("<s>", "^").replace("</s>", "$")
    return f'"{body}"'
