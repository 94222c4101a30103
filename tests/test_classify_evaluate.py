"""Evaluation metrics on tiny hand-computed CSVs, the VADER baseline and bad-row errors."""

from __future__ import annotations

import io
import json

import pytest

from classify.evaluate import (
    EvaluateError,
    evaluate_file,
    load_labeled,
    score_labels,
    score_multilabel,
)
from earmark.cli.evaluation_report import render_evaluation

SENTIMENT_CSV = """id,text,sentiment
1,"Thank you so much, the crew was wonderful!",positive
2,"Worst airline ever, my bag is lost",negative
3,The flight leaves at noon,neutral
4,I love how you lost my luggage,positive
"""

INTENT_CSV = """id,text,intents
a,@acmeair your app is down and I can't check in,outage|complaint
b,thank you for the lovely flight,praise
c,how do I add a bag to my booking?,question
"""


def write(tmp_path, text, name="labels.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_score_labels_by_hand():
    gold = ["pos", "pos", "neg", "neu", "neu"]
    pred = ["pos", "neg", "neg", "neu", "pos"]
    result = score_labels(gold, pred, ["neg", "neu", "pos"])
    assert result["accuracy"] == pytest.approx(3 / 5)
    # neg: P 1/2 R 1 F1 2/3; neu: P 1 R 1/2 F1 2/3; pos: P 1/2 R 1/2 F1 1/2
    assert result["per_class"]["neg"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(2 / 3),
        "support": 1,
    }
    assert result["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 2) / 3)
    assert result["confusion"]["pos"] == {"neg": 1, "neu": 0, "pos": 1}


def test_score_multilabel_by_hand():
    gold = [["outage", "complaint"], ["praise"], ["question"]]
    pred = [["outage"], ["praise", "question"], ["question"]]
    result = score_multilabel(gold, pred)
    assert result["per_class"]["complaint"]["f1"] == 0.0
    assert result["per_class"]["question"]["precision"] == 0.5
    assert result["per_class"]["question"]["f1"] == pytest.approx(2 / 3)
    assert result["macro_f1"] == pytest.approx((0 + 1 + 1 + 2 / 3) / 4)
    assert result["exact_match"] == pytest.approx(1 / 3)


def test_evaluate_sentiment_file(tmp_path):
    result = evaluate_file(write(tmp_path, SENTIMENT_CSV), baseline="vader")
    ours = result["sentiment"]["ours"]
    assert result["rows"] == 4
    assert ours["accuracy"] == 0.75
    assert ours["per_class"]["positive"]["recall"] == 0.5
    assert ours["per_class"]["negative"]["precision"] == 0.5
    assert ours["macro_f1"] == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    assert ours["confusion"]["positive"] == {"negative": 1, "neutral": 0, "positive": 1}
    assert result["sentiment"]["vader"]["n"] == 4
    assert result["intents"] is None


def test_evaluate_intent_file_with_baseline(tmp_path):
    result = evaluate_file(write(tmp_path, INTENT_CSV), baseline="vader")
    ours = result["intents"]["ours"]
    assert ours["primary"]["accuracy"] == 1.0
    assert ours["labels"]["per_class"]["complaint"]["recall"] == 0.0
    assert ours["labels"]["macro_f1"] == pytest.approx(3 / 4)
    vader = result["intents"]["vader"]
    # stock VADER: the outage post is neutral ("other"), "thank you ... lovely" is praise.
    assert vader["primary"]["per_class"]["praise"]["recall"] == 1.0
    assert vader["primary"]["per_class"]["question"]["recall"] == 0.0


def test_both_columns_and_task_filter(tmp_path):
    path = write(
        tmp_path, "id,text,sentiment,intents\n1,thank you for the lovely flight,positive,praise\n"
    )
    both = evaluate_file(path)
    assert both["sentiment"]["ours"]["accuracy"] == 1.0
    assert both["intents"]["ours"]["primary"]["accuracy"] == 1.0
    only = evaluate_file(path, task="intent")
    assert only["sentiment"] is None
    with pytest.raises(EvaluateError) as error:
        evaluate_file(write(tmp_path, INTENT_CSV, "i.csv"), task="sentiment")
    assert str(error.value) == f"evaluate: {tmp_path / 'i.csv'} has no sentiment labels"


def test_aliases_and_empty_cells():
    rows = list(
        load_labeled(
            io.StringIO("id,text,sentiment,intents\n1,app error,,outage_bug\n2,hi,neutral,\n")
        )
    )
    assert [(r.sentiment, r.intents) for r in rows] == [(None, ["outage"]), ("neutral", None)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "evaluate: {path} is empty; expected a header id,text,..."),
        (
            "id,body\n1,x\n",
            "evaluate: {path} line 1: header must be id,text,sentiment and/or intents (or spam), "
            "got id,body",
        ),
        (
            'id,text,sentiment\n1,"a\nmultiline post",positive\n2,fine,happy\n',
            "evaluate: {path} line 4: unknown sentiment 'happy' (use negative, neutral or positiv"
            "e)",
        ),
        ("id,text,sentiment\n1,ok\n", "evaluate: {path} line 2: expected 3 columns, got 2"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(EvaluateError) as error:
        evaluate_file(path)
    assert str(error.value) == message.format(path=path)


def test_unknown_intent_lists_the_known_ones(tmp_path):
    path = write(tmp_path, "id,text,intents\n1,hello,greeting\n")
    with pytest.raises(EvaluateError) as error:
        evaluate_file(path)
    assert str(error.value).startswith(f"evaluate: {path} line 2: unknown intent 'greeting' (use ")


def test_missing_file():
    with pytest.raises(EvaluateError) as error:
        evaluate_file("/nonexistent/labels.csv")
    assert (
        str(error.value)
        == "evaluate: cannot read /nonexistent/labels.csv: No such file or directory"
    )


def test_render_table_and_json(tmp_path):
    result = evaluate_file(write(tmp_path, SENTIMENT_CSV), baseline="vader")
    table = io.StringIO()
    render_evaluation(result, "table", out=table)
    assert "macro-F1" in table.getvalue()
    assert "vader F1" in table.getvalue()
    data = io.StringIO()
    render_evaluation(result, "json", out=data)
    assert json.loads(data.getvalue())["sentiment"]["ours"]["accuracy"] == 0.75


def test_errors_reach_the_cli_as_one_line():
    from earmark.errors import EarmarkError

    assert issubclass(EvaluateError, EarmarkError)


def test_evaluate_reads_a_config_as_the_classify_stage_does(tmp_path):
    # A topic term is a name, not a feeling: the classify stage scores "Great Western" as
    # neutral words, and evaluate must measure that same classifier, not one without the topics.
    from click.testing import CliRunner

    from earmark.cli import cli

    config = write(
        tmp_path,
        "topics:\n  - {name: gwr, kind: brand, terms: [Great Western]}\n",
        name="earmark.yaml",
    )
    labels = write(tmp_path, "id,text,sentiment\n1,Great Western train leaves at noon,neutral\n")
    args = ["-c", str(config), "--db", str(tmp_path / "e.db"), "evaluate", str(labels)]
    result = CliRunner().invoke(cli, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sentiment"]["ours"]["accuracy"] == 1.0
    # Without the config "Great" is a feeling: the file is a real test of the topic terms.
    bare = CliRunner().invoke(cli, ["evaluate", str(labels), "-f", "json"])
    assert json.loads(bare.stdout)["sentiment"]["ours"]["accuracy"] == 0.0
