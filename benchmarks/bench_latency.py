"""What a team hits every few minutes, on a big store: the no-op `run`, `queue` and `stats`,
as multiples of a floor measured in the same process on the same database.

    python benchmarks/bench_latency.py --size 1000000            # builds the store once (slow)
    python benchmarks/bench_latency.py --size 1000000 --db DB    # a store bench.py --keep left
    python benchmarks/bench_latency.py --size 1000000 --db DB --profile   # + cProfile of a no-op

The store is the benchmark corpus (benchmarks/corpus.py) imported, classified and routed by
bench.py's child steps. The timings run on a copy of it. Floors: `SELECT count(*) FROM posts`
(SQLite walks its smallest index of the posts table) and a primary-key lookup of one post.
Each timing is the median of --repeat runs. Never used by the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402  (benchmarks/ is not a package)
import corpus  # noqa: E402

NOW = bench.NOW


def median_of(action, repeat: int) -> float:
    return statistics.median(bench.timed(action)[0] for _ in range(repeat))


def floors(db: Path, repeat: int) -> dict:
    """Time the bare reads every other timing is compared with."""
    conn = sqlite3.connect(db)
    try:
        post_id = conn.execute("SELECT id FROM posts ORDER BY rowid LIMIT 1").fetchone()[0]
        return {
            "count_s": median_of(
                lambda: conn.execute("SELECT count(*) FROM posts").fetchone(), repeat
            ),
            "pk_s": median_of(
                lambda: conn.execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone(),
                max(repeat, 100),
            ),
            "posts": conn.execute("SELECT count(*) FROM posts").fetchone()[0],
            "open": conn.execute(
                "SELECT count(*) FROM opportunities WHERE status NOT IN ('resolved', 'dismissed')"
            ).fetchone()[0],
        }
    finally:
        conn.close()


def noop_runs(db: Path, config, repeat: int, profile: bool) -> dict:
    """A catch-up run (SLA states, alerts, health of the routed store), then no-op runs."""
    first = bench.run_full(db, config, NOW)
    runs = [bench.run_full(db, config, NOW + timedelta(minutes=i + 1)) for i in range(repeat)]
    out = {
        "first_s": first["seconds"],
        "noop_s": statistics.median(r["seconds"] for r in runs),
        "noop_max_s": max(r["seconds"] for r in runs),
        "noop_changed": [r["changed"] for r in runs],
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        bench.run_full(db, config, NOW + timedelta(minutes=repeat + 1))
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
        out["profile"] = text.getvalue()
    return out


def queue_and_stats(db: Path, config, repeat: int) -> dict:
    from earmark.store import Store
    from export.queues.metrics import compute_stats
    from export.queues.views import item_record

    fraction = config.routing.at_risk_fraction
    out = {}
    with Store(db) as store:

        def queue() -> list:
            items = store.queues.urgent_items(limit=200, now=NOW, at_risk_fraction=fraction)
            return [item_record(i, NOW, fraction) for i in items]

        out["queue_items"] = len(queue())
        out["queue_s"] = median_of(queue, repeat)
        for by in (None, "queue", "agent", "topic", "platform"):
            out[f"stats_{by or 'all'}_s"] = median_of(
                lambda by=by: compute_stats(
                    store, config, now=NOW, since=NOW - timedelta(days=7), by=by
                ),
                repeat,
            )
    return out


def build(size: int, mode: str, seed: int, db: Path) -> None:
    corpus_file = corpus.corpus_path(size, mode, seed)
    for stage in ("import", "classify", "route"):
        bench.say(f"{stage} at {size:,} posts (child process)")
        bench.in_child(stage, corpus_file, db, mode)


def report(results: dict) -> str:
    floor = results["floors"]["count_s"]
    lines = [
        f"earmark latency, {results['date']}, {results['machine']}",
        f"store: {results['floors']['posts']:,} posts, {results['floors']['open']:,} open items; "
        f"command: {results['command']}",
        f"floor: SELECT count(*) FROM posts {floor * 1000:.1f} ms; "  # noqa: S608 - a label
        f"primary-key lookup {results['floors']['pk_s'] * 1e6:.0f} us; "
        f"opening the copy (migrations included) {results['migrate_s']:.1f} s",
        "",
        f"{'step':<34} {'seconds':>8} {'x count(*)':>11}",
    ]
    rows = [
        ("catch-up run (first after route)", results["runs"]["first_s"]),
        ("no-op run (median)", results["runs"]["noop_s"]),
        ("no-op run (max)", results["runs"]["noop_max_s"]),
        (f"queue ({results['latency']['queue_items']} items)", results["latency"]["queue_s"]),
    ]
    for by in ("all", "queue", "agent", "topic", "platform"):
        rows.append((f"stats ({by}, 7 days)", results["latency"][f"stats_{by}_s"]))
    for name, seconds in rows:
        lines.append(f"{name:<34} {seconds:>8.3f} {seconds / floor:>11.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="posts in the corpus")
    parser.add_argument("--mode", choices=corpus.MODES, default="synthetic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, help="a store built from the same corpus (copied)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more no-op run")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="earmark-latency-", dir=args.workdir))
    try:
        db = workdir / "latency.db"
        if args.db is None:
            build(args.size, args.mode, args.seed, db)
        else:
            bench.copy_db(args.db, db)
        corpus_file = corpus.corpus_path(args.size, args.mode, args.seed)
        config = bench.write_config(corpus_file, db, args.mode, workdir / "latency.yaml")
        started = time.perf_counter()
        from earmark.store import Store

        Store(db).close()  # migrations (the post_counts back-fill on an older store)
        migrate_s = time.perf_counter() - started
        results = {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "command": " ".join(["python", "benchmarks/bench_latency.py", *sys.argv[1:]]),
            "machine": bench._header(args)["machine"],
            "migrate_s": migrate_s,
        }
        bench.say("no-op runs")
        results["runs"] = noop_runs(db, config, args.repeat, args.profile)
        bench.say("queue and stats")
        results["latency"] = queue_and_stats(db, config, args.repeat)
        results["floors"] = floors(db, args.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    profile = results["runs"].pop("profile", None)
    print(json.dumps(results, indent=2) if args.json else report(results))
    if profile:
        print(profile, file=sys.stderr)


if __name__ == "__main__":
    main()
