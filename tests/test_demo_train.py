"""`earmark demo --train`: a team model fitted from the bundled fictional labels, end to end."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbconn import db_connect

import classify
from earmark.cli import cli

NO_SKLEARN = (
    "Error: demo --train: scikit-learn is not installed; run `pip install 'earmark[train]'`\n"
)
DATA = Path(__file__).parent.parent / "earmark" / "data"


def labels_of(db: Path) -> dict[str, tuple]:
    """Each classified post's (sentiment, intent names in order, version, language)."""
    with db_connect(db) as conn:
        rows = conn.execute(
            "SELECT post_id, sentiment, intents, version, language FROM classifications"
        ).fetchall()
    return {
        row[0]: (row[1], tuple(name for name, _ in json.loads(row[2] or "[]")), row[3], row[4])
        for row in rows
    }


def read_labels() -> list[dict]:
    with open(DATA / "sample_labels.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_demo_train_without_scikit_learn_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn raises ImportError
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--train"])
    assert result.exit_code == 1
    assert result.stderr == NO_SKLEARN
    assert result.stdout == ""
    assert not db.exists() and not (tmp_path / "demo-model.zip").exists()


def test_the_bundled_labels_are_the_sample_posts_as_written_and_load_for_training():
    from classify.evaluate import load_labeled

    posts = {}
    sample = resources.files("earmark").joinpath("data/sample_posts.jsonl").read_text("utf-8")
    for line in sample.splitlines():
        post = json.loads(line)
        posts[post["id"]] = post
    labels = read_labels()
    assert len(labels) == 179
    assert len({row["id"] for row in labels}) == len({row["text"] for row in labels}) == 179
    for row in labels:
        assert row["text"] == posts[row["id"]]["text"]  # the fictional post, byte for byte
        assert posts[row["id"]]["fictional"] is True
    loaded = list(load_labeled(str(DATA / "sample_labels.csv")))
    assert [row.text for row in loaded] == [row["text"] for row in labels]
    assert {row.sentiment for row in loaded} == {"negative", "neutral", "positive"}
    assert all(row.intents for row in loaded)


@pytest.mark.slow
def test_demo_train_fits_writes_and_relabels_the_same_bytes_twice(tmp_path):
    plain_db, first_db = tmp_path / "plain" / "demo.db", tmp_path / "first" / "demo.db"
    second_db = tmp_path / "second" / "demo.db"
    for db in (plain_db, first_db, second_db):
        db.parent.mkdir()
    plain = CliRunner().invoke(cli, ["demo", "--db", str(plain_db)])
    first = CliRunner().invoke(cli, ["demo", "--db", str(first_db), "--train"])
    assert plain.exit_code == 0 and first.exit_code == 0, first.output
    # a second run in a process of its own, started fresh
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    second = subprocess.run(
        [sys.executable, "-m", "earmark", "demo", "--db", str(second_db), "--train"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert second.returncode == 0, second.stderr

    # stdout is the plain demo's report, unchanged; what training did is on stderr
    assert first.stdout == plain.stdout == second.stdout
    model = first_db.parent / "demo-model.zip"
    assert model.read_bytes() == (second_db.parent / "demo-model.zip").read_bytes()
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    version = f"{classify.CLASSIFIER_VERSION}+team@{sha[:12]}"

    plain_labels, trained = labels_of(plain_db), labels_of(first_db)
    assert trained.keys() == plain_labels.keys()
    assert {value[2] for value in plain_labels.values()} == {classify.CLASSIFIER_VERSION}
    assert {value[2] for value in trained.values()} == {version}
    assert trained == labels_of(second_db)
    changed = sum(1 for key, value in trained.items() if value[:2] != plain_labels[key][:2])
    assert changed > 0

    # every English post the demo keeps is labeled once (identical texts once)
    with db_connect(plain_db) as conn:
        english = dict(
            conn.execute(
                "SELECT p.id, p.text FROM posts p JOIN classifications c ON c.post_id = p.id "
                "WHERE c.language = 'en'"
            ).fetchall()
        )
    labeled = {row["id"] for row in read_labels()}
    assert labeled <= english.keys()
    assert {english[post_id] for post_id in labeled} == set(english.values())

    stderr = first.stderr
    assert f"team@{sha[:12]} from 179 labeled posts" in stderr
    assert "FICTIONAL" in stderr and "never a measure of accuracy" in stderr
    assert f"written to {model}" in stderr
    assert f"195 posts relabeled ({version}); sentiment or intents changed on {changed} " in stderr
    decides = re.search(r"^model decides: (.*); left to the rules: (.*)$", stderr, re.M)
    assert decides is not None
    with zipfile.ZipFile(model) as archive:
        meta = json.loads(archive.read("meta.json"))
    chosen = meta["training"]["chosen_by_cross_validation"]
    assert meta["training"]["rows"] == 179 and meta["training"]["seed"] == 21
    kept = [name for name, choice in chosen.items() if choice["decides"] == "model"]
    assert sorted(decides.group(1).split(", ")) == sorted(kept)
    assert sorted(decides.group(2).split(", ")) == sorted(set(chosen) - set(kept))
    explained = re.search(r"^explain (\S+): rules (.*) -> model (.*?); sentiment", stderr, re.M)
    assert explained is not None
    post_id = explained.group(1)
    before, after = plain_labels[post_id], trained[post_id]
    assert explained.group(2) == f"{before[0]} / {'+'.join(before[1])}"
    assert explained.group(3) == f"{after[0]} / {'+'.join(after[1])}"
    assert before[:2] != after[:2]

    def same(text: str, folder: Path) -> str:  # all but the folder and the seconds it took
        return re.sub(r" in \d+\.\d s,", " in N s,", text.replace(str(folder), "D"))

    assert same(second.stderr, second_db.parent) == same(stderr, first_db.parent)
