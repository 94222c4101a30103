"""The classify stage against bare VADER on the same texts, in one process on one core.

Run from the repository root:

    python benchmarks/bench_classify.py                      # 100k synthetic posts, 3 rounds
    python benchmarks/bench_classify.py --mode eval --size 33697   # every labeled text once
    python benchmarks/bench_classify.py --size 1000000 --rounds 1
    python benchmarks/bench_classify.py --model team-model.zip   # with classify.model set
    python benchmarks/bench_classify.py --model none --model a.zip --model b.zip  # interleaved

A corpus (benchmarks/corpus.py) is imported once into a scratch database (not timed). Each round
copies that database and runs the whole stage, `classify_posts(..., workers=1)`: reading posts,
every classifier step, building rows and saving them. Bare VADER `polarity_scores` scores the
texts of each batch right after the stage has read it, so the floor and the stage share the same
moments of the machine: on a shared VM a separate VADER run minutes earlier can be 20% faster or
slower. VADER's time is subtracted from the round's time; the ratio is stage rate / VADER rate.
With --model given more than once (`none`: the rules alone), each round runs every model in
turn, so the models share the machine's moments too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402  (benchmarks/ is not a package)
import corpus  # noqa: E402


def interleave_vader(store, analyzer, seconds: list[float]) -> None:
    """Make the store's batch reader score each batch with bare VADER before handing it on."""
    from earmark.store.classifications import TO_CLASSIFY_COLUMNS

    read = store.classifications.iter_posts_to_classify
    text = TO_CLASSIFY_COLUMNS.index("text")

    def batches(*args, **kwargs):
        for batch in read(*args, **kwargs):
            started = time.perf_counter()
            for row in batch:
                analyzer.polarity_scores(row[text])
            seconds[0] += time.perf_counter() - started
            yield batch

    store.classifications.iter_posts_to_classify = batches


def one_round(
    base: Path,
    workdir: Path,
    config_path: Path,
    mode: str,
    corpus_file: Path,
    model: str | None = None,
) -> dict:
    """Classify a fresh copy of the imported database; return stage and VADER seconds."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from classify.stage import classify_posts
    from earmark.store import Store

    db = workdir / "round.db"
    bench.checkpoint(base)
    shutil.copy(base, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    config = bench.write_config(corpus_file, db, mode, config_path)
    config.classify.model = model  # a team's model on top of the rules (classify.model)
    analyzer = SentimentIntensityAnalyzer()
    analyzer.polarity_scores("warm up the lexicon")
    vader = [0.0]
    with Store(db) as store:
        interleave_vader(store, analyzer, vader)
        started = time.perf_counter()
        done = classify_posts(store, config.classify_settings(), now=bench.NOW, workers=1)
        total = time.perf_counter() - started
    stage = total - vader[0]
    return {"posts": done, "stage_s": stage, "vader_s": vader[0], "ratio": vader[0] / stage}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="posts in the corpus")
    parser.add_argument("--mode", choices=corpus.MODES, default="synthetic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        help="a model file to set as classify.model (repeat to compare; `none`: rules alone)",
    )
    args = parser.parse_args(argv)

    corpus_file = corpus.corpus_path(args.size, args.mode, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="earmark-bench-classify-"))
    try:
        base = workdir / "imported.db"
        config = bench.write_config(corpus_file, base, args.mode, workdir / "import.yaml")
        bench.say(f"importing {args.size:,} {args.mode} posts (not timed)")
        imported = bench.run_import(base, config)
        bench.say(f"imported {imported['stored']:,} posts; warming up the classifier")
        bench.warm_up_classifier()  # loads the language model once per process (~0.5 s)
        models = [None if m in (None, "none") else m for m in (args.model or [None])]
        rounds: dict[str | None, list[dict]] = {model: [] for model in models}
        for number in range(1, args.rounds + 1):
            for model in models:
                bench.reset_peak_rss()
                result = one_round(
                    base, workdir, workdir / "round.yaml", args.mode, corpus_file, model
                )
                result["peak_rss_mb"] = bench.peak_rss_mb()
                rounds[model].append(result)
                bench.say(
                    f"round {number} ({model or 'rules alone'}): "
                    f"stage {result['posts'] / result['stage_s']:,.0f} posts/s, "
                    f"VADER {result['posts'] / result['vader_s']:,.0f} posts/s, "
                    f"ratio {result['ratio']:.0%}"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for model, done in rounds.items():
        report(done, args.mode, model)


def report(rounds: list[dict], mode: str, model: str | None) -> None:
    """Print one model's rounds: best rates, the median ratio and the peak RSS."""
    posts = rounds[0]["posts"]
    ratios = [r["ratio"] for r in rounds]
    print(f"{posts:,} {mode} posts, {len(rounds)} rounds, one process, workers=1")
    print(f"classify.model  {model or 'none (the care rules alone)'}")
    print(f"classify stage  {posts / min(r['stage_s'] for r in rounds):>9,.0f} posts/s (best)")
    print(f"bare VADER      {posts / min(r['vader_s'] for r in rounds):>9,.0f} posts/s (best)")
    each = ", ".join(f"{ratio:.0%}" for ratio in ratios)
    print(f"stage / VADER   {statistics.median(ratios):.0%} (median; rounds: {each})")
    print(f"peak RSS        {max(r['peak_rss_mb'] for r in rounds):,.0f} MB (whole process)")


if __name__ == "__main__":
    main()
