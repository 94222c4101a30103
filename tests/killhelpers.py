"""Shared by the run, fault and kill tests: configs, big imports, subprocesses and DB snapshots.

Usage (any test file; `tests/` is on sys.path under pytest):

    from killhelpers import write_config, write_posts, run_earmark, spawn_earmark, snapshot

    config = write_config(tmp_path, "  file: {path: posts.jsonl}\\n")
    write_posts(tmp_path / "posts.jsonl", 5000)
    done = run_earmark(config, tmp_path / "x.db", "run")          # a real `python -m earmark`
    assert done.returncode == 0
    assert snapshot(tmp_path / "x.db")["posts"] == {...}

Wherever a store location is taken (`db`), it may be an SQLite path or a PostgreSQL URL (the
`db` fixture gives one of each): run_earmark passes it as `--db`; count, rows and snapshot
read either engine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dbconn import db_connect
from httpserver import LocalServer, RecordedRequest

NOW = "2026-11-18T13:00:00Z"
POSTED_AT = "2026-11-18T12:00:00Z"

# The demo's topics, queues and agents (earmark/data/demo.yaml), without its sources.
PIPELINE_YAML = """\
topics:
  - name: acme
    kind: brand
    terms: ["acme", "acme hub", "#acme"]
  - name: acmehelp
    kind: support
    terms: ["@acmehelp"]
  - name: globex
    kind: competitor
    terms: ["globex"]
queues:
  - name: urgent
    match: {intents: [outage], kinds: [brand, support], min_priority: 50}
    sla: 30m
  - name: support
    match: {kinds: [brand, support], opportunities: [support]}
    sla: 2h
  - name: sales
    match: {opportunities: [sales]}
    sla: 1d
    strategy: round_robin
agents:
  - {name: alice, queues: [urgent, support], languages: [en], capacity: 8}
  - {name: bob, queues: [support, sales], languages: [en], capacity: 10}
"""

# Texts that land in different queues (and one that matches no topic), cycled by write_posts.
TEXTS = (
    "acme is down again, no response from support (case {i})",
    "@acmehelp my order {i} never arrived, still waiting",
    "thinking of switching from globex, any alternatives? ({i})",
    "love the new acme hub, setup took two minutes #{i}",
    "nothing to see here, just a sandwich number {i}",
)


def write_config(directory: Path, sources: str, extra: str = "", name: str = "earmark.yaml"):
    """Write the pipeline config with these `sources:` lines (indented two spaces)."""
    path = Path(directory) / name
    path.write_text(f"{PIPELINE_YAML}sources:\n{sources}{extra}", encoding="utf-8")
    return path


def post_line(i: int, *, platform: str = "test", text: str | None = None) -> str:
    """Return one earmark JSONL post, numbered i."""
    record = {
        "id": f"{platform}:{i}",
        "text": text if text is not None else TEXTS[i % len(TEXTS)].format(i=i),
        "created_at": POSTED_AT,
        "author": f"user{i % 97}",
    }
    return json.dumps(record) + "\n"


def write_posts(path: Path, count: int, start: int = 0, *, append: bool = False) -> Path:
    """Write (or append) `count` numbered posts in earmark's JSONL format."""
    with open(path, "a" if append else "w", encoding="utf-8") as out:
        out.writelines(post_line(i) for i in range(start, start + count))
    return path


def subprocess_env(**extra: str) -> dict[str, str]:
    """Return the environment for an earmark subprocess: pinned clock, no stray EARMARK_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    env.update({"EARMARK_NOW": NOW, "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def earmark_args(config: Path, db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "earmark", "-c", str(config), "--db", str(db), *args]


def run_earmark(config, db, *args: str, env=None, timeout: float = 120):
    """Run earmark in a real subprocess to the end; return the CompletedProcess (text)."""
    return subprocess.run(
        earmark_args(config, db, *args),
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn_earmark(config, db, *args: str, env=None) -> subprocess.Popen:
    """Start earmark in a real subprocess (stdout/stderr captured) and return at once."""
    return subprocess.Popen(
        earmark_args(config, db, *args),
        env=env or subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60, interval: float = 0.02):
    """Poll condition until it holds; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def is_postgres(db) -> bool:
    """Whether a store location (an SQLite path or a URL, as `--db` takes it) is PostgreSQL."""
    return str(db).startswith(("postgresql://", "postgres://"))


@contextmanager
def reading(db) -> Iterator[Any]:
    """Yield a read-only look into the store at db, on either engine (a sqlite3 connection
    opened read-only, or an autocommit psycopg one: both run `execute(sql)` and yield tuples)."""
    if is_postgres(db):
        import psycopg

        with psycopg.connect(str(db), autocommit=True) as conn:
            yield conn
    else:
        with db_connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            yield conn


def rows(db, sql: str) -> list[tuple]:
    """Every row of one query (no parameters: the two engines spell placeholders apart)."""
    with reading(db) as conn:
        return [tuple(row) for row in conn.execute(sql)]


def count(db, sql: str) -> int:
    """Return the first column of one row from a read-only look at the store (0 while the
    store or its tables do not exist yet)."""
    if is_postgres(db):
        import psycopg

        try:
            found = rows(db, sql)
        except psycopg.errors.UndefinedTable:
            return 0
    else:
        if not Path(db).exists():
            return 0
        try:
            found = rows(db, sql)
        except sqlite3.OperationalError:  # tables not created yet
            return 0
    return found[0][0] if found and found[0][0] is not None else 0


def kill_when(process: subprocess.Popen, condition: Callable[[], bool], timeout: float = 60):
    """SIGKILL process as soon as condition holds; fail if it ended first."""

    def ready() -> bool:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"ended before the kill (exit {process.returncode}): {err}")
        return condition()

    wait_until(ready, timeout, interval=0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def snapshot(db) -> dict:
    """Return what a run produced, comparable between databases and engines (no autoincrement
    ids; the same queries read the same rows from SQLite and PostgreSQL)."""
    with reading(db) as conn:

        def rows(sql: str) -> list:
            return [tuple(row) for row in conn.execute(sql)]

        return {
            "posts": rows("SELECT id, text FROM posts ORDER BY id"),
            "matches": rows("SELECT post_id, topic FROM topic_matches ORDER BY post_id, topic"),
            "classified": rows(
                "SELECT post_id, sentiment, primary_intent, priority, opportunity "
                "FROM classifications ORDER BY post_id"
            ),
            # Which opportunities got the agents' limited capacity depends on the order they
            # were routed in (one run or several): compare how many, not which.
            "opportunities": rows(
                "SELECT post_id, kind, queue, priority FROM opportunities ORDER BY post_id"
            ),
            "statuses": rows(
                "SELECT status, agent, count(*) FROM opportunities GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            "grouped": rows(
                "SELECT op.post_id, o.post_id FROM opportunity_posts op "
                "JOIN opportunities o ON o.id = op.opportunity_id ORDER BY op.post_id"
            ),
            "exports": rows(
                "SELECT e.destination, o.post_id FROM exports e "
                "JOIN opportunities o ON o.id = e.opportunity_id ORDER BY 1, 2"
            ),
        }


class SlackHook:
    """A Slack incoming webhook on 127.0.0.1 that answers each message after `delay` seconds.

    `received` counts, per opportunity id, how many accepted messages carried it (the Slack
    renderer writes `#<id>` under each item).
    """

    PATH = "/services/T000/B000/hook"

    def __init__(self, delay: float = 0.0, status: int = 200):
        self.delay = delay
        self.server = LocalServer()
        self.messages: list[dict] = []
        self._lock = threading.Lock()
        self.server.add(self.PATH, self._answer, status=status)

    def _answer(self, request: RecordedRequest) -> str:
        payload = json.loads(request.body)
        with self._lock:
            self.messages.append(payload)
        if self.delay:
            time.sleep(self.delay)
        return "ok"

    @property
    def url(self) -> str:
        return self.server.url(self.PATH)

    @property
    def received(self) -> Counter:
        ids: Counter = Counter()
        with self._lock:
            for payload in self.messages:
                for block in payload.get("blocks", []):
                    text = (block.get("text") or {}).get("text", "")
                    ids.update(int(found) for found in re.findall(r"(?m)(?:^|> · )#(\d+)$", text))
        return ids

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [payload.get("text", "") for payload in self.messages]

    def __enter__(self) -> SlackHook:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()


# The `sources:` line of a generated import (write_posts) and a Slack destination read from
# $TEST_SLACK_HOOK (a SlackHook's url), for write_config.
FILE_SOURCE = "  file: {path: posts.jsonl}\n"
SLACK = "notify:\n  slack: {webhook_env: TEST_SLACK_HOOK}\n"


def reference_run(directory: Path, lines: int) -> dict:
    """One uninterrupted `earmark run` over `lines` generated posts in `directory` (posts.jsonl,
    earmark.yaml, x.db): return the snapshot of what it stored."""
    write_posts(directory / "posts.jsonl", lines)
    config = write_config(directory, FILE_SOURCE)
    done = run_earmark(config, directory / "x.db", "run")
    assert done.returncode == 0, done.stderr
    return snapshot(directory / "x.db")


def copy_input(reference_dir: Path, directory: Path) -> Path:
    """Copy reference_run's import into `directory` and write its config there; return it."""
    shutil.copy(reference_dir / "posts.jsonl", directory / "posts.jsonl")
    return write_config(directory, FILE_SOURCE)


def finish(processes: list[subprocess.Popen], timeout: float = 300) -> list[tuple[int, str, str]]:
    """Wait for every process, reading all their pipes at once (none blocks on a full pipe)."""
    with ThreadPoolExecutor(len(processes)) as pool:
        outputs = list(pool.map(lambda p: p.communicate(timeout=timeout), processes))
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]
