"""What a team hits every few minutes, on a big store: the no-op `run`, `queue` and `stats`,
as multiples of a floor measured in the same process on the same database, on SQLite and (with
--engine postgresql or both) on PostgreSQL.

    python benchmarks/bench_latency.py --size 1000000            # builds the store once (slow)
    python benchmarks/bench_latency.py --size 1000000 --db DB    # a store bench.py --keep left
    python benchmarks/bench_latency.py --size 1000000 --db DB --profile   # + cProfile of a no-op
    python benchmarks/bench_latency.py --size 1000000 --db DB --engine both   # + PostgreSQL

The store is the benchmark corpus (benchmarks/corpus.py) imported, classified and routed by
bench.py's child steps. The timings run on a copy of it. Floors: `SELECT count(*) FROM posts`
(SQLite walks its smallest index of the posts table) and a primary-key lookup of one post.
Each timing is the median of --repeat runs. Never used by the test suite.

On PostgreSQL the SQLite copy is first moved with earmark's own `db copy` code (copy_store:
every table upserted, then compared row by row) into --pg-url (an empty database), else a new
database on $EARMARK_TEST_PG_URL's server, else on a throwaway cluster that .ci/postgres.sh
starts and stops. --pg-template URL instead times a clone of a database that already holds
`earmark db copy DB URL`'s copy (dropped at the end; the template is left as it is). Then the
same runs and reads are timed there, against the same floors taken on that server. Both
engines start from the same routed store and run with the same clock, so the queue pages and
stats must come out equal (the report says whether they do).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402  (benchmarks/ is not a package)
import bench_engines  # noqa: E402
import corpus  # noqa: E402

NOW = bench.NOW
ENGINES = ("sqlite", "postgresql")
GROUPINGS = ("all", "queue", "agent", "topic", "platform")


def median_of(action, repeat: int) -> float:
    return statistics.median(bench.timed(action)[0] for _ in range(repeat))


def floors(location: str, repeat: int) -> dict:
    """Time the bare reads every other timing is compared with, on the store's engine."""
    from earmark.dburl import is_postgres_url

    if is_postgres_url(location):
        import psycopg

        conn = psycopg.connect(location)
        mark = "%s"
    else:
        conn = sqlite3.connect(location)  # type: ignore[assignment]
        mark = "?"
    try:
        version = (
            conn.execute("SHOW server_version").fetchone()[0]
            if mark == "%s"
            else sqlite3.sqlite_version
        )
        post_id = conn.execute("SELECT id FROM posts ORDER BY rowid LIMIT 1").fetchone()[0]
        by_key = f"SELECT * FROM posts WHERE id = {mark}"  # noqa: S608 - a placeholder
        return {
            "count_s": median_of(
                lambda: conn.execute("SELECT count(*) FROM posts").fetchone(), repeat
            ),
            "pk_s": median_of(
                lambda: conn.execute(by_key, (post_id,)).fetchone(), max(repeat, 100)
            ),
            "version": version,
            "posts": conn.execute("SELECT count(*) FROM posts").fetchone()[0],
            "open": conn.execute(
                "SELECT count(*) FROM opportunities WHERE status NOT IN ('resolved', 'dismissed')"
            ).fetchone()[0],
        }
    finally:
        conn.close()


def noop_runs(location: str, config, repeat: int, profile: bool) -> dict:
    """A catch-up run (SLA states, alerts, health of the routed store), then no-op runs."""
    first = bench.run_full(location, config, NOW)  # type: ignore[arg-type]
    runs = [
        bench.run_full(location, config, NOW + timedelta(minutes=i + 1))  # type: ignore[arg-type]
        for i in range(repeat)
    ]
    out = {
        "first_s": first["seconds"],
        "noop_s": statistics.median(r["seconds"] for r in runs),
        "noop_max_s": max(r["seconds"] for r in runs),
        "noop_changed": [r["changed"] for r in runs],
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        bench.run_full(location, config, NOW + timedelta(minutes=repeat + 1))  # type: ignore[arg-type]
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
        out["profile"] = text.getvalue()
    return out


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def queue_and_stats(location: str, config, repeat: int) -> dict:
    """Time the queue page (200 most urgent) and stats (7 days) by every grouping; keep a
    digest of each answer, so the engines' answers can be compared."""
    from earmark.store import Store
    from export.queues.metrics import compute_stats
    from export.queues.views import item_record

    fraction = config.routing.at_risk_fraction
    out: dict = {"digests": {}}
    with Store(location) as store:

        def queue() -> list:
            items = store.queues.urgent_items(limit=200, now=NOW, at_risk_fraction=fraction)
            return [item_record(i, NOW, fraction) for i in items]

        page = queue()
        out["queue_items"] = len(page)
        out["digests"]["queue"] = _digest(page)
        out["queue_s"] = median_of(queue, repeat)
        for by in GROUPINGS:

            def stats(by=by) -> list:
                return compute_stats(
                    store,
                    config,
                    now=NOW,
                    since=NOW - timedelta(days=7),
                    by=None if by == "all" else by,
                )

            out["digests"][f"stats_{by}"] = _digest(stats())
            out[f"stats_{by}_s"] = median_of(stats, repeat)
    return out


def build(size: int, mode: str, seed: int, db: Path) -> None:
    corpus_file = corpus.corpus_path(size, mode, seed)
    for stage in ("import", "classify", "route"):
        bench.say(f"{stage} at {size:,} posts (child process)")
        bench.in_child(stage, corpus_file, db, mode)


def copy_to_postgres(db: Path, url: str) -> dict:
    """Copy the SQLite store into the PostgreSQL database with `db copy`'s own code."""
    from earmark.store import Store
    from earmark.store.copy import copy_store

    started = time.perf_counter()
    with Store(str(db)) as source, Store(url) as dest:
        report = copy_store(source, dest)
        version = dest.conn.execute("SHOW server_version").fetchone()[0]
    if not report.ok:
        raise SystemExit(f"bench_latency: the copy differs: {report.differences}")
    return {
        "copy_s": time.perf_counter() - started,
        "rows": sum(report.counts.values()),
        "server_version": version,
    }


def postgres_location(args) -> tuple[str, str | None, str | None]:
    """Return (the database URL, a throwaway cluster's directory or None, the server URL to
    drop the database from afterwards or None): a clone of --pg-template, else --pg-url as
    given, else a new database on $EARMARK_TEST_PG_URL's server or on a throwaway cluster
    (bench_engines.py's)."""
    if args.pg_template:
        return clone_database(args.pg_template), None, args.pg_template
    if args.pg_url:
        return args.pg_url, None, None
    if os.environ.get("EARMARK_TEST_PG_URL"):
        server = os.environ["EARMARK_TEST_PG_URL"]
        return bench_engines.new_database(server), None, server
    url, cluster = bench_engines.postgres_location(args)
    return url, cluster, None


def clone_database(template: str) -> str:
    """Return a new database on template's server made from it (CREATE DATABASE ... TEMPLATE:
    a file copy, seconds where `db copy` of a 1M store takes many minutes)."""
    import psycopg

    parts = urlsplit(template)
    name = f"earmark_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(template, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parts.path.lstrip("/")}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def drop_database(server: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(engine: str, location: str, config, args) -> dict:
    """The no-op runs, queue and stats, and the floors, on one store."""
    bench.say(f"no-op runs ({engine})")
    out = {"runs": noop_runs(location, config, args.repeat, args.profile)}
    bench.say(f"queue and stats ({engine})")
    out["latency"] = queue_and_stats(location, config, args.repeat)
    out["floors"] = floors(location, args.repeat)
    return out


def _rows(result: dict) -> list[tuple[str, str, float]]:
    latency = result["latency"]
    rows = [
        ("first", "catch-up run (first after route)", result["runs"]["first_s"]),
        ("noop", "no-op run (median)", result["runs"]["noop_s"]),
        ("noop_max", "no-op run (max)", result["runs"]["noop_max_s"]),
        ("queue", f"queue ({latency['queue_items']} items)", latency["queue_s"]),
    ]
    for by in GROUPINGS:
        rows.append((f"stats_{by}", f"stats ({by}, 7 days)", latency[f"stats_{by}_s"]))
    return rows


def report(results: dict) -> str:
    engines = [e for e in ENGINES if e in results["engines"]]
    first = results["engines"][engines[0]]
    lines = [
        f"earmark latency, {results['date']}, {results['machine']}",
        f"store: {first['floors']['posts']:,} posts, {first['floors']['open']:,} open items; "
        f"command: {results['command']}",
        f"opening the SQLite copy (migrations included) {results['migrate_s']:.1f} s",
    ]
    if "copy" in results:
        copy = results["copy"]
        lines.append(
            f"PostgreSQL {copy['server_version']}: db copy of {copy['rows']:,} rows (compared "
            f"row by row) {copy['copy_s']:.0f} s"
        )
    for engine in engines:
        floor = results["engines"][engine]["floors"]
        lines.append(
            f"floor on {engine} {floor['version']}: SELECT count(*) FROM posts "  # noqa: S608 - a label
            f"{floor['count_s'] * 1000:.1f} ms; primary-key lookup {floor['pk_s'] * 1e6:.0f} us"
        )
    lines.append("")
    header = f"{'step':<34}"
    for engine in engines:
        header += f" {engine + ' s':>13} {'x count(*)':>11}"
    if len(engines) == 2:
        header += f" {'pg / sqlite':>12}"
    lines.append(header)
    labelled = {engine: _rows(results["engines"][engine]) for engine in engines}
    for index, (_, label, _) in enumerate(labelled[engines[0]]):
        line = f"{label:<34}"
        seconds = []
        for engine in engines:
            value = labelled[engine][index][2]
            floor = results["engines"][engine]["floors"]["count_s"]
            line += f" {value:>13.3f} {value / floor:>11.1f}"
            seconds.append(value)
        if len(engines) == 2:
            line += f" {seconds[1] / seconds[0]:>12.2f}"
        lines.append(line)
    if len(engines) == 2:
        lines.append("")
        differ = results["answers_differ"]
        lines.append(
            "queue page and every stats grouping equal on both engines: "
            + ("yes" if not differ else "NO, they differ in " + ", ".join(differ))
        )
    return "\n".join(lines)


def disagreements(results: dict) -> list[str]:
    """Return the answers (queue, stats_<by>) whose digests differ between the engines."""
    lite = results["engines"]["sqlite"]["latency"]["digests"]
    pg = results["engines"]["postgresql"]["latency"]["digests"]
    return [name for name in lite if lite[name] != pg.get(name)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="posts in the corpus")
    parser.add_argument("--mode", choices=corpus.MODES, default="synthetic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, help="a store built from the same corpus (copied)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more no-op run")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql", "both"),
        default=None,
        help="where to time (default: sqlite; both when --pg-url is given)",
    )
    parser.add_argument("--pg-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument(
        "--pg-template",
        default=None,
        metavar="URL",
        help="a database that already holds a db copy of --db: time a clone of it instead of "
        "copying (connects to the template's server, leaves the template as it is)",
    )
    parser.add_argument(
        "--pg-keep",
        action="store_true",
        help="leave the PostgreSQL database (and a throwaway cluster) for EXPLAIN; says where",
    )
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engine = args.engine or ("both" if args.pg_url or args.pg_template else "sqlite")
    engines = ENGINES if engine == "both" else (engine,)
    workdir = Path(tempfile.mkdtemp(prefix="earmark-latency-", dir=args.workdir))
    cluster = server = None
    locations: dict[str, str] = {}
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
        results: dict = {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "command": " ".join(["python", "benchmarks/bench_latency.py", *sys.argv[1:]]),
            "machine": bench._header(args)["machine"],
            "migrate_s": migrate_s,
            "engines": {},
        }
        locations["sqlite"] = str(db)
        if "postgresql" in engines:
            # Copied before any run, so both engines start from the same routed store.
            locations["postgresql"], cluster, server = postgres_location(args)
            if not args.pg_template:
                bench.say("copying the store into PostgreSQL (db copy)")
                results["copy"] = copy_to_postgres(db, locations["postgresql"])
        for name in engines:
            results["engines"][name] = measure(name, locations[name], config, args)
        if len(engines) == 2:
            results["answers_differ"] = disagreements(results)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if server and not args.pg_keep:
            drop_database(server, locations["postgresql"])
        elif args.pg_keep and "postgresql" in locations:
            bench.say(f"kept: {locations['postgresql']} (cluster {cluster or 'not ours'})")
        if cluster and not args.pg_keep:
            subprocess.run(["bash", str(bench_engines.SCRIPT), "stop", cluster], check=False)
    profiles = [
        (name, result["runs"].pop("profile", None)) for name, result in results["engines"].items()
    ]
    print(json.dumps(results, indent=2) if args.json else report(results))
    for name, profile in profiles:
        if profile:
            print(f"-- profile of a no-op run on {name}\n{profile}", file=sys.stderr)


if __name__ == "__main__":
    main()
