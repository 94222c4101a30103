"""How well `earmark train`'s inner-CV scores predict a head's score on posts it never saw, and
so which score should decide whether a head replaces the rules. On ../shared/train only.

    python -m classify.gate_report --train-dir ../shared/train [--rows 400 1000]
        [--samples 10] [--held 3000]

Each sample draws (seeded) `rows` + `held` SemEval-2017 tweets (`sentiment/semeval_train.csv`:
allowed for choosing, never shipped, docs/model.md). The first `rows` are a team's labels:
their sentiment, and as intents `complaint` for a negative tweet, `praise` for a positive one,
`other` otherwise (a stand-in for labeled intents: the training data has none in our
taxonomy). A model is fitted on them with every head kept (no gate), and the other `held`
tweets are classified twice: with the model and with the rules alone (for the primary head:
the model without it, i.e. the precedence). Per head it prints, as means over the samples:

- `best of grid - held`: the best setting's inner-CV score (`cv_score`) minus the head's
  score on the held tweets; how much the maximum over the grid flatters the model;
- `choice - held`: the same for `selection_cv_score` (settings chosen on other inner folds);
- the held-out score of the pipeline when the gate compares each of them with the rules'
  score, of the model always, and of the rules always.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from classify.training import read_rows

METRIC = {
    "sentiment": "sentiment macro-F1",
    "complaint": "complaint F1",
    "praise": "praise F1",
    "primary": "primary intent macro-F1",
}
AS_INTENT = {"negative": "complaint", "positive": "praise"}
COLUMNS = (
    "best of grid - held",
    "choice - held",
    "gate on best of grid",
    "gate on choice",
    "model always",
    "rules always",
)


def sample(train_dir: Path, rows: int, held: int, seed: int):
    """Return (labels, held-out labels) as classify.evaluate.LabeledRow lists."""
    from classify.evaluate import LabeledRow

    found = read_rows(train_dir / "sentiment/semeval_train.csv", "sentiment")
    picked = random.Random(seed).sample(found, rows + held)
    labeled = [
        LabeledRow(i + 2, f"s{seed}-{i}", text, label, [AS_INTENT.get(label, "other")])
        for i, (text, label) in enumerate(picked)
    ]
    return labeled[:rows], labeled[rows:]


def measure(train_dir: Path, rows: int, held: int, seed: int) -> list[dict]:
    """One sample: per head, its inner-CV scores and the held-out scores (see the docstring)."""
    from classify.crossval import _as_csv, _metrics
    from classify.evaluate import evaluate_file
    from classify.model import write_model
    from classify.team import fit_team, prepare
    from earmark.settings.classify import ClassifySettings

    labels, unseen = sample(train_dir, rows, held, seed)
    model = fit_team(prepare(labels), gate=False, score_choice=True)
    text = _as_csv(unseen)
    scores = {}
    with tempfile.TemporaryDirectory(prefix="earmark-gate-report-") as tmp:
        for name, unsure in (("model", {}), ("precedence", {"primary": 1.01})):
            model.meta["rules_when_unsure"] = {**model.meta["rules_when_unsure"], **unsure}
            path = str(Path(tmp) / f"{name}.zip")
            write_model(path, model.weights, model.dense, model.bias, model.meta)
            settings = ClassifySettings(model=path)
            scores[name] = _metrics(evaluate_file(io.StringIO(text), settings=settings))
        scores["rules"] = _metrics(evaluate_file(io.StringIO(text), settings=ClassifySettings()))
    found = []
    for head, chosen in model.meta["training"]["chosen_by_cross_validation"].items():
        if head in METRIC:
            base = scores["precedence" if head == "primary" else "rules"]
            found.append(
                {
                    "head": head,
                    "cv_score": chosen["cv_score"],
                    "selection_cv_score": chosen["selection_cv_score"],
                    "rules_score": chosen["rules_score"],
                    "held_model": scores["model"][METRIC[head]],
                    "held_rules": base[METRIC[head]],
                }
            )
    return found


def summary(results: list[dict]) -> dict[str, float]:
    """Means over samples of one head (see the module docstring)."""

    def gated(score: str) -> float:
        return statistics.fmean(
            r["held_model"] if r[score] > r["rules_score"] else r["held_rules"] for r in results
        )

    values = (
        statistics.fmean(r["cv_score"] - r["held_model"] for r in results),
        statistics.fmean(r["selection_cv_score"] - r["held_model"] for r in results),
        gated("cv_score"),
        gated("selection_cv_score"),
        statistics.fmean(r["held_model"] for r in results),
        statistics.fmean(r["held_rules"] for r in results),
    )
    return dict(zip(COLUMNS, values, strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    """Print a markdown table: one row per labels size and head."""
    parser = argparse.ArgumentParser(prog="python -m classify.gate_report")
    parser.add_argument("--train-dir", type=Path, default=Path("../shared/train"))
    parser.add_argument("--rows", type=int, nargs="+", default=[400, 1000])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--held", type=int, default=3000)
    args = parser.parse_args(argv)
    columns = list(COLUMNS)
    print("| labels | head | " + " | ".join(columns) + " |")
    print("|---:|---|" + "---:|" * len(columns))
    for rows in args.rows:
        by_head: dict[str, list[dict]] = {}
        for seed in range(args.samples):
            for found in measure(args.train_dir, rows, args.held, seed):
                by_head.setdefault(found["head"], []).append(found)
        for head, results in by_head.items():
            values = summary(results).values()
            cells = " | ".join(
                f"{value:+.3f}" if i < 2 else f"{value:.3f}" for i, value in enumerate(values)
            )
            print(f"| {rows} | {head} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
