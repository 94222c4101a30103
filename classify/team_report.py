"""What each feature family of a team's model is worth, measured on ../shared/train only.

    python -m classify.team_report --train-dir ../shared/train [--rows 1000] [--folds 5]
        [--sets sentiment question spam] [--configs grid words+vader+rules ...]
        [--models DIR]

Each set is drawn (seeded) from ../shared/train as if it were a team's labels:

- `sentiment`: SemEval-2017 tweets (`sentiment/semeval_train.csv`; allowed for choosing, never
  shipped: docs/model.md);
- `question`: requests from BANKING77 and CLINC150 (`question`) against GoEmotions comments and
  CLINC150's small talk (`other`), as the shipped `question` head is built;
- `spam`: the YouTube Spam Collection (`spam/youtube_spam_train.csv`, its `spam` column).

For each configuration, `evaluate --cv` (classify.crossval) runs with the training grid narrowed
to it: the headline metric's mean and standard deviation over the folds, next to the rules alone
on the same folds. `grid` is what `earmark train` does (the whole grid, and a head only where it
beats the rules); the others fix the feature families, leave C, weighting and thresholds to the
inner cross-validation, and keep every head (so that the number is the family's, not the
rules'). With `--models DIR`, a model per configuration is also trained on the whole
`sentiment` set (for benchmarks/bench_classify.py --model). Nothing here reads ../shared/eval.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from classify import team_grid as grid
from classify.features import FeatureSpec
from classify.training import SMALL_TALK, read_rows

SEED = 21
_NGRAMS = dict(grid.NGRAMS, none=FeatureSpec(words=False, bigrams=False))
# name: the training grid narrowed to it (`grid`: everything `earmark train` compares)
CONFIGS: dict[str, dict] = {
    "grid": {},
    "grid, never rules when unsure": {"unsure": False},
    "vader+rules (no n-grams)": {"ngrams": ["none"], "dense": ["vader+rules"], "unsure": False},
    "words": {"ngrams": ["words"], "dense": ["none"], "unsure": False},
    "words+vader": {"ngrams": ["words"], "dense": ["vader"], "unsure": False},
    "words+vader+rules": {"ngrams": ["words"], "dense": ["vader+rules"], "unsure": False},
    "words+bigrams+vader+rules": {
        "ngrams": ["words+bigrams"],
        "dense": ["vader+rules"],
        "unsure": False,
    },
    "words+shipped+vader+rules": {
        "ngrams": [grid.SHIPPED],
        "dense": ["vader+rules"],
        "unsure": False,
    },
    "words+chars3-5+vader+rules": {
        "ngrams": ["words+chars3-5"],
        "dense": ["vader+rules"],
        "unsure": False,
    },
}
METRIC = {"sentiment": "sentiment macro-F1", "question": "question F1", "spam": "spam F1"}


def fit_options(config: str) -> dict:
    """Keyword arguments of classify.team.fit_team for a configuration name."""
    options = dict(CONFIGS[config])
    if not config.startswith("grid"):
        options["gate"] = False
    if "ngrams" in options:
        options["ngrams"] = {name: _NGRAMS[name] for name in options["ngrams"]}
    return options


def write_set(name: str, train_dir: Path, rows: int, out: Path) -> Path:
    """Write a seeded sample of ../shared/train as a labels file `evaluate` reads."""
    chooser = random.Random(SEED)
    if name == "sentiment":
        found = read_rows(train_dir / "sentiment/semeval_train.csv", "sentiment")
        header, picked = ["id", "text", "sentiment"], chooser.sample(found, min(rows, len(found)))
    elif name == "question":
        comments = read_rows(train_dir / "sentiment/goemotions_train.csv", "sentiment")
        requests = read_rows(train_dir / "intent/banking77_train.csv", "label")
        requests += read_rows(train_dir / "intent/clinc150_train.csv", "label")
        half = rows // 2
        picked = [(t, "other") for t, _ in chooser.sample(comments, half)]
        picked += [
            (t, "other" if label in SMALL_TALK else "question")
            for t, label in chooser.sample(requests, rows - half)
        ]
        chooser.shuffle(picked)
        header = ["id", "text", "intents"]
    elif name == "spam":
        found = read_rows(train_dir / "spam/youtube_spam_train.csv", "spam")
        header, picked = ["id", "text", "spam"], chooser.sample(found, min(rows, len(found)))
    else:
        raise ValueError(f"unknown set {name!r}")
    path = out / f"{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number, (text, label) in enumerate(picked):
            writer.writerow([f"{name}-{number}", text, label])
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Print one tab-separated line per set and configuration (see the module docstring)."""
    from classify.crossval import cross_validate

    parser = argparse.ArgumentParser(prog="python -m classify.team_report")
    parser.add_argument("--train-dir", type=Path, default=Path("../shared/train"))
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sets", nargs="+", default=list(METRIC), choices=list(METRIC))
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--models", type=Path, help="also write a sentiment model per config")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="earmark-team-report-") as tmp:
        print("set\tconfiguration\tmetric\tmean\tsd\trules\tcpu_s", flush=True)
        for name in args.sets:
            path = write_set(name, args.train_dir, args.rows, Path(tmp))
            for config in args.configs:
                started = time.process_time()
                options = fit_options(config)
                result = cross_validate(path, args.folds, seed=SEED, fit_options=options)
                cpu = time.process_time() - started
                metric = result["metrics"][METRIC[name]]
                print(
                    f"{name}\t{config}\t{METRIC[name]}\t{metric['mean']:.3f}\t{metric['sd']:.3f}"
                    f"\t{metric['rules_mean']:.3f}\t{cpu:.0f}",
                    flush=True,
                )
        if args.models:
            write_models(args.models, write_set("sentiment", args.train_dir, args.rows, Path(tmp)))
    return 0


def write_models(folder: Path, labels: Path) -> None:
    """Train one model per configuration on `labels`; print each file's name."""
    from classify.evaluate import load_labeled
    from classify.model import write_model
    from classify.team import fit_team, prepare

    folder.mkdir(parents=True, exist_ok=True)
    data = prepare(list(load_labeled(labels)))
    for config in CONFIGS:
        model = fit_team(data, seed=SEED, **fit_options(config))
        path = folder / (re.sub(r"[^a-z0-9+]+", "-", config).strip("-") + ".zip")
        write_model(path, model.weights, model.dense, model.bias, model.meta)
        print(f"model\t{config}\t{path}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
