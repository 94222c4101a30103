"""Peak memory of `notify webhook` against a real receiver, at two backlog sizes (a ratio).

    python benchmarks/bench_notify.py                  # 5,000 and 50,000 opportunities
    python benchmarks/bench_notify.py --small 2000 --large 20000

Each size runs `python -m earmark notify webhook` in a child process against an HTTP server
on 127.0.0.1 that answers 204, and reads the child's peak RSS (ru_maxrss). notify reads the
database one page at a time, so the peak should barely grow with the backlog (a ratio near 1;
before paging it grew with every record). Never used by the test suite.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from earmark.models import Classification, Post, TopicMatch, parse_iso, to_iso  # noqa: E402
from earmark.store import Store  # noqa: E402

NOW = parse_iso("2026-03-02T12:00:00Z")


def fill(db: Path, count: int) -> None:
    """Store count open opportunities (posts, labels, opportunities) through the store."""
    with Store(db) as store:
        for start in range(0, count, 5000):
            posts = [
                Post(
                    platform="bench",
                    native_id=str(n),
                    text=f"Question number {n} about Acme, with a few more words " * 3,
                    created_at=NOW - timedelta(minutes=n % 600),
                    url=f"https://bench.example/p/{n}",
                    author=f"user{n % 97}",
                    author_reach=100,
                )
                for n in range(start, min(start + 5000, count))
            ]
            store.posts.save_posts(
                posts, [TopicMatch(p.id, "acme", "brand", ["acme"]) for p in posts]
            )
            store.classifications.save_classifications(
                [
                    Classification(
                        sentiment="neutral",
                        compound=0.0,
                        pos=0.1,
                        neu=0.8,
                        neg=0.1,
                        language="en",
                        intents=[("question", 0.6)],
                        pii=[],
                        reply_privately=False,
                        priority=50,
                        priority_reason="bench",
                        opportunity="support",
                        opportunity_reason="bench",
                        version="bench",
                        post_id=p.id,
                    )
                    for p in posts
                ]
            )
            with store.transaction():
                for p in posts:
                    store.queues.insert_opportunity(
                        {
                            "post_id": p.id,
                            "kind": "support",
                            "queue": "support",
                            "status": "open",
                            "agent": None,
                            "priority": 50,
                            "base_priority": 50,
                            "language": "en",
                            "thread_key": p.id,
                            "created_at": to_iso(p.created_at),
                            "sla_due": None,
                            "updated_at": to_iso(NOW),
                        }
                    )


class _Accept(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def peak_rss_mb(db: Path, config: Path, url: str) -> tuple[float, float]:
    """Run notify in a child; return its peak RSS in MB and how long it took."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    env.update(TEST_HOOK=url, EARMARK_NOW="2026-03-02T12:00:00Z")
    script = (
        "import resource, runpy, sys\n"
        "sys.argv = ['earmark', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('earmark', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, "-c", str(config), "--db", str(db), "notify", "webhook"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=config.parent,  # so the child imports earmark as installed (or $PYTHONPATH)
    )
    took = time.monotonic() - started
    return int(done.stderr.strip().splitlines()[-1]) / 1024, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=50000)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "earmark.yaml"
        config.write_text("notify:\n  webhook: {url_env: TEST_HOOK}\n")
        for size in (options.small, options.large):
            db = Path(directory) / f"n{size}.db"
            fill(db, size)
            results[size] = peak_rss_mb(db, config, url)
            print(
                f"{size:>8} opportunities: peak RSS {results[size][0]:.1f} MB, "
                f"{results[size][1]:.1f} s",
                file=sys.stderr,
            )
    server.shutdown()
    small, large = results[options.small][0], results[options.large][0]
    print(
        f"peak RSS ratio {options.large}/{options.small}: {large / small:.2f} "
        f"(backlog ratio {options.large / options.small:.0f})"
    )


if __name__ == "__main__":
    main()
