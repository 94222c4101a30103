"""SQLite and PostgreSQL side by side: import, classify, route, queue and stats on one corpus.

Run from the repository root:

    python benchmarks/bench_engines.py                    # 100k synthetic posts
    python benchmarks/bench_engines.py --size 10000 --json
    python benchmarks/bench_engines.py --pg-url postgresql://localhost/earmark_bench

The PostgreSQL server is --pg-url (an empty database: the benchmark's tables are created in
it), else $EARMARK_TEST_PG_URL's server (a new database), else a throwaway cluster that
.ci/postgres.sh starts and stops. Each stage runs in this process, through the same code as
`earmark`, on the same corpus (benchmarks/corpus.py) and config (bench.py's); the table shows
each engine's time and PostgreSQL's as a ratio of SQLite's (lower is better, 1.00 = equal).
queue and stats are medians of --repeat in-process calls. Never used by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402  (benchmarks/ is not a package)
import corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "postgres.sh"


def new_database(server_url: str) -> str:
    import psycopg

    name = f"earmark_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def postgres_location(args) -> tuple[str, str | None]:
    """Return (the URL to benchmark on, the throwaway cluster's directory to stop or None)."""
    if args.pg_url:
        return args.pg_url, None
    if os.environ.get("EARMARK_TEST_PG_URL"):
        return new_database(os.environ["EARMARK_TEST_PG_URL"]), None
    done = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_engines: no PostgreSQL server ({done.stderr.strip()})")
    url, directory = done.stdout.split()
    return new_database(url), directory


def stages(location: str, corpus_file: Path, workdir: Path, mode: str, repeat: int) -> dict:
    """Run every stage on one store; return their timings."""
    config_path = workdir / f"earmark-{uuid.uuid4().hex[:6]}.json"
    config = bench.write_config(corpus_file, location, mode, config_path)
    out = {"import": bench.run_import(location, config)}  # type: ignore[arg-type]
    out["classify"] = bench.run_classify(location, config, 1)  # type: ignore[arg-type]
    out["route"] = bench.run_route(location, config)  # type: ignore[arg-type]
    lat = bench.latency(location, config, config_path, repeat)  # type: ignore[arg-type]
    out["queue"] = {"seconds": lat["queue_s"], "items": lat["queue_items"]}
    out["stats"] = {"seconds": lat["stats_all_s"]}
    out["stats_by_queue"] = {"seconds": lat["stats_queue_s"]}
    out["cli_queue"] = {"seconds": lat["cli_queue_s"]}
    out["cli_stats"] = {"seconds": lat["cli_stats_s"]}
    return out


ROWS = (
    ("import (run_listen)", "import"),
    ("classify (1 worker)", "classify"),
    ("route (route_opportunities)", "route"),
    ("queue (200 most urgent, in process)", "queue"),
    ("stats (7 days, in process)", "stats"),
    ("stats --by queue (in process)", "stats_by_queue"),
    ("earmark queue -f jsonl (command)", "cli_queue"),
    ("earmark stats -f json (command)", "cli_stats"),
)


def table(results: dict) -> str:
    lines = [
        "| stage | SQLite s | PostgreSQL s | PostgreSQL / SQLite |",
        "|---|---:|---:|---:|",
    ]
    for label, key in ROWS:
        lite = results["sqlite"][key]["seconds"]
        pg = results["postgresql"][key]["seconds"]
        lines.append(f"| {label} | {lite:.3f} | {pg:.3f} | {pg / lite:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--mode", choices=["synthetic", "eval"], default="synthetic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg-url", default=None, help="An empty PostgreSQL database.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args(argv)

    corpus_file = corpus.corpus_path(args.size, args.mode, args.seed)
    bench.warm_up_classifier()
    url, cluster = postgres_location(args)
    results: dict = {
        "size": args.size,
        "mode": args.mode,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        with tempfile.TemporaryDirectory(prefix="earmark-engines-") as tmp:
            workdir = Path(tmp)
            bench.say(f"bench_engines: SQLite, {args.size} posts")
            results["sqlite"] = stages(
                str(workdir / "bench.db"), corpus_file, workdir, args.mode, args.repeat
            )
            bench.say(f"bench_engines: PostgreSQL, {args.size} posts")
            results["postgresql"] = stages(url, corpus_file, workdir, args.mode, args.repeat)
            import psycopg

            with psycopg.connect(url) as conn:
                results["postgresql_version"] = conn.execute("SHOW server_version").fetchone()[0]
    finally:
        if cluster:
            subprocess.run(["bash", str(SCRIPT), "stop", cluster], check=False)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{args.size} posts ({args.mode}), PostgreSQL {results['postgresql_version']}")
        print(table(results))


if __name__ == "__main__":
    main()
