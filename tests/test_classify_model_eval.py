"""The measuring script: the rules' numbers are evaluate's, the model's are its own predictions."""

from __future__ import annotations

import pytest

from classify.evaluate import evaluate_file, score_labels
from classify.model_eval import main, measure_file, merge_intents

pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")

from test_classify_model import POSTS, small_model  # noqa: E402

CSV = """id,text,sentiment,intents
1,"@acme still waiting for my refund, three weeks now",negative,complaint
2,how do I change my delivery address?,neutral,question
3,"thank you, the crew was wonderful",positive,praise
4,the app is down again and I cannot log in,negative,outage|complaint
5,is there a student discount?,neutral,question|purchase_intent
6,the parcel arrived today,neutral,other
"""


def test_merge_keeps_the_rules_for_intents_the_model_does_not_decide():
    rules = [("complaint", 0.6), ("question", 0.8)]
    assert merge_intents(rules, [], {"question"}) == ["complaint"]
    assert merge_intents(rules, [("outage", 0.7)], {"question", "outage"}) == [
        "outage",
        "complaint",
    ]
    assert merge_intents([("other", 0.5)], [], {"question"}) == ["other"]


def test_measures_match_evaluate_for_the_rules_and_the_model_for_itself(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(CSV, encoding="utf-8")
    model = small_model()
    result = measure_file(path, model)
    expected = evaluate_file(path)
    assert result["sentiment"]["rules"] == expected["sentiment"]["ours"]["macro_f1"]
    gold = ["negative", "neutral", "positive", "negative", "neutral", "neutral"]
    assert len(gold) == result["rows"]
    learned = [label for label, _ in model.score_sentiment(_texts(path))]
    assert (
        result["sentiment"]["model"]
        == score_labels(gold, learned, ["negative", "neutral", "positive"])["macro_f1"]
    )
    assert set(result["intents"]) <= set(model.intents)


def _texts(path):
    from classify.evaluate import load_labeled

    return [row.text for row in load_labeled(path)]


def test_the_command_prints_one_line_per_metric(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text(CSV, encoding="utf-8")
    from classify.training import save

    save(small_model(POSTS), tmp_path / "m.zip")
    assert main([str(path), "--model", str(tmp_path / "m.zip")]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("labels\tsentiment macro-F1\trules=")
    assert lines[1].startswith("labels\tprimary macro-F1\trules=")
    assert all(len(line.split("\t")) >= 3 for line in lines)


def test_a_missing_model_is_one_line_on_stderr(tmp_path, capsys):
    assert main([str(tmp_path / "x.csv"), "--model", str(tmp_path / "none.zip")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"model: cannot read {tmp_path / 'none.zip'}: No such file or directory\n"
