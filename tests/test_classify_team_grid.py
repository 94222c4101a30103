"""`earmark train`'s model selection: a fixed grid chosen by inner cross-validation, the spam
head, determinism, and the stage following what training chose.

The labeled posts here are invented (seeded strings), each built so that exactly one feature
family can tell the classes apart: the grid must find that family.
"""

from __future__ import annotations

import csv
import io
import json
import random
import string
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from classify import Classifier
from classify.evaluate import LabeledRow
from classify.model import LearnedModel, write_model
from classify.team import fit_team, prepare
from classify.team_grid import Task, _combine_binary, _combine_softmax
from earmark.cli import cli
from earmark.settings.classify import ClassifySettings

sys.path.insert(0, str(Path(__file__).parent))
from teamlabels import labeled_rows  # noqa: E402

pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")


def _junk(rng: random.Random, size: int = 6) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(size))


def _rows(texts_labels: list[tuple[str, str]]) -> list[LabeledRow]:
    return [
        LabeledRow(i + 2, f"p{i}", text, label, None)
        for i, (text, label) in enumerate(texts_labels)
    ]


def _chosen(rows: list[LabeledRow]) -> dict:
    model = fit_team(prepare(rows), seed=5)
    return model.meta["training"]


def test_a_pattern_inside_unseen_words_is_found_by_character_ngrams():
    # every word is new, but the positive ones end in "zorp" and the negative ones in "mish"
    rng = random.Random(1)
    texts = [
        (f"{_junk(rng)} {_junk(rng, 4)}{'zorp' if i % 2 else 'mish'} {_junk(rng)}", label)
        for i, label in enumerate(["negative", "positive"] * 60)
    ]
    training = _chosen(_rows(texts))
    ngrams = training["ngrams_chosen_by_cross_validation"]
    assert ngrams["chosen"] == "words+chars3-5"
    assert ngrams["mean_cv_score"]["words+chars3-5"] > ngrams["mean_cv_score"]["words"] + 0.3
    sentiment = training["chosen_by_cross_validation"]["sentiment"]
    assert sentiment["decides"] == "model" and sentiment["features"].startswith("words+chars3-5")


def test_word_order_is_found_by_bigrams():
    # the same two words in both classes; only their order tells them apart
    rng = random.Random(2)
    texts = [
        (
            f"{_junk(rng)} {'alpha beta' if label == 'positive' else 'beta alpha'} {_junk(rng)}",
            label,
        )
        for label in ["negative", "positive"] * 60
    ]
    ngrams = _chosen(_rows(texts))["ngrams_chosen_by_cross_validation"]
    assert ngrams["chosen"] == "words+bigrams"
    assert ngrams["mean_cv_score"]["words+bigrams"] > ngrams["mean_cv_score"]["words"] + 0.3


def test_when_words_suffice_the_cheapest_family_is_kept():
    rng = random.Random(3)
    texts = [
        (f"{_junk(rng)} {'refund' if label == 'negative' else 'parcel'} {_junk(rng)}", label)
        for label in ["negative", "neutral"] * 60
    ]
    assert _chosen(_rows(texts))["ngrams_chosen_by_cross_validation"]["chosen"] == "words"


def test_a_label_only_vader_knows_makes_the_head_use_vaders_scores():
    # one lexicon word per post, hardly ever repeated: unigrams cannot generalise, VADER can
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    lexicon = SentimentIntensityAnalyzer().lexicon
    good = sorted(w for w, v in lexicon.items() if v >= 2 and w.isalpha())
    bad = sorted(w for w, v in lexicon.items() if v <= -2 and w.isalpha())
    rng = random.Random(4)
    texts = [
        (f"{_junk(rng)} {rng.choice(good if label == 'positive' else bad)} {_junk(rng)}", label)
        for label in ["negative", "positive"] * 60
    ]
    sentiment = _chosen(_rows(texts))["chosen_by_cross_validation"]["sentiment"]
    assert sentiment["features"].split("+")[-1] in ("vader", "rules")
    assert not sentiment["features"].endswith("none")


def test_the_rules_decide_in_the_band_where_the_model_is_unsure():
    # the model's margin is right far from 0 and noise near it, where the rules are right
    rng = np.random.default_rng(6)
    margin = rng.uniform(-4, 4, 400)
    rules = rng.random(400) < 0.5
    gold = np.where(np.abs(margin) > 2.0, margin > 0, rules)
    task = Task("complaint", "sigmoid", [str(int(g)) for g in gold], [str(int(r)) for r in rules])
    noisy = np.where(np.abs(margin) > 2.0, margin, rng.uniform(-1, 1, 400))
    chosen = _combine_binary(task, noisy, True)
    alone = _combine_binary(task, noisy, False)
    assert chosen["combine"] == "rules when unsure" and alone["combine"] == "model"
    assert chosen["cv_score"] > 0.9 > alone["cv_score"] + 0.05  # 0.94 and 0.83
    low, high = chosen["band"]
    assert low < chosen["threshold"] < high
    # and when the model is right everywhere, it decides alone
    assert _combine_binary(task, np.where(gold, 3.0, -3.0), True)["combine"] == "model"


def test_sentiment_falls_back_to_the_rules_label_only_where_the_model_is_unsure():
    gold = ["negative", "positive"] * 100
    rules = list(gold[:100]) + ["neutral"] * 100  # right on the first half only
    margins = np.zeros((200, 3))
    for i, label in enumerate(gold):  # sure and right on the second half, unsure on the first
        margins[i, ["negative", "neutral", "positive"].index(label)] = 4.0 if i >= 100 else 0.2
        if i < 100:
            margins[i, 1] = 0.3  # a slight lean to the wrong label
    task = Task("sentiment", "softmax", gold, rules)
    chosen = _combine_softmax(task, margins, ["negative", "neutral", "positive"], True)
    assert chosen["combine"] == "rules when unsure" and chosen["cv_score"] == 1.0
    assert (
        _combine_softmax(task, margins, ["negative", "neutral", "positive"], False)["cv_score"]
        < 0.7
    )


def _spam_rows(count: int, seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    spam = [
        "check out my channel {w} and subscribe",
        "free {w} gift cards at my page",
        "{w} win money now, click my link",
    ]
    ham = [
        "this song is {w}, still listening",
        "the {w} part at 2:10 is the best",
        "my brother played this at his {w}",
    ]
    rows = []
    for i in range(count):
        is_spam = i % 2 == 0
        text = rng.choice(spam if is_spam else ham).format(w=_junk(rng, 5))
        rows.append((f"s{i}", text, "1" if is_spam else "0"))
    return rows


def _write(path: Path, header: list[str], rows: list) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_spam_column_trains_a_spam_head_that_the_stage_and_evaluate_use(tmp_path):
    labels = _write(tmp_path / "spam.csv", ["id", "text", "spam"], _spam_rows(120, 7))
    out = tmp_path / "spam.zip"
    result = CliRunner().invoke(cli, ["train", str(labels), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "spam" in result.stderr and "(model:" in result.stderr
    model = LearnedModel.load(out)
    assert model.intents == ("spam",) and "sentiment" not in model.heads
    held = _write(tmp_path / "held.csv", ["id", "text", "spam"], _spam_rows(40, 8))
    scored = json.loads(
        CliRunner().invoke(cli, ["evaluate", str(held), "--model", str(out), "-f", "json"]).stdout
    )
    rules = json.loads(CliRunner().invoke(cli, ["evaluate", str(held), "-f", "json"]).stdout)
    assert scored["spam"]["ours"]["n"] == 40
    assert scored["spam"]["ours"]["f1"] == 1.0 > rules["spam"]["ours"]["f1"]
    classifier = Classifier(ClassifySettings(model=str(out)))
    assert "spam" in classifier.classify("free zzkqw gift cards at my page").intent_names
    assert "spam" not in classifier.classify("this song is qqwer, still listening").intent_names
    crossed = json.loads(
        CliRunner().invoke(cli, ["evaluate", str(labels), "--cv", "3", "-f", "json"]).stdout
    )
    assert crossed["metrics"]["spam F1"]["mean"] > crossed["metrics"]["spam F1"]["rules_mean"]


def test_a_bad_spam_value_is_one_line_naming_the_line(tmp_path):
    labels = _write(
        tmp_path / "spam.csv", ["id", "text", "spam"], [("1", "hi", "1"), ("2", "yo", "maybe")]
    )
    result = CliRunner().invoke(cli, ["evaluate", str(labels)])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("line 3: spam must be 1 or 0, got 'maybe'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_same_labels_same_seed_same_bytes_and_the_choices_are_stored(tmp_path):
    rows = _rows([(text, sentiment) for _, text, sentiment, _ in labeled_rows(90, seed=4)])
    first = fit_team(prepare(rows), seed=9)
    second = fit_team(prepare(rows), seed=9)
    digests = [
        write_model(tmp_path / f"{n}.zip", m.weights, m.dense, m.bias, m.meta)
        for n, m in (("a", first), ("b", second))
    ]
    assert digests[0] == digests[1]
    meta = json.loads(zipfile.ZipFile(tmp_path / "a.zip").read("meta.json"))
    chosen = meta["training"]["chosen_by_cross_validation"]["sentiment"]
    assert {"features", "C", "class_weight", "combine", "cv_score", "rules_score"} <= set(chosen)
    assert set(meta["training"]["ngrams_chosen_by_cross_validation"]["mean_cv_score"]) == {
        "words",
        "words+bigrams",
        "words+shipped",
        "words+chars3-5",
    }


def test_500_labels_with_every_head_go_through_the_whole_grid(tmp_path):
    rows = [
        LabeledRow(i + 2, row_id, text, sentiment, intents.split("|"))
        for i, (row_id, text, sentiment, intents) in enumerate(labeled_rows(500, seed=12))
    ]
    model = fit_team(prepare(rows), seed=21)
    choices = model.meta["training"]["chosen_by_cross_validation"]
    assert {"sentiment", "complaint", "question", "praise", "outage"} <= set(choices)
    for name, chosen in choices.items():
        assert chosen["decides"] in ("model", "rules"), name
        assert (name in model.heads) == (chosen["decides"] == "model")
    # the invented labels are learnable: the model decides sentiment and the sarcastic complaint
    assert choices["sentiment"]["decides"] == "model"
    assert choices["complaint"]["cv_score"] > choices["complaint"]["rules_score"]


def test_the_stage_follows_a_band_the_rules_decide_in(tmp_path):
    rows = [
        LabeledRow(i + 2, row_id, text, sentiment, intents.split("|"))
        for i, (row_id, text, sentiment, intents) in enumerate(labeled_rows(120, seed=13))
    ]
    model = fit_team(prepare(rows), seed=21, unsure=False)
    assert "complaint" in model.heads
    texts = [text for _, text, _, _ in labeled_rows(60, seed=14)]
    path = tmp_path / "unsure.zip"
    # unsure everywhere (and a primary head, if any, never sure: the precedence orders them)
    model.meta["rules_when_unsure"] = {"complaint": [-1.0, 2.0], "primary": 1.01}
    write_model(path, model.weights, model.dense, model.bias, model.meta)
    banded = Classifier(ClassifySettings(model=str(path)))
    rules = Classifier(ClassifySettings())
    compared = 0
    for text in texts:
        ours, theirs = banded.classify(text), rules.classify(text)
        # the complaint is the rules' decision (with the model's sentiment, as the stage does)
        if ours.sentiment == theirs.sentiment:
            assert ("complaint" in ours.intent_names) == ("complaint" in theirs.intent_names)
            compared += 1
    assert compared >= 20
    # never reached: never present
    model.meta["rules_when_unsure"] = {"complaint": [2.0, 3.0], "primary": 1.01}
    path = tmp_path / "never.zip"
    write_model(path, model.weights, model.dense, model.bias, model.meta)
    never = Classifier(ClassifySettings(model=str(path)))
    assert not any("complaint" in never.classify(text).intent_names for text in texts)
    # a sentiment model never sure enough: the rules' label everywhere; always sure: its own
    assert "sentiment" in model.heads
    labels = {}
    for name, sure in (("unsure", 1.01), ("sure", 0.0)):
        model.meta["rules_when_unsure"] = {"sentiment": sure} if sure else {}
        path = tmp_path / f"{name}-sentiment.zip"
        write_model(path, model.weights, model.dense, model.bias, model.meta)
        classifier = Classifier(ClassifySettings(model=str(path)))
        labels[name] = [classifier.classify(text).sentiment for text in texts]
    assert labels["unsure"] == [rules.classify(text).sentiment for text in texts]
    assert labels["sure"] != labels["unsure"]


@settings(max_examples=60, deadline=None)
@given(value=st.text(alphabet=string.printable, max_size=6))
def test_any_spam_cell_reads_as_a_flag_or_fails_naming_its_line(value):
    from classify.errors import EvaluateError
    from classify.evaluate import SPAM_VALUES, load_labeled

    out = io.StringIO()
    csv.writer(out).writerows([["id", "text", "spam"], ["1", "first", "1"], ["2", "x", value]])
    flag = value.strip().lower()
    try:
        rows = list(load_labeled(io.StringIO(out.getvalue())))
    except EvaluateError as error:
        assert str(error).startswith("evaluate: <stdin> line ")
        assert flag and flag not in SPAM_VALUES
        return
    assert rows[0].spam is True
    assert rows[-1].spam == (SPAM_VALUES[flag] if flag else None)
