"""Throughput, latency and memory of earmark against the physical floors, side by side.

Run from the repository root (the default finishes in a few minutes on 2 cores):

    python benchmarks/bench.py                       # 100k synthetic posts
    python benchmarks/bench.py --size 1000000        # the full run (1M posts, ~15 minutes)
    python benchmarks/bench.py --size 10000 --mode eval --json

In one process, on one corpus (benchmarks/corpus.py, cached under /tmp/earmark-bench):
 1. bare VADER `polarity_scores` over the corpus texts (the floor for sentiment),
 2. raw sqlite3 `executemany` of the same rows into a bare table (the floor for storage),
 3. import: `run_listen` from the JSONL file (topic matching, indexes and FTS included),
 4. classify: `classify_posts` with workers=1 and workers=2,
 5. route: `route_opportunities`, and a full `run_pipeline` over the imported corpus,
 6. a no-op `run_pipeline` when nothing is new,
 7. `queue` (store.queues.urgent_items + item_record) and `stats` (compute_stats) latency, in
    process and as a whole `earmark` command (interpreter start included); the no-op run,
    queue and stats also as multiples of `SELECT count(*) FROM posts` timed in this process,
 8. peak RSS of import and classify, each in a child process, at 10k posts and at --size.

`--memory-only` runs just the memory table: import, classify (one worker), route,
`earmark export -f csv|jsonl|json|table|markdown|html|slack|email --status all` and
`earmark queue -f jsonl` (200 most urgent), each in its own child process at --size, with its
time and peak RSS (VmHWM):

    python benchmarks/bench.py --memory-only --size 200000

Ratios compare each stage to its floor on the same texts/rows: import against executemany,
classify against bare VADER. Never used by the test suite (no timed assertions anywhere).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import corpus  # noqa: E402  (benchmarks/ is not a package)

NOW = corpus.START + corpus.SPAN + timedelta(minutes=1)
FLOOR_SAMPLE = 100_000  # texts scored by bare VADER (its rate does not depend on corpus size)
ROW_CHUNK = 10_000
IMPORT_BATCH = 1000  # posts per transaction of the file source (listen/file.py BATCH_SIZE)


# -- configuration -------------------------------------------------------------------------


def bench_config_data(corpus_file: Path, db: Path | str, mode: str) -> dict:
    """Return the config the benchmark runs with: the demo topics, queues and agents."""
    topics = [
        {
            "name": "acme",
            "kind": "brand",
            "terms": ["acme", "acme home", "acme hub", "acme fibre", "#acme"],
            "exclude": ["acme anvil meme"],
        },
        {"name": "acmehelp", "kind": "support", "terms": ["@acmehelp"]},
        {"name": "globex", "kind": "competitor", "terms": ["globex", "@globexcares", "#globex"]},
    ]
    if mode == "eval":  # the labeled texts name no brand: one topic keeps every post
        topics.append(
            {"name": "everything", "kind": "brand", "query": _platform_query()},
        )
    return {
        "database": str(db),
        "topics": topics,
        "sources": {"file": {"path": str(corpus_file)}},
        "classify": {"neutral_terms": ["acme hub", "acme home"]},
        "queues": [
            {
                "name": "urgent",
                "match": {"intents": ["outage"], "kinds": ["brand", "support"], "min_priority": 50},
                "sla": "30m",
                "strategy": "least_loaded",
            },
            {
                "name": "support",
                "match": {"kinds": ["brand", "support"], "opportunities": ["support"]},
                "sla": "2h",
                "strategy": "least_loaded",
            },
            {"name": "sales", "match": {"opportunities": ["sales"]}, "sla": "1d"},
            {"name": "advocacy", "match": {"opportunities": ["advocacy"]}, "sla": "1d"},
        ],
        "agents": [
            {"name": "alice", "queues": ["urgent", "support"], "capacity": 8},
            {"name": "bob", "queues": ["support", "advocacy"], "capacity": 10},
            {"name": "chen", "queues": ["sales", "support", "advocacy"], "capacity": 6},
        ],
        "alerts": {"per": ["intent:outage"]},
    }


def _platform_query() -> str:
    return " OR ".join(f"platform:{name}" for name in corpus.PLATFORMS)


def write_config(corpus_file: Path, db: Path | str, mode: str, path: Path):
    """Write the config file (JSON is YAML) and return the parsed Config."""
    from earmark.cli.configfile import parse_config

    data = bench_config_data(corpus_file, db, mode)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return parse_config(data, str(path))


# -- memory and time -----------------------------------------------------------------------


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Return this process's peak RSS in MB since start or the last reset."""
    return _status_kb("VmHWM") / 1024


class Timer:
    """Collect wall-clock seconds of named steps."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def __call__(self):
        started = time.perf_counter()
        try:
            yield self
        finally:
            self.seconds = time.perf_counter() - started


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def median_seconds(action, repeat: int) -> float:
    return statistics.median(timed(action)[0] for _ in range(repeat))


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- floors --------------------------------------------------------------------------------


def iter_rows(corpus_file: Path, limit: int | None = None):
    with open(corpus_file, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def vader_floor(corpus_file: Path, sample: int) -> dict:
    """Score `sample` corpus texts with bare VADER; only the scoring is timed."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.polarity_scores("warm up the lexicon")
    total, seconds, distinct = 0, 0.0, set()
    chunk: list[str] = []

    def score(texts: list[str]) -> float:
        started = time.perf_counter()
        for text in texts:
            analyzer.polarity_scores(text)
        return time.perf_counter() - started

    for row in iter_rows(corpus_file, sample):
        chunk.append(row["text"])
        distinct.add(hash(row["text"]))
        if len(chunk) >= ROW_CHUNK:
            seconds += score(chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        seconds += score(chunk)
        total += len(chunk)
    return {"posts": total, "seconds": seconds, "distinct": len(distinct)}


def sqlite_floor(corpus_file: Path, workdir: Path, schema: str = "bare") -> dict:
    """Insert the same rows with executemany, 1000 per transaction as the import does.

    schema: "bare" (a table without keys or indexes: the floor), "indexed" (earmark's posts
    table with its primary key and indexes, no full-text index) or "earmark" (the same with
    the FTS5 index kept by its trigger). Only the inserts are timed.
    """
    from earmark.store import Store
    from earmark.store.posts import POST_COLUMNS

    path = workdir / f"floor-{schema}.db"
    if schema == "bare":
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"CREATE TABLE posts ({', '.join(POST_COLUMNS)})")
    else:
        store = Store(path)  # the same pragmas (WAL, synchronous NORMAL) and schema
        conn = store.conn
        if schema == "indexed":
            conn.execute("DROP TRIGGER posts_ai")
    sql = f"INSERT INTO posts VALUES ({', '.join('?' for _ in POST_COLUMNS)})"  # noqa: S608
    sql = sql.replace("VALUES", f"({', '.join(POST_COLUMNS)}) VALUES")
    first_seen = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    total, seconds, chunk = 0, 0.0, []

    def insert(rows: list[tuple]) -> float:
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
        return time.perf_counter() - started

    for row in iter_rows(corpus_file):
        chunk.append(
            tuple(
                first_seen
                if column == "first_seen"
                else json.dumps(row, ensure_ascii=False)
                if column == "raw"
                else row.get(column)
                for column in POST_COLUMNS
            )
        )
        if len(chunk) >= IMPORT_BATCH:
            seconds += insert(chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        seconds += insert(chunk)
        total += len(chunk)
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {"posts": total, "seconds": seconds}


def _burn(loops: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(loops):
        total += i * i
    return time.perf_counter() - started


def parallel_ceiling(loops: int = 10_000_000) -> dict:
    """Time a pure-Python loop in one process, then in two at once: the machine's 2-core gain."""
    import multiprocessing

    one = _burn(loops)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_burn, [1000, 1000])  # started and imported before the timing
        started = time.perf_counter()
        pool.map(_burn, [loops, loops])
        two = time.perf_counter() - started
    return {"one_s": one, "two_s": two, "speedup": 2 * one / two}


# -- earmark stages ------------------------------------------------------------------------


def run_import(db: Path, config) -> dict:
    from earmark.store import Store
    from listen.runner import run_listen

    with Store(db) as store:
        seconds, report = timed(
            lambda: run_listen(store, config.listen_settings(), env={}, now=NOW)
        )
        fetched = sum(r.fetched for r in report.sources.values())
        errors = [r.error for r in report.sources.values() if r.error]
        if errors:
            raise SystemExit(f"bench: import failed: {errors}")
        return {"posts": fetched, "stored": report.new, "seconds": seconds}


def run_classify(db: Path, config, workers: int) -> dict:
    from classify.stage import classify_posts
    from earmark.store import Store

    with Store(db) as store:
        seconds, done = timed(
            lambda: classify_posts(store, config.classify_settings(), now=NOW, workers=workers)
        )
        distinct = store.conn.execute("SELECT count(DISTINCT text) FROM posts").fetchone()[0]
    return {"posts": done, "seconds": seconds, "distinct": distinct}


def warm_up_classifier() -> float:
    """Load the classifier's models once (per process, ~0.5 s), outside the timings."""
    from classify import classify_text

    seconds, _ = timed(
        lambda: classify_text("Bonjour à tous, le vol de ce matin est parti à l'heure, merci")
    )
    return seconds


def clear_classifications(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM classifications")
    checkpoint(db)


def checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def copy_db(source: Path, target: Path) -> None:
    checkpoint(source)
    shutil.copyfile(source, target)


def run_route(db: Path, config) -> dict:
    from earmark.store import Store
    from export.queues.routing import route_opportunities

    with Store(db) as store:
        seconds, report = timed(
            lambda: route_opportunities(store, config.queue_settings(), now=NOW)
        )
    return {
        "seconds": seconds,
        "created": report.created,
        "joined": report.joined,
        "unrouted": report.unrouted,
        "assigned": report.assigned,
    }


def run_full(db: Path, config, now: datetime) -> dict:
    from earmark.cli.pipeline import run_pipeline
    from earmark.store import Store

    with Store(db) as store:
        seconds, report = timed(lambda: run_pipeline(store, config, now=now, env={}))
    return {
        "seconds": seconds,
        "new": report.listen.new if report.listen is not None else 0,
        "classified": report.classified,
        "created": report.route.created if report.route is not None else 0,
        "errors": report.errors,
        "changed": report.changed,
    }


def latency(db: Path, config, config_path: Path, repeat: int) -> dict:
    """Time queue and stats in process (median of repeat) and as whole commands."""
    from earmark.store import Store
    from export.queues.metrics import compute_stats
    from export.queues.views import item_record

    out = {}
    with Store(db) as store:

        def queue() -> list:
            fraction = config.routing.at_risk_fraction
            items = store.queues.urgent_items(limit=200, now=NOW, at_risk_fraction=fraction)
            return [item_record(i, NOW, fraction) for i in items]

        out["queue_items"] = len(queue())
        out["queue_s"] = median_seconds(queue, repeat)
        # The floor of these reads, in the same process: SQLite counting the posts.
        out["floor_count_s"] = median_seconds(
            lambda: store.conn.execute("SELECT count(*) FROM posts").fetchone(), repeat
        )
        for by in (None, "queue", "agent", "topic", "platform"):
            out[f"stats_{by or 'all'}_s"] = median_seconds(
                lambda by=by: compute_stats(
                    store, config, now=NOW, since=NOW - timedelta(days=7), by=by
                ),
                repeat,
            )
    earmark = Path(sys.executable).with_name("earmark")
    env = {**os.environ, "EARMARK_NOW": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    for name, args in (
        ("cli_queue_s", ["queue", "-f", "jsonl"]),
        ("cli_stats_s", ["stats", "-f", "json"]),
        ("cli_version_s", ["--version"]),
    ):
        command = [str(earmark), "-c", str(config_path), "--db", str(db), *args]
        out[name] = median_seconds(
            lambda command=command: subprocess.run(
                command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            ),
            max(3, repeat // 2),
        )
    return out


# -- child processes (peak RSS) ------------------------------------------------------------


def child_main(args) -> None:
    """Run one stage in this fresh process and print its time and peak RSS as JSON."""
    config = write_config(args.corpus, args.db, args.mode, args.db.with_suffix(".yaml"))
    if args.child == "import":
        result = run_import(args.db, config)
    elif args.child == "classify":
        result = run_classify(args.db, config, args.workers)
    elif args.child == "route":
        result = run_route(args.db, config)
    elif args.child == "queue":
        result = run_cli(args.db.with_suffix(".yaml"), ["queue", "-f", "jsonl"])
    else:  # export-csv, export-jsonl, export-json, export-table, ... export-email
        config_path = args.db.with_suffix(".yaml")
        if args.child == "export-email":  # the email format takes its headers from notify.email
            data = bench_config_data(args.corpus, args.db, args.mode)
            data["notify"] = {
                "email": {"to": ["team@acme.example"], "from": "earmark@acme.example"}
            }
            config_path = args.db.with_suffix(".email.yaml")
            config_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        result = run_export(args.db, config_path, args.child.split("-", 1)[1])
    import resource

    # VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec and so starts at the parent's RSS.
    result["peak_rss_mb"] = peak_rss_mb()
    result["children_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def in_child(stage: str, corpus_file: Path, db: Path, mode: str, workers: int = 1) -> dict:
    command = [
        sys.executable, __file__, "--child", stage, "--corpus", str(corpus_file),
        "--db", str(db), "--mode", mode, "--workers", str(workers),
    ]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


class CountingSink:
    """A text stream that only counts what is written to it (stdout of a measured export)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def run_export(db: Path, config_path: Path, fmt: str) -> dict:
    """Run `earmark export -f fmt --status all` in this process, its stdout counted, not kept."""
    result = run_cli(config_path, ["--db", str(db), "export", "-f", fmt, "--status", "all"])
    return {**result, "format": fmt}


def run_cli(config_path: Path, command: list[str]) -> dict:
    """Run one earmark command in this process, its stdout counted, not kept."""
    from earmark.cli import cli

    sink, real = CountingSink(), sys.stdout
    args = ["-c", str(config_path), *command]
    started = time.perf_counter()
    sys.stdout = sink
    try:
        cli.main(args, prog_name="earmark", standalone_mode=False)
    finally:
        sys.stdout = real
    return {"seconds": time.perf_counter() - started, "chars": sink.chars}


EXPORT_FORMATS = ("csv", "jsonl", "json", "table", "markdown", "html", "slack", "email")
MEMORY_STAGES = (
    "import",
    "classify",
    "route",
    *(f"export-{fmt}" for fmt in EXPORT_FORMATS),
    "queue",
)


def memory_at(size: int, mode: str, seed: int, workdir: Path) -> dict:
    """Time and peak RSS of every stage, each in its own process, one after the other.

    import -> classify (one worker) -> route -> export of every opportunity in every format ->
    queue: each child starts from what the previous one left in the database.
    """
    corpus_file = corpus.corpus_path(size, mode, seed)
    db = workdir / f"memory-{size}.db"
    result = {}
    for stage in MEMORY_STAGES:
        say(f"{stage} at {size:,} posts (child process)")
        result[stage] = in_child(stage, corpus_file, db, mode)
        say(f"{stage}: {result[stage]['seconds']:.1f}s, {result[stage]['peak_rss_mb']:.0f} MB")
    with sqlite3.connect(db) as conn:
        result["opportunities"] = conn.execute("SELECT count(*) FROM opportunities").fetchone()[0]
    return result


def memory_table(results: dict) -> str:
    lines = [
        f"earmark peak RSS per stage, {results['date']}, {results['machine']}",
        f"corpus: {results['size']:,} {results['mode']} posts, "
        f"{results['memory']['opportunities']:,} opportunities; command: {results['command']}",
        "",
        "stage             seconds  peak RSS MB  note",
    ]
    for stage in MEMORY_STAGES:
        step = results["memory"][stage]
        note = ""
        if "chars" in step:
            note = f"{step['chars'] / 1e6:,.0f} M characters written"
        elif stage == "route":
            note = f"{step['created']:,} created, {step['joined']:,} joined"
        lines.append(
            f"{stage:<16} {step['seconds']:>8.1f}  {step['peak_rss_mb']:>11.0f}  {note}".rstrip()
        )
    return "\n".join(lines)


def rss_at(size: int, mode: str, seed: int, workdir: Path) -> dict:
    """Peak RSS of import and classify (one worker) at this size, each in its own process."""
    corpus_file = corpus.corpus_path(size, mode, seed)
    db = workdir / f"rss-{size}.db"
    result = {
        "import": in_child("import", corpus_file, db, mode),
        "classify": in_child("classify", corpus_file, db, mode),
    }
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_suffix(".yaml")):
        path.unlink(missing_ok=True)
    return result


# -- the run -------------------------------------------------------------------------------


def run(args) -> dict:
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "size": args.size,
        "mode": args.mode,
    }
    say(f"corpus: {args.size:,} {args.mode} posts")
    corpus_file = corpus.corpus_path(args.size, args.mode, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="earmark-bench-", dir=args.workdir))
    try:
        db1, db2 = workdir / "bench.db", workdir / "run.db"
        config = write_config(corpus_file, db1, args.mode, workdir / "bench.yaml")
        steps = results["steps"] = {}

        say("parallel ceiling: the same CPU loop in one and in two processes")
        results["parallel"] = parallel_ceiling()
        say("floor: bare VADER")
        steps["vader"] = vader_floor(corpus_file, min(args.size, args.floor_sample))
        say("floor: sqlite3 executemany")
        steps["executemany"] = sqlite_floor(corpus_file, workdir)
        say("storage with earmark's keys and indexes, then with FTS too")
        steps["executemany_indexed"] = sqlite_floor(corpus_file, workdir, "indexed")
        steps["executemany_fts"] = sqlite_floor(corpus_file, workdir, "earmark")

        say("import (child process)")
        steps["import"] = in_child("import", corpus_file, db1, args.mode)
        copy_db(db1, db2)
        say("classify workers=1")
        steps["classify_startup"] = {"seconds": warm_up_classifier()}
        reset_peak_rss()
        steps["classify_w1"] = run_classify(db1, config, 1)
        steps["classify_w1"]["peak_rss_mb"] = peak_rss_mb()
        clear_classifications(db1)
        say(f"classify workers={args.workers}")
        steps["classify_wn"] = run_classify(db1, config, args.workers)
        steps["classify_wn"]["workers"] = args.workers
        say("route")
        steps["route"] = run_route(db1, config)
        say("queue and stats latency")
        results["latency"] = latency(db1, config, workdir / "bench.yaml", args.repeat)

        if not args.skip_full_run:
            say("full run (classify + route + alerts) over the imported corpus")
            run_config = write_config(corpus_file, db2, args.mode, workdir / "run.yaml")
            steps["full_run"] = run_full(db2, run_config, NOW)
            say("no-op runs")
            noop = [
                run_full(db2, run_config, NOW + timedelta(minutes=i + 1))
                for i in range(args.repeat)
            ]
            steps["noop_run"] = {
                "seconds": statistics.median(r["seconds"] for r in noop),
                "max_seconds": max(r["seconds"] for r in noop),
                "classified": sum(r["classified"] for r in noop),
                "errors": noop[-1]["errors"],
            }
        rss = results["rss"] = {}
        for size in args.rss_sizes:
            if size != args.size:
                say(f"peak RSS at {size:,} posts (child processes)")
                rss[str(size)] = rss_at(size, args.mode, args.seed, workdir)
        # At the main size: the import child above, and classify in this process (its peak
        # includes what this process already holds, so it is an upper bound).
        rss[str(args.size)] = {
            "import": {"peak_rss_mb": steps["import"]["peak_rss_mb"]},
            "classify": {"peak_rss_mb": steps["classify_w1"]["peak_rss_mb"]},
        }
    finally:
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def run_memory(args) -> dict:
    results = _header(args)
    workdir = Path(tempfile.mkdtemp(prefix="earmark-bench-", dir=args.workdir))
    try:
        results["memory"] = memory_at(args.size, args.mode, args.seed, workdir)
    finally:
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def _header(args) -> dict:
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "size": args.size,
        "mode": args.mode,
    }


# -- output --------------------------------------------------------------------------------


def rate(step: dict, count_key: str = "posts") -> float | None:
    if not step or not step.get("seconds"):
        return None
    return step[count_key] / step["seconds"]


def table(results: dict) -> str:
    steps = results["steps"]
    vader, floor = rate(steps["vader"]), rate(steps["executemany"])
    rows = []

    def add(name, step, floor_rate=None, rss=None, note=""):
        value = rate(step) if step and "posts" in step else None
        ratio = f"{value / floor_rate:.0%}" if value and floor_rate else ""
        seconds = f"{step['seconds']:.2f}" if step else ""
        per_s = f"{value:,.0f}" if value else ""
        rows.append((name, str(step.get("posts", "")) if step else "", seconds, per_s, ratio,
                     f"{rss:.0f}" if rss else "", note))  # fmt: skip

    size = results["size"]
    add(
        "1 bare VADER polarity_scores",
        steps["vader"],
        note=f"{steps['vader']['distinct']:,} distinct texts",
    )
    add("2 sqlite3 executemany (bare table)", steps["executemany"])
    if "executemany_indexed" in steps:
        add("2 same into posts: key+indexes", steps["executemany_indexed"], floor)
        add("2 same into posts: +FTS5 trigger", steps["executemany_fts"], floor)
    imp = steps["import"]
    add(
        "3 import (run_listen, file)",
        imp,
        floor,
        imp.get("peak_rss_mb"),
        f"{imp['stored']:,} stored",
    )
    w1 = steps["classify_w1"]
    add(
        "4 classify workers=1",
        w1,
        vader,
        w1.get("peak_rss_mb"),
        f"{w1['distinct']:,} distinct texts",
    )
    wn = steps["classify_wn"]
    speedup = rate(wn) / rate(w1)
    add(f"4 classify workers={wn['workers']}", wn, vader, None, f"{speedup:.2f}x workers=1")
    route = steps["route"]
    rows.append(("5 route (route_opportunities)", "", f"{route['seconds']:.2f}", "", "", "",
                 f"{route['created']:,} created, {route['joined']:,} joined, "
                 f"{route['unrouted']:,} unrouted"))  # fmt: skip
    if "full_run" in steps:
        full = steps["full_run"]
        per_s = size / full["seconds"]
        rows.append(("5 full run (run_pipeline)", str(size), f"{full['seconds']:.2f}",
                     f"{per_s:,.0f}", "", "", f"{full['classified']:,} classified"))  # fmt: skip
        noop = steps["noop_run"]
        rows.append(("6 no-op run (nothing new)", "", f"{noop['seconds']:.3f}", "", "", "",
                     f"max {noop['max_seconds']:.3f}s, median of runs"))  # fmt: skip
    lat = results["latency"]
    floor_s = lat.get("floor_count_s")

    def of_floor(seconds: float) -> str:
        return f"{seconds / floor_s:.1f}x count(*)" if floor_s else ""

    if "noop_run" in steps:  # its row is already in: add its ratio
        rows = [
            (*r[:4], of_floor(steps["noop_run"]["seconds"]), *r[5:]) if r[0].startswith("6 ") else r
            for r in rows
        ]
    rows.append(("7 queue (urgent_items + records)", "", f"{lat['queue_s']:.3f}", "",
                 of_floor(lat["queue_s"]), "",
                 f"{lat['queue_items']} items; CLI {lat['cli_queue_s']:.2f}s"))  # fmt: skip
    rows.append(("7 stats (compute_stats, 7d)", "", f"{lat['stats_all_s']:.3f}", "",
                 of_floor(lat["stats_all_s"]), "",
                 f"by queue {lat['stats_queue_s']:.2f}s, agent {lat['stats_agent_s']:.2f}s, "
                 f"topic {lat['stats_topic_s']:.2f}s, platform {lat['stats_platform_s']:.2f}s; "
                 f"CLI {lat['cli_stats_s']:.2f}s"))  # fmt: skip
    for size_key, rss in results["rss"].items():
        for stage in ("import", "classify"):
            if stage in rss:
                where = "child process"
                if int(size_key) == size and stage == "classify":
                    where = "the benchmark process itself (an upper bound)"
                rows.append((f"8 peak RSS {stage} at {int(size_key):,}", "", "", "", "",
                             f"{rss[stage]['peak_rss_mb']:.0f}", where))  # fmt: skip
    header = ("step", "posts", "seconds", "posts/s", "of floor", "peak RSS MB", "note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        f"earmark benchmark, {results['date']}, {results['machine']}",
        f"corpus: {size:,} {results['mode']} posts; command: {results['command']}",
        f"(CLI latency includes interpreter start: `earmark --version` takes "
        f"{lat['cli_version_s']:.2f}s)",
        f"(floor of the no-op, queue and stats rows: SELECT count(*) FROM posts, "  # noqa: S608 - a label
        f"{(floor_s or 0) * 1000:.1f} ms in this process)",
    ]
    if "parallel" in results:
        lines.append(
            f"(2 processes on this machine run a pure-Python loop "
            f"{results['parallel']['speedup']:.2f}x as fast as one: the ceiling for workers=2)"
        )
    lines += [""]
    for row in [header, *rows]:
        cells = zip(row, widths, strict=True)
        text = "  ".join(
            str(c).ljust(w) if i in (0, 6) else str(c).rjust(w) for i, (c, w) in enumerate(cells)
        )
        lines.append(text.rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="posts in the corpus")
    parser.add_argument("--mode", choices=corpus.MODES, default="synthetic")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="the multi-worker classify run")
    parser.add_argument("--repeat", type=int, default=5, help="repeats of the latency timings")
    parser.add_argument("--floor-sample", type=int, default=FLOOR_SAMPLE)
    parser.add_argument(
        "--rss-sizes", default="10000", help="comma-separated sizes for the peak RSS children"
    )
    parser.add_argument("--skip-full-run", action="store_true")
    parser.add_argument("--workdir", default=None, help="where the databases go [default: tmp]")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--table-from", type=Path, default=None, help="print the table of a saved --json run"
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="only the peak RSS and time of each stage (import, classify, route, export in every "
        "format, queue) at --size, each in a child process",
    )
    parser.add_argument("--child", choices=MEMORY_STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return
    if args.table_from:
        print(table(json.loads(args.table_from.read_text(encoding="utf-8"))))
        return
    if args.memory_only:
        results = run_memory(args)
        print(json.dumps(results, indent=2) if args.json else memory_table(results))
        return
    args.rss_sizes = [int(s) for s in args.rss_sizes.split(",") if s.strip()]
    results = run(args)
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    main()
