"""Per-text cost of the learned layer against bare VADER, in one process on one core.

Run from the repository root (needs a model file: the shipped one by default):

    python benchmarks/bench_model.py                    # 20k synthetic posts, 3 rounds
    python benchmarks/bench_model.py --size 50000 --model team.zip

For each round and each step, the same texts are timed in turn, interleaved (VADER, then each
step), so all share the moments of the machine. Printed: microseconds per text and the ratio
to VADER's time. "model" is what the integration adds to the classify stage, which already
has the rules' outputs and the scoring texts: hashing the n-grams and scoring every head.
"model+rules" also runs the care rules (what a caller without them pays). Each feature family
is timed separately, with the same model shape (weights are random: only the cost counts).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import corpus  # noqa: E402


def timed(step, texts) -> float:
    """Return seconds per text of step(texts)."""
    started = time.perf_counter()
    step(texts)
    return (time.perf_counter() - started) / len(texts)


def main() -> None:
    import numpy as np
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from classify.features import DENSE_NAMES, FeatureSpec, rule_outputs, to_clean
    from classify.model import LearnedModel

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()

    texts = [post["text"] for post in corpus.synthetic_posts(args.size)]
    analyzer = SentimentIntensityAnalyzer()
    model = LearnedModel.load(args.model)
    cleans = [to_clean(text) for text in texts]  # the stage has the scoring texts
    rules = [rule_outputs(clean) for clean in cleans]  # and the rules' outputs already

    def vader(batch):
        for text in batch:
            analyzer.polarity_scores(text)

    def with_spec(spec: FeatureSpec) -> LearnedModel:
        rng = np.random.default_rng(0)
        outputs = model.bias.shape[0]
        meta = dict(model.meta, features=spec.to_dict())
        return LearnedModel(
            rng.standard_normal((spec.dim, outputs)).astype(np.float32),
            rng.standard_normal((len(DENSE_NAMES), outputs)).astype(np.float32),
            model.bias,
            meta,
        )

    steps = {
        "model (shipped)": lambda batch: model.score(cleans, rules, cleaned=True),
        "model, cleaning itself": lambda batch: model.score(batch, rules),
        "model+rules": lambda batch: model.score(batch),
    }
    families = {
        "words": FeatureSpec(bigrams=False),
        "words+bigrams": FeatureSpec(),
        "words+bigrams+chars3-5": FeatureSpec(char_min=3, char_max=5),
        "rules only": FeatureSpec(words=False, bigrams=False),
    }
    for name, spec in families.items():
        variant = with_spec(spec)
        steps[f"family {name}"] = lambda batch, variant=variant: variant.score(
            cleans, rules, cleaned=True
        )

    results: dict[str, list[float]] = {"vader": [], **{name: [] for name in steps}}
    for _ in range(args.rounds):
        results["vader"].append(timed(vader, texts))
        for name, step in steps.items():
            results[name].append(timed(step, texts))
    floor = statistics.median(results["vader"])
    print(f"{len(texts)} texts, {args.rounds} rounds, model {model.identity}")
    print(f"{'step':28} {'us/text':>8} {'x VADER':>8}")
    for name, seconds in results.items():
        median = statistics.median(seconds)
        print(f"{name:28} {median * 1e6:8.1f} {median / floor:8.2f}")


if __name__ == "__main__":
    main()
