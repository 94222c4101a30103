"""What the shipped model was trained on: the files it names, and none of ../shared/eval's texts."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

from classify.model import shipped_model_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# ../shared/train/README.md's de-duplication key: zero-width characters removed, links and
# @mentions replaced by a space, lowercased, whitespace collapsed, trimmed. Typographic quotes
# are folded too (the same post is written both ways).
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")
_LINK_OR_MENTION = re.compile(r"(?:https?://|www\.)\S+|@\w+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def to_key(text: str) -> str:
    text = _LINK_OR_MENTION.sub(" ", _INVISIBLE.sub("", text)).lower().translate(_QUOTES)
    return " ".join(text.split())


def shipped_meta() -> dict:
    with zipfile.ZipFile(shipped_model_path()) as archive:
        return json.loads(archive.read("meta.json"))


def rows_of(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [(row["id"], row["text"]) for row in csv.DictReader(handle)]


def texts_of(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


needs_data = pytest.mark.skipif(
    not (SHARED / "eval").is_dir() or not (SHARED / "train").is_dir(),
    reason=f"{SHARED}/eval and {SHARED}/train are not on this machine: nothing to compare",
)
needs_model = pytest.mark.skipif(
    not shipped_model_path().exists(), reason="no shipped model (classify/data/model.zip)"
)


def test_the_key_folds_what_the_readme_says():
    assert to_key("\ufeffStill  WAITING @AcmeHelp https://t.co/x ’") == "still waiting '"
    assert to_key("@a @b") == ""


@needs_model
@needs_data
def test_no_text_of_shared_eval_is_in_the_shipped_models_training_data():
    training = shipped_meta()["training"]
    files, excluded = training["files"], set(training["excluded_ids"])
    trained: dict[str, str] = {}
    for name, recorded in files.items():
        path = SHARED / "train" / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded["sha256"], (
            f"{path} is not the file the shipped model was trained on: rebuild the model"
        )
        for row_id, text in rows_of(path):
            if row_id not in excluded and (key := to_key(text)):
                trained.setdefault(key, name)
    evaluation = sorted((SHARED / "eval").rglob("*.csv"))
    assert len(evaluation) >= 7
    leaked = [
        (path.name, text)
        for path in evaluation
        for text in texts_of(path)
        if to_key(text) in trained
    ]
    assert leaked == []
    assert len(excluded) <= 10  # exclusions are for rare near-misses, not a way around the test


@needs_model
def test_the_shipped_model_names_only_licence_clean_training_files():
    files = shipped_meta()["training"]["files"]
    assert set(files) == {
        "sentiment/goemotions_train.csv",
        "intent/banking77_train.csv",
        "intent/clinc150_train.csv",
    }
    assert {f["licence"] for f in files.values()} <= {"Apache-2.0", "CC BY 4.0", "CC BY 3.0"}
