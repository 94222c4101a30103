"""Throughput of the classify stage against bare VADER, in one process on one core.

Run from the repository root: `python benchmarks/bench_classify.py [N]`. Texts come from the
labeled sets in ../shared/eval/ (never copied into this repository).
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
ROUNDS = 3
FILES = (
    "sentiment/airline_open.csv",
    "sentiment/tweeteval_val.csv",
    "sentiment/goemotions_dev.csv",
    "sentiment/vader_tweets.csv",
    "intent/twacs_open.csv",
)


def load_texts(limit: int) -> list[str]:
    """Read up to `limit` texts from the evaluation files, round-robin across them."""
    columns = []
    for name in FILES:
        path = EVAL / name
        if path.exists():
            with open(path, newline="", encoding="utf-8") as handle:
                columns.append([row["text"] for row in csv.DictReader(handle)])
    if not columns:
        sys.exit(f"bench_classify: no evaluation files under {EVAL}")
    texts: list[str] = []
    for i in range(max(len(column) for column in columns)):
        for column in columns:
            if i < len(column):
                texts.append(column[i])
    return texts[:limit]


def rate(label: str, count: int, seconds: float) -> float:
    """Print and return posts per second."""
    per_second = count / seconds
    print(f"{label:<34} {per_second:>9,.0f} posts/s  ({seconds:.2f}s for {count:,})")
    return per_second


def main() -> None:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    texts = load_texts(limit)
    distinct = len(set(texts))
    print(f"{len(texts):,} texts ({distinct:,} distinct) from {EVAL}, best of {ROUNDS} rounds")

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from classify import ClassifyItem, classify_many, classify_text

    analyzer = SentimentIntensityAnalyzer()
    # Warm up outside the timings: compile the rules and load the language model (~0.6 s, once
    # per process), which only non-English-looking posts need.
    classify_text("Bonjour à tous, le vol de ce matin est parti à l'heure, merci beaucoup")

    def run_vader() -> None:
        for text in texts:
            analyzer.polarity_scores(text)

    def run_classify_text() -> None:
        for text in texts:
            classify_text(text)

    def run_classify_many() -> None:
        for _ in classify_many(ClassifyItem(text) for text in texts):
            pass

    # Interleave the runs and keep each one's best time: other processes on the machine add
    # noise that only ever slows a run down.
    best = {"vader": float("inf"), "text": float("inf"), "many": float("inf")}
    for _ in range(ROUNDS):
        for key, run in (
            ("vader", run_vader),
            ("text", run_classify_text),
            ("many", run_classify_many),
        ):
            started = time.perf_counter()
            run()
            best[key] = min(best[key], time.perf_counter() - started)
    vader = rate("bare VADER polarity_scores", len(texts), best["vader"])
    single = rate("classify_text", len(texts), best["text"])
    many = rate("classify_many", len(texts), best["many"])
    print(f"ratio classify_text / VADER: {single / vader:.0%}")
    print(f"ratio classify_many / VADER: {many / vader:.0%}")


if __name__ == "__main__":
    main()
