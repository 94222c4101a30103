"""The two inner-CV scores of a head: the best of the grid (`cv_score`, which `earmark train`'s
gate compares with the rules) and the choice's own (`selection_cv_score`: settings chosen on
other inner folds, recorded when asked), and classify.gate_report, which measures both on
held-out posts.

On labels that are pure noise, the best of the grid still looks better than chance, because it
is the maximum of many noisy scores on the same rows; the choice's own score does not.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from classify import team_grid as grid
from classify.gate_report import COLUMNS, main, summary

pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")


def _noise(rows: int, seed: int):
    from scipy import sparse

    rng = np.random.default_rng(seed)
    matrix = sparse.random(rows, 300, density=0.03, random_state=seed, format="csr")
    labels = ["1" if x else "0" for x in rng.random(rows) < 0.3]
    rules = ["1" if x else "0" for x in rng.random(rows) < 0.3]
    return matrix, grid.Task("complaint", "sigmoid", labels, rules)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_noise_the_best_of_the_grid_flatters_and_the_choice_does_not(seed):
    matrix, task = _noise(240, seed)
    search = grid.Search([task], seed=21, score_choice=True)
    chosen = search.choose_head(task, matrix, 300, "words")
    unasked = grid.Search([task], seed=21).choose_head(task, matrix, 300, "words")
    assert "selection_cv_score" not in unasked and unasked["cv_score"] == chosen["cv_score"]
    gold = np.asarray([label == "1" for label in task.labels])
    chance = grid.f1(gold, np.ones_like(gold))  # calling every post a complaint
    assert chosen["cv_score"] > chosen["selection_cv_score"]
    assert chosen["cv_score"] > chance
    # the best setting's out-of-fold decisions, one per row, score what cv_score says
    assert len(chosen["decisions"]) == len(task.labels)
    assert grid.f1(gold, np.asarray(chosen["decisions"])) == pytest.approx(
        chosen["cv_score"], abs=1e-4
    )


def test_summary_scores_what_each_gate_would_have_kept():
    results = [  # the grid's best says model both times; the choice only the first time
        {"cv_score": 0.7, "selection_cv_score": 0.6, "rules_score": 0.5, "held_model": 0.6,
         "held_rules": 0.5},
        {"cv_score": 0.6, "selection_cv_score": 0.4, "rules_score": 0.5, "held_model": 0.3,
         "held_rules": 0.5},
    ]  # fmt: skip
    found = summary(results)
    assert list(found) == list(COLUMNS)
    assert found["gate on best of grid"] == pytest.approx(0.45)
    assert found["gate on choice"] == pytest.approx(0.55)
    assert found["best of grid - held"] == pytest.approx(0.2)
    assert found["choice - held"] == pytest.approx(0.05)
    assert (found["model always"], found["rules always"]) == pytest.approx((0.45, 0.5))


def test_the_report_runs_on_a_small_training_folder(tmp_path, capsys):
    rng = random.Random(4)
    words = {"negative": "awful broken late", "positive": "great lovely thanks", "neutral": "today"}
    lines = ["id,text,sentiment"]
    for i in range(90):
        label = ("negative", "positive", "neutral")[i % 3]
        lines.append(f"t{i},{rng.choice(words[label].split())} order {rng.randint(1, 999)},{label}")
    (tmp_path / "sentiment").mkdir()
    (tmp_path / "sentiment" / "semeval_train.csv").write_text("\n".join(lines) + "\n")
    assert (
        main(["--train-dir", str(tmp_path), "--rows", "60", "--samples", "1", "--held", "30"]) == 0
    )
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("| labels | head | best of grid - held |")
    heads = {line.split("|")[2].strip() for line in table[2:]}
    assert {"sentiment", "complaint", "praise"} <= heads
    for line in table[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")][2:]
        assert len(cells) == len(COLUMNS) and all(float(cell) == float(cell) for cell in cells)
