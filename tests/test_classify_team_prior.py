"""The shipped model as features of a team's model (`words+shipped`): folded into the
team model's own weights exactly, chosen when the labels follow what it knows, recorded."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from classify.evaluate import LabeledRow
from classify.features import DENSE_NAMES
from classify.model import LearnedModel
from classify.team import fit_team, prepare
from classify.team_grid import NGRAMS, SHIPPED
from classify.team_prior import fold, load_prior
from classify.text import to_scoring_text

pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")

SAMPLE = Path(__file__).parent.parent / "earmark" / "data" / "sample_labels.csv"


def _texts() -> list[str]:
    with open(SAMPLE, newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def test_folding_the_shipped_scores_into_the_weights_is_exact():
    prior = load_prior(NGRAMS[SHIPPED])
    assert prior is not None
    rng = np.random.default_rng(3)
    outputs = 2
    weights = rng.normal(size=(prior.spec.dim, outputs)) * (rng.random((prior.spec.dim, 1)) < 0.01)
    dense = rng.normal(size=(len(DENSE_NAMES) + prior.bias.shape[0], outputs))
    bias = rng.normal(size=outputs)
    meta = {"features": prior.spec.to_dict(), "heads": [
        {"name": "x", "kind": "softmax", "labels": ["a", "b"], "columns": [0, 1]}
    ]}  # fmt: skip
    unfolded = LearnedModel(weights, dense[: len(DENSE_NAMES)], bias, meta)
    folded = LearnedModel(*fold(prior, weights, dense, bias), meta)
    cleans = [to_scoring_text(text) for text in _texts()[:40]]
    expected = unfolded.logits(cleans) + prior.logits(cleans) @ dense[len(DENSE_NAMES) :]
    assert np.allclose(folded.logits(cleans), expected, atol=1e-9)


def test_labels_that_follow_the_shipped_model_make_the_grid_take_it():
    texts = _texts()
    shipped = LearnedModel.load()
    labels = [label for label, _ in shipped.score_sentiment(texts)]
    rows = [
        LabeledRow(i + 2, f"p{i}", text, label, None)
        for i, (text, label) in enumerate(zip(texts, labels, strict=True))
    ]
    model = fit_team(prepare(rows[:140]), seed=21, gate=False)
    training = model.meta["training"]
    assert training["ngrams_chosen_by_cross_validation"]["chosen"] == SHIPPED
    assert training["prior"] == shipped.identity
    # one linear model: the shipped model's knowledge is in its own n-gram weights
    assert model.dense.shape == (len(DENSE_NAMES), model.bias.shape[0])
    held = texts[140:]
    agree = [a == b for (a, _), b in zip(model.score_sentiment(held), labels[140:], strict=True)]
    assert sum(agree) >= 0.8 * len(held)


def test_the_dense_family_chosen_is_the_one_fitted():
    with open(SAMPLE, newline="", encoding="utf-8") as handle:
        rows = [
            LabeledRow(i + 2, row["id"], row["text"], row["sentiment"], row["intents"].split("|"))
            for i, row in enumerate(csv.DictReader(handle))
        ]
    model = fit_team(prepare(rows), seed=21, gate=False)
    vader = [j for j, name in enumerate(DENSE_NAMES) if name.startswith("vader:")]
    checked = 0
    for name, chosen in model.meta["training"]["chosen_by_cross_validation"].items():
        if chosen["features"].endswith("+vader+rules"):
            columns = list(model.heads[name].columns)
            assert np.any(model.dense[np.ix_(vader, columns)] != 0), name
            checked += 1
    assert checked
