"""The primary-intent head of a team's model: learned from the labeled order (first listed),
kept only where it beats the labeling guide's precedence, followed by the classify stage.

The labeled posts are invented: every post asks a question and complains, and a made-up word
says which of the two the labeler put first. The rules find both and the precedence always
puts the complaint first; only a head that reads the labeled order can follow the word.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from classify import Classifier
from classify.evaluate import LabeledRow
from classify.learned import explain_text
from classify.model import write_model
from classify.team import MIN_POSITIVES, fit_team, prepare, primary_task
from earmark.cli.model_explain import render_model_reasons
from earmark.settings.classify import ClassifySettings

pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")

STEMS = [
    "why is my refund still not here?",
    "why has my parcel still not arrived?",
    "why is my order still not here after two weeks?",
    "why have you still not answered my email?",
    "why was I charged twice this month?",
]


def _post(rng: random.Random, question_first: bool) -> tuple[str, str]:
    marker = "zorplex" if question_first else "mishvat"
    text = f"{rng.choice(STEMS)} {marker} order {rng.randint(100, 999)}"
    return text, "question|complaint" if question_first else "complaint|question"


def _rows(count: int, seed: int) -> list[LabeledRow]:
    """count posts: a third thank-you notes (positive, praise), the rest as _post."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        if i % 3 == 2:
            text = f"thanks, my order {rng.randint(100, 999)} arrived today, lovely"
            rows.append(LabeledRow(i + 2, f"p{i}", text, "positive", ["praise"]))
        else:
            text, intents = _post(rng, i % 3 == 0)
            rows.append(LabeledRow(i + 2, f"p{i}", text, "negative", intents.split("|")))
    return rows


def test_the_primary_head_learns_the_labeled_order_and_the_stage_follows_it(tmp_path):
    rules = Classifier(ClassifySettings())
    for text in STEMS:  # the rules find both, complaint first (the guide's precedence)
        assert rules.classify(text).intent_names[:2] == ["complaint", "question"]
    model = fit_team(prepare(_rows(120, seed=3)), seed=21)
    chosen = model.meta["training"]["chosen_by_cross_validation"]["primary"]
    assert chosen["decides"] == "model"
    assert chosen["cv_score"] > chosen["rules_score"]
    assert model.heads["primary"].kind == "softmax"
    path = tmp_path / "team.zip"
    write_model(path, model.weights, model.dense, model.bias, model.meta)
    ours = Classifier(ClassifySettings(model=str(path)))
    rng = random.Random(99)
    for question_first in (True, False) * 10:
        text, intents = _post(rng, question_first)
        assert ours.classify(text).intent_names[:2] == intents.split("|")
    # explain says which intent the head put first, and the word that decided it
    text, _ = _post(rng, True)
    primary = explain_text(text, ClassifySettings(model=str(path)))["primary"]
    assert primary["intent"] == "question" and primary["decides"]
    assert dict(primary["features"]).get('"zorplex"', 0) > 0
    lines = render_model_reasons(explain_text(text, ClassifySettings(model=str(path))))
    assert any(line.startswith("  primary question (") and '"zorplex" +' in line for line in lines)
    # never sure enough: the precedence orders them again
    model.meta["rules_when_unsure"] = {**model.meta["rules_when_unsure"], "primary": 1.01}
    path = tmp_path / "unsure.zip"
    write_model(path, model.weights, model.dense, model.bias, model.meta)
    unsure = Classifier(ClassifySettings(model=str(path)))
    text, _ = _post(rng, True)
    assert unsure.classify(text).intent_names[0] == "complaint"


def test_the_precedence_it_competes_with_uses_the_heads_decisions_where_kept():
    rows = [row for row in _rows(30, seed=4) if row.sentiment == "negative"]
    data = prepare(rows)
    found = [[name for name, _ in rule.intents] for rule in data.rules]
    assert all(names[:2] == ["complaint", "question"] for names in found)
    task = primary_task(data, {})
    assert task is not None and set(task.rules) == {"complaint"}
    assert task.labels == [row.intents[0] for row in rows]
    # a kept complaint head that found no complaint anywhere: question comes first
    task = primary_task(data, {"complaint": np.zeros(len(rows), dtype=bool)})
    assert task is not None and set(task.rules) == {"question"}
    assert task.defer == frozenset({"other"})


def test_no_primary_head_without_two_primaries_of_enough_posts():
    rows = _rows(3 * MIN_POSITIVES, seed=5)
    for row in rows[1:]:
        row.intents = ["complaint", "question"]
    assert primary_task(prepare(rows), {}) is None
    no_intents = [LabeledRow(r.line, r.id, r.text, r.sentiment, None) for r in rows]
    assert primary_task(prepare(no_intents), {}) is None


def test_a_class_with_one_labeled_post_trains_quietly(recwarn):
    rows = _rows(60, seed=6)
    rows[0].sentiment = "neutral"  # the only neutral post
    model = fit_team(prepare(rows), seed=21, gate=False)
    assert model.heads["sentiment"].labels == ("negative", "neutral", "positive")
    assert not [w for w in recwarn if "least populated" in str(w.message)]
