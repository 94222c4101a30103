"""A reproducible corpus of social posts for the benchmarks, in earmark's JSONL post format.

Two modes:
- `synthetic` (default): seeded posts about the fictional brand Acme, its support handle
  @AcmeHelp and the competitor Globex (the topics of earmark/data/demo.yaml): complaints,
  questions, outages, praise, purchase intent, churn, feature requests, news, spam repeated
  word for word (~10%), reposts and cross-posts (~6%), reply threads, six platforms.
- `eval`: the texts of the labeled files in ../shared/eval/ (read in place, never copied into
  this repository), repeated round-robin until the corpus has the requested size.

    python benchmarks/corpus.py --size 100000 --out /tmp/posts.jsonl [--mode eval] [--seed 7]

`corpus_path(size, mode, seed)` writes the file once into a cache directory and returns it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO.parent / "shared" / "eval"
CACHE_DIR = Path(os.environ.get("EARMARK_BENCH_CACHE", "/tmp/earmark-bench"))
GENERATOR_VERSION = 1  # bump when the generated posts change (invalidates cached files)
START = datetime(2026, 9, 1, tzinfo=timezone.utc)
SPAN = timedelta(days=60)  # every corpus covers the same two months, whatever its size
MODES = ("synthetic", "eval")

PLATFORMS = {  # platform -> (share, url template)
    "x": (0.34, "https://x.example/{author}/status/{native}"),
    "bluesky": (0.18, "https://bsky.example/profile/{author}/post/{native}"),
    "mastodon": (0.14, "https://mastodon.example/@{author}/{native}"),
    "reddit": (0.16, "https://reddit.example/r/acme/comments/{native}"),
    "hackernews": (0.08, "https://news.example/item?id={native}"),
    "rss": (0.10, "https://news.example/{author}/{native}"),
}
BRAND = ["Acme", "acme", "ACME", "#acme", "Acme Home", "acme fibre", "the Acme Hub"]
HANDLE = ["@AcmeHelp", "@acmehelp"]
COMPETITOR = ["Globex", "globex", "@GlobexCares", "#globex"]
PRODUCT = [
    "broadband", "fibre", "router", "hub", "app", "mobile plan", "smart plug", "doorbell",
    "camera", "TV box", "wifi", "landline", "sim", "bill", "account", "mesh extender",
]  # fmt: skip
CITY = [
    "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "Manchester", "York", "Bath",
    "Derby", "Hull", "Norwich", "Exeter", "Dundee", "Swansea", "Oxford", "Brighton",
]  # fmt: skip
PERIOD = ["2 hours", "3 days", "a week", "45 minutes", "since Monday", "all weekend", "10 days"]
EMOJI = ["", "", "", " 😡", " 🙄", " 😂", " 🙏", " 👍", " 🔥", " 😤", " ❤️"]
TEMPLATES = {  # category -> (share, templates)
    "complaint": (0.22, [
        "{brand} {product} has been dead for {period} and {handle} still hasn't replied",
        "still waiting on my refund from {brand}. order {order}. this is ridiculous",
        "{handle} you cancelled my {product} install AGAIN. third time. no call, nothing",
        "Worst customer service ever. {brand} charged me twice for the {product} this month",
        "been on hold with {brand} for {period}. nobody answers. please fix my {product}",
        "{brand} engineer didn't turn up. took a day off work for nothing. thanks a lot {handle}",
        "my {brand} {product} keeps dropping every 10 minutes in {city}, paying for nothing",
        "{handle} I was promised a callback {period} ago. still waiting. ref {order}",
        "the new {brand} app update broke login, can't see my {product} at all",
        "{brand} billing is a joke, £{amount} for a {product} I returned",
    ]),
    "question": (0.16, [
        "does anyone know if {brand} {product} works with a second router?",
        "{handle} how do I change the wifi password on my {product}?",
        "is it normal for the {brand} {product} light to blink orange?",
        "{handle} can I move my {product} to a new address in {city}?",
        "anyone in {city} on {brand} fibre? what speeds do you actually get?",
        "how long does a {brand} {product} replacement usually take?",
        "{handle} where do I find my account number for the {product}?",
        "what's the difference between the {brand} {product} and the old one?",
    ]),
    "outage": (0.08, [
        "is {brand} down? {product} not loading in {city}",
        "{brand} outage again in {city} #down",
        "{handle} total loss of service in {city} for {period}, any ETA?",
        "whole street in {city} has no {brand} internet. is there an outage?",
        "{brand} status page says all fine but nothing works in {city}",
    ]),
    "praise": (0.12, [
        "shoutout to {handle} for fixing my {product} in 10 minutes!{emoji}",
        "loving the new {brand} {product}, setup took two minutes",
        "honestly {brand} support was brilliant today, thank you {handle}",
        "{brand} {product} speeds in {city} are great, no complaints at all",
        "credit where due: {brand} sorted my {product} the same day",
    ]),
    "purchase": (0.05, [
        "thinking of getting {brand} {product}, is it worth it?",
        "how much is the {brand} {product} deal for new customers?",
        "looking to switch to {brand} when my contract ends, any tips?",
    ]),
    "churn": (0.05, [
        "that's it, I'm cancelling {brand} and moving to {competitor}",
        "switching from {brand} to {competitor} after {period} of this",
        "{handle} how do I cancel my contract? done with the {product} problems",
    ]),
    "feature": (0.04, [
        "would be great if the {brand} app let you schedule wifi off at night",
        "{handle} please add dark mode to the app",
        "wish {brand} {product} had a proper guest network option",
    ]),
    "competitor": (0.08, [
        "{competitor} support is a joke, 2 hours on hold for a {product}",
        "{competitor} just raised prices again, anyone tried {brand}?",
        "{competitor} {product} has been solid for me in {city}",
        "{competitor} outage in {city} again, third this month",
    ]),
    "news": (0.04, [
        "{brand} to raise broadband and mobile prices by {pct}% from April",
        "{brand} announces full-fibre rollout in {city} and {city2}",
        "{competitor} and {brand} named in regulator's complaints report",
    ]),
}  # fmt: skip
OPENER = [
    "ugh ", "so ", "lol ", "honestly ", "ok ", "wow ", "hey ", "seriously ", "again: ", "PSA: ",
    "update: ", "day {day}: ", "{time} and ", "not again, ", "quick one: ",
]  # fmt: skip
CLOSER = [
    " #fail", " smh", "...", "!!", " ffs", " (day {day})", " at {time}", " pls", " 🙃",
    " thanks in advance", " ticket {ticket}", " #customerservice", " cc @ofcom_example",
    " - {author}", " (again)", " #{city}", " x{day}", " - not impressed", "?", " tbh",
]  # fmt: skip
SPAM = [
    "WIN a free {brand} Hub!!! click http://bit.ly/acme-free-hub now",
    "🔥🔥 {brand} promo codes 90% OFF 🔥🔥 dm me",
    "Earn £500 a day from home, ask me how #acme #globex",
    "free followers -> http://spam.example/acme",
    "{brand} giveaway!!! retweet and follow to win an iPhone",
]
SPAM_SHARE = 0.10
REPOST_SHARE = 0.06
REPLY_SHARE = 0.18
LONG_SHARE = 0.08  # reddit/rss style posts of several sentences


def _weighted(rng: random.Random, table: dict) -> str:
    keys = list(table)
    return rng.choices(keys, weights=[table[k][0] for k in keys])[0]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        brand=rng.choice(BRAND),
        handle=rng.choice(HANDLE),
        competitor=rng.choice(COMPETITOR),
        product=rng.choice(PRODUCT),
        city=rng.choice(CITY),
        city2=rng.choice(CITY),
        period=rng.choice(PERIOD),
        order=f"#{rng.randrange(10_000_000, 99_999_999)}",
        amount=rng.randrange(10, 400),
        pct=rng.choice(["3.9", "6.4", "8.8"]),
        emoji=rng.choice(EMOJI),
    )


def _vary(rng: random.Random, pattern: str, author: str) -> str:
    return pattern.format(
        day=rng.randrange(1, 40),
        time=f"{rng.randrange(0, 24)}:{rng.randrange(0, 60):02d}",
        ticket=rng.randrange(100_000, 999_999),
        author=author,
        city=rng.choice(CITY).lower(),
    )


def _spam_texts() -> list[str]:
    """A fixed pool of spam texts: each is posted many times, word for word."""
    rng = random.Random(0)
    return [_fill(rng, template) for template in SPAM for _ in range(4)]


def synthetic_posts(size: int, seed: int = 7) -> Iterator[dict]:
    """Yield `size` seeded synthetic posts (earmark JSONL rows), oldest first."""
    rng = random.Random(seed)
    spam = _spam_texts()
    platforms = list(PLATFORMS)
    shares = [PLATFORMS[p][0] for p in platforms]
    authors = max(50, size // 6)
    recent: dict[str, list[tuple[str, str]]] = {p: [] for p in platforms}  # (id, thread root)
    texts: list[str] = []  # recent texts, for reposts
    step = SPAN / max(size, 1)
    for i in range(size):
        platform = rng.choices(platforms, weights=shares)[0]
        author_no = int(rng.paretovariate(1.2)) % authors
        author = f"user{author_no}" if platform != "rss" else f"newsdesk{author_no % 40}"
        roll = rng.random()
        if roll < SPAM_SHARE:
            text = rng.choice(spam)
        elif roll < SPAM_SHARE + REPOST_SHARE and texts:
            text = rng.choice(texts)
            if platform == "x" and rng.random() < 0.5:
                text = f"RT @user{rng.randrange(authors)}: {text}"
        else:
            _, templates = TEMPLATES[_weighted(rng, TEMPLATES)]
            text = _fill(rng, rng.choice(templates))
            if rng.random() < LONG_SHARE:
                extra = [_fill(rng, rng.choice(TEMPLATES["complaint"][1])) for _ in range(3)]
                text = ". ".join([text, *extra])
            if rng.random() < 0.45:
                text = _vary(rng, rng.choice(OPENER), author) + text
            if rng.random() < 0.6:
                text += _vary(rng, rng.choice(CLOSER), author)
            if rng.random() < 0.03:
                phone = f"07700 900{rng.randrange(100, 999)}"
                text += f" email me at {author}@mail.example or call {phone}"
            texts.append(text)
            if len(texts) > 5000:
                del texts[: len(texts) // 2]
        native = f"{seed}{i:09d}"
        post_id = f"{platform}:{native}"
        parent_id = thread_id = None
        pool = recent[platform]
        if pool and platform not in ("rss",) and rng.random() < REPLY_SHARE:
            parent_id, thread_id = rng.choice(pool)
        pool.append((post_id, thread_id or post_id))
        if len(pool) > 200:
            del pool[:100]
        yield {
            "id": post_id,
            "platform": platform,
            "native_id": native,
            "url": PLATFORMS[platform][1].format(author=author, native=native),
            "author": author,
            "author_name": author.title(),
            "author_reach": int(rng.lognormvariate(5, 2)),
            "text": text,
            "lang": "en",
            "created_at": (START + step * i).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "parent_id": parent_id,
            "thread_id": thread_id,
        }


def eval_texts(eval_dir: Path = EVAL_DIR) -> list[str]:
    """Return the texts of every labeled CSV under eval_dir (intent files then sentiment)."""
    files = sorted(eval_dir.glob("*/*.csv"))
    if not files:
        raise SystemExit(f"corpus: no labeled CSV files under {eval_dir}")
    texts = []
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle) if row.get("text"))
    return texts


def eval_posts(size: int, seed: int = 7, eval_dir: Path = EVAL_DIR) -> Iterator[dict]:
    """Yield `size` posts whose texts are the labeled eval texts, repeated in a seeded order."""
    texts = eval_texts(eval_dir)
    rng = random.Random(seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    platforms = list(PLATFORMS)
    step = SPAN / max(size, 1)
    for i in range(size):
        platform = platforms[i % len(platforms)]
        native = f"e{seed}{i:09d}"
        author = f"user{rng.randrange(max(50, size // 6))}"
        yield {
            "id": f"{platform}:{native}",
            "platform": platform,
            "native_id": native,
            "url": PLATFORMS[platform][1].format(author=author, native=native),
            "author": author,
            "author_reach": int(rng.lognormvariate(5, 2)),
            "text": texts[order[i % len(order)]],
            "created_at": (START + step * i).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def posts(size: int, mode: str = "synthetic", seed: int = 7) -> Iterator[dict]:
    """Yield the posts of a corpus."""
    if mode not in MODES:
        raise SystemExit(f"corpus: unknown mode {mode!r} (modes: {', '.join(MODES)})")
    return synthetic_posts(size, seed) if mode == "synthetic" else eval_posts(size, seed)


def write_corpus(path: Path, size: int, mode: str = "synthetic", seed: int = 7) -> Path:
    """Write a corpus as JSONL (atomically) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as out:
        for post in posts(size, mode, seed):
            out.write(json.dumps(post, ensure_ascii=False))
            out.write("\n")
    partial.replace(path)
    return path


def corpus_path(size: int, mode: str = "synthetic", seed: int = 7) -> Path:
    """Return the cached corpus file for (size, mode, seed), writing it the first time."""
    path = CACHE_DIR / f"corpus-v{GENERATOR_VERSION}-{mode}-{seed}-{size}.jsonl"
    if not path.exists():
        write_corpus(path, size, mode, seed)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="number of posts")
    parser.add_argument("--mode", choices=MODES, default="synthetic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="file to write [default: cache]")
    args = parser.parse_args(argv)
    if args.out is None:
        path = corpus_path(args.size, args.mode, args.seed)
    else:
        path = write_corpus(args.out, args.size, args.mode, args.seed)
    print(path, file=sys.stdout)


if __name__ == "__main__":
    main()
