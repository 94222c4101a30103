"""Topic matching throughput (normalise + match every topic) against a floor, on three corpora.

    python benchmarks/bench_matching.py [--size 20000] [--repeat 5]

Corpora, all from benchmarks/corpus.py's synthetic posts (seeded, so runs compare):
 - `synthetic`: the posts as generated (mostly ASCII, some emoji);
 - `accented`: every post with "é", "ü" and an emoji with a variation selector added (the
   non-ASCII path of `normalize`);
 - `cyrillic`: every post followed by a Russian sentence, and one in ten with "аcme" spelled
   with a Cyrillic "а" (the look-alike folding path).
The floor is `str.lower` plus one compiled-regex search per post: the least any matcher does.
Reported: posts per second and the ratio to the floor (no timed assertions anywhere).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import corpus  # noqa: E402  (benchmarks/ is not a package)

from earmark.config import Topic  # noqa: E402
from earmark.models import Post  # noqa: E402
from listen.matcher import compile_topics, match_topics  # noqa: E402

TOPICS = [
    Topic(
        name="acme", kind="brand", terms=["acme", "acme home", "acme hub", "acme fibre", "#acme"]
    ),
    Topic(name="acmehelp", kind="support", terms=["@acmehelp"]),
    Topic(name="globex", kind="competitor", terms=["globex", "@globexcares", "#globex"]),
]
RUSSIAN = " Сегодня опять нет связи, поддержка не отвечает уже третий день."


def corpora(size: int) -> dict[str, list[str]]:
    texts = [post["text"] for post in corpus.synthetic_posts(size)]
    accented = [f"{text} café über ❤\ufe0f" for text in texts]
    cyrillic = [
        (text.replace("acme", "\u0430cme") if i % 10 == 0 else text) + RUSSIAN
        for i, text in enumerate(texts)
    ]
    return {"synthetic": texts, "accented": accented, "cyrillic": cyrillic}


def best_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(texts: list[str], repeat: int) -> dict:
    posts = [
        Post(platform="x", native_id=str(i), text=text, created_at=corpus.START)
        for i, text in enumerate(texts)
    ]
    topics = compile_topics(TOPICS)
    floor_regex = re.compile(r"acme|globex")

    def floor():
        for text in texts:
            floor_regex.search(text.lower())

    def matching():
        return sum(bool(match_topics(post, topics)) for post in posts)

    matched = matching()
    floor_s = best_seconds(floor, repeat)
    match_s = best_seconds(matching, repeat)
    return {
        "posts": len(texts),
        "matched": matched,
        "floor_posts_per_s": round(len(texts) / floor_s),
        "match_posts_per_s": round(len(texts) / match_s),
        "ratio_to_floor": round(match_s / floor_s, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args(argv)
    results = {name: measure(texts, args.repeat) for name, texts in corpora(args.size).items()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'corpus':<10} {'posts':>7} {'matched':>8} {'floor/s':>10} {'match/s':>10} {'x floor':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<10} {r['posts']:>7} {r['matched']:>8} {r['floor_posts_per_s']:>10} "
            f"{r['match_posts_per_s']:>10} {r['ratio_to_floor']:>8}"
        )
    print(f"median ratio: {statistics.median(r['ratio_to_floor'] for r in results.values())}")


if __name__ == "__main__":
    main()
