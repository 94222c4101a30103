"""A team's own model: `earmark train`, classify.model in the stage, evaluate --model / --cv."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import classify
from classify import Classifier, classify_text
from classify.errors import ClassifyError
from classify.learned import explain_text
from classify.stage import classify_posts
from earmark.cli import cli
from earmark.cli.configfile import parse_config
from earmark.configload import ConfigError
from earmark.models import INTENTS, SENTIMENTS, Post, TopicMatch
from earmark.settings.classify import ClassifySettings, IntentRule
from earmark.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from teamlabels import labeled_rows, write_labels  # noqa: E402

pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
SARCASM = ("oh wonderful", "fantastic acme", "amazing, acme")


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture(scope="module")
def team_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("team")
    labels = write_labels(folder / "labels.csv", 240)
    result = run("train", str(labels), "--out", str(folder / "team.zip"))
    assert result.exit_code == 0, result.output
    return folder / "team.zip"


def test_train_reports_on_stderr_and_same_labels_same_seed_same_bytes(team_model, tmp_path):
    again = tmp_path / "again.zip"
    result = CliRunner().invoke(
        cli, ["train", str(team_model.parent / "labels.csv"), "--out", str(again)]
    )
    assert result.exit_code == 0
    assert result.stdout == ""  # stdout carries data only
    assert "wrote" in result.stderr and "classify.model" in result.stderr
    assert again.read_bytes() == team_model.read_bytes()


def test_train_on_500_labels_finishes(tmp_path):
    labels = write_labels(tmp_path / "labels.csv", 500, seed=11)
    result = run("train", str(labels), "--out", str(tmp_path / "m.zip"), "--seed", "3")
    assert result.exit_code == 0, result.output
    meta = json.loads(__import__("zipfile").ZipFile(tmp_path / "m.zip").read("meta.json"))
    assert meta["training"]["rows"] == 500 and meta["training"]["seed"] == 3


def test_the_model_learns_what_the_team_labels_and_the_rules_miss(team_model):
    unseen = [row for row in labeled_rows(300, seed=99) if row[1].startswith(SARCASM)]
    with_model = Classifier(ClassifySettings(model=str(team_model)))
    rules = Classifier(ClassifySettings())
    model_right = sum(with_model.classify(text).sentiment == "negative" for _, text, _, _ in unseen)
    rules_right = sum(rules.classify(text).sentiment == "negative" for _, text, _, _ in unseen)
    assert len(unseen) >= 40
    assert model_right >= 0.9 * len(unseen) > rules_right


def test_results_name_the_model_and_without_it_nothing_changes(team_model):
    with_model = classify_text("still waiting on my refund", settings=_with(team_model))
    assert re.fullmatch(
        re.escape(classify.CLASSIFIER_VERSION) + r"\+team@[0-9a-f]{12}", with_model.version
    )
    assert classify_text("still waiting on my refund").version == classify.CLASSIFIER_VERSION
    assert Classifier().layer is None


def test_certain_rules_stay_personal_data_and_a_teams_regex_intent(team_model):
    settings = _with(team_model, intents=[IntentRule("billing", [r"\bbill\b"])])
    result = classify_text("acme bill is wrong, email me at ann@mail.example", settings=settings)
    assert "email" in result.pii and result.reply_privately
    assert "billing" in result.intent_names


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_gets_valid_labels_with_a_model(team_model, text):
    result = classify_text(text, settings=_with(team_model))
    assert result.sentiment in (*SENTIMENTS, "unsupported_language")
    names = result.intent_names
    assert names and set(names) <= set(INTENTS)
    assert names == ["other"] or "other" not in names


def test_classify_all_relabels_with_the_models_version(team_model, tmp_path):
    store = Store(tmp_path / "a.db")
    posts = [
        Post(platform="x", native_id=str(i), text=text, created_at=NOW, author="a")
        for i, (_, text, _, _) in enumerate(labeled_rows(12, seed=5))
    ]
    store.posts.save_posts(posts, [TopicMatch(p.id, "acme", "brand", []) for p in posts])
    config = parse_config({"topics": [{"name": "acme", "kind": "brand", "terms": ["acme"]}]})
    assert classify_posts(store, config.classify_settings(), now=NOW) == 12
    assert _versions(store) == {classify.CLASSIFIER_VERSION}
    config.classify.model = str(team_model)
    assert classify_posts(store, config.classify_settings(), now=NOW) == 0
    assert classify_posts(store, config.classify_settings(), now=NOW, everything=True) == 12
    (version,) = _versions(store)
    assert version.startswith(f"{classify.CLASSIFIER_VERSION}+team@")


def test_config_names_the_key_for_a_missing_or_corrupt_model(tmp_path):
    config_file = tmp_path / "earmark.yaml"
    config_file.write_text("classify:\n  model: team.zip\n")
    result = run("-c", str(config_file), "classify")
    assert result.exit_code == 1
    assert "classify.model:" in result.output and str(tmp_path / "team.zip") in result.output
    assert len(result.output.strip().splitlines()) == 1
    (tmp_path / "team.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ConfigError, match=r"classify\.model: .* is not an earmark model file"):
        parse_config({"classify": {"model": str(tmp_path / "team.zip")}})


def test_a_relative_model_path_is_relative_to_the_config_file(team_model, tmp_path):
    config_file = team_model.parent / "earmark.yaml"
    config_file.write_text("classify:\n  model: team.zip\n")
    from earmark.cli.configfile import load_config

    assert load_config(config_file).classify.model == str(team_model)


def test_train_without_scikit_learn_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn raises ImportError
    result = run("train", str(write_labels(tmp_path / "l.csv", 20)))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: train: scikit-learn is not installed; run `pip install 'earmark[train]'`\n"
    )
    assert not (tmp_path / "team-model.zip").exists()


def test_evaluate_with_a_model_and_by_cross_validation(team_model, tmp_path):
    labels = write_labels(tmp_path / "held.csv", 48, seed=42)
    plain = json.loads(run("evaluate", str(labels), "-f", "json").stdout)
    scored = json.loads(
        run("evaluate", str(labels), "--model", str(team_model), "-f", "json").stdout
    )
    assert plain["classifier_version"] == classify.CLASSIFIER_VERSION
    assert scored["classifier_version"].startswith(f"{classify.CLASSIFIER_VERSION}+team@")
    assert scored["sentiment"]["ours"]["macro_f1"] > plain["sentiment"]["ours"]["macro_f1"]
    crossed = json.loads(run("evaluate", str(labels), "--cv", "3", "-f", "json").stdout)
    metric = crossed["metrics"]["sentiment macro-F1"]
    assert crossed["folds"] == 3 and len(metric["per_fold"]) == 3
    assert 0.0 <= metric["sd"] <= metric["mean"] <= 1.0
    assert run("evaluate", str(labels), "--cv", "3", "--model", str(team_model)).exit_code == 2


def test_evaluate_model_flag_names_a_bad_file(tmp_path):
    labels = write_labels(tmp_path / "held.csv", 10)
    result = run("evaluate", str(labels), "--model", str(tmp_path / "nope.zip"))
    assert result.exit_code == 2 and "--model: cannot read" in result.output


def test_explain_names_the_deciding_features_and_never_the_handle(team_model):
    text = "@AcmeHelpDesk oh wonderful, acme lost my parcel again. love it"
    reasons = explain_text(text, _with(team_model))
    assert reasons["model"].startswith("team@")
    assert reasons["sentiment"]["label"] == "negative"
    features = [name for name, _ in reasons["sentiment"]["features"]]
    features += [name for head in reasons["intents"] for name, _ in head["features"]]
    assert features and not any("acmehelpdesk" in name.lower() for name in features)
    assert explain_text(text, ClassifySettings()) is None


def test_a_model_file_removed_after_the_config_loaded_is_one_line(tmp_path):
    with pytest.raises(ClassifyError, match=r"^classify\.model: cannot read .*gone\.zip"):
        Classifier(ClassifySettings(model=str(tmp_path / "gone.zip")))


def _with(model: Path, **extra) -> ClassifySettings:
    return ClassifySettings(model=str(model), **extra)


def _versions(store: Store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT version FROM classifications")}


def test_explain_id_lists_the_models_reasons_after_the_routing_story(team_model, tmp_path):
    from queue_fixtures import add_post, make_store

    config = tmp_path / "earmark.yaml"
    config.write_text(
        "queues:\n  - {name: support, match: {kinds: [brand]}, sla: 1h}\n"
        f"classify:\n  model: {team_model}\n"
    )
    with make_store(tmp_path) as store:
        add_post(store, "1", text="@AcmeHelpDesk still waiting on my refund from acme, 9 days")
    base = ["-c", str(config), "--db", str(tmp_path / "queues.db")]
    env = {"EARMARK_NOW": "2024-05-01T12:00:00Z", "EARMARK_AGENT": "", "USER": "lead"}
    assert CliRunner().invoke(cli, [*base, "route"], env=env).exit_code == 0
    table = CliRunner().invoke(cli, [*base, "explain", "1", "-f", "table"], env=env)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("model team@"))
    assert lines[start + 1].startswith("  sentiment negative (")
    assert "acmehelpdesk" not in "\n".join(lines[start:]).lower()
    record = json.loads(
        CliRunner().invoke(cli, [*base, "explain", "1", "-f", "json"], env=env).stdout
    )
    assert record["model"]["sentiment"]["label"] == "negative"


@pytest.mark.slow
def test_a_worker_process_labels_with_the_model_as_this_process_does(
    team_model, tmp_path, monkeypatch
):
    monkeypatch.setattr("classify.stage.MIN_PARALLEL_POSTS", 0)

    def stored(workers: int) -> list[tuple]:
        store = Store(tmp_path / f"w{workers}.db")
        posts = [
            Post(platform="x", native_id=str(i), text=text, created_at=NOW, author="a")
            for i, (_, text, _, _) in enumerate(labeled_rows(40, seed=8))
        ]
        store.posts.save_posts(posts, [TopicMatch(p.id, "acme", "brand", []) for p in posts])
        assert classify_posts(store, _with(team_model), now=NOW, workers=workers) == 40
        return store.conn.execute(
            "SELECT post_id, sentiment, intents, version FROM classifications ORDER BY post_id"
        ).fetchall()

    one = stored(1)
    assert stored(2) == one
    assert {row[3] for row in one} == {classify_text("x", settings=_with(team_model)).version}
