"""Peak memory of `earmark report` at two database sizes, against a bare floor (ratios).

    python benchmarks/bench_report.py                   # 10,000 and 100,000 posts
    python benchmarks/bench_report.py --small 100000 --large 1000000

Each size is filled as benchmarks/bench_notify.py fills it (every post classified, matched and
an open opportunity), spread over 7 days. Then, each in its own child process, for the peak RSS
(VmHWM): the floor, a child that imports earmark's report modules and opens the store but
reads nothing; and `earmark report -o /dev/null` (counts grouped in SQL, 200 items listed).
The report's memory over the floor should barely grow with the database: a ratio near 1 between
the sizes. Never used by the test suite.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_notify import fill  # the same rows the notify benchmark measures

NOW = "2026-03-02T12:00:00Z"
# The peak of the child's own memory: VmHWM (ru_maxrss would keep the parent's RSS at fork).
CHILD = (
    "import runpy, sys\n"
    "if sys.argv[1] == 'floor':\n"
    "    import export.report, export.report.page\n"
    "    from earmark.store import Store\n"
    "    Store(sys.argv[2]).close()\n"
    "else:\n"
    "    sys.argv = ['earmark', '--db', sys.argv[2], 'report', '-o', '/dev/null']\n"
    "    try:\n        runpy.run_module('earmark', run_name='__main__')\n"
    "    except SystemExit as exit:\n"
    "        if exit.code:\n            raise\n"
    "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
    "print(peak.split()[1], file=sys.stderr)\n"
)


def spread_over_a_week(db: Path) -> None:
    """Move the posts' times apart (fill puts them within 10 hours) so charts have 7 days."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE posts SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?, "
            "'-' || (CAST(native_id AS INTEGER) * 37 % 604800) || ' seconds')",
            (NOW,),
        )
    conn.close()


def peak_rss_mb(db: Path, mode: str) -> tuple[float, float]:
    """Run the child in mode (floor or report); return its peak RSS in MB and its time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    env["EARMARK_NOW"] = NOW
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(db)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=db.parent,
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    options = parser.parse_args()
    over_floor = {}
    with tempfile.TemporaryDirectory() as directory:
        for size in (options.small, options.large):
            db = Path(directory) / f"r{size}.db"
            fill(db, size)
            spread_over_a_week(db)
            floor, _ = peak_rss_mb(db, "floor")
            report, took = peak_rss_mb(db, "report")
            over_floor[size] = report - floor
            print(
                f"{size:>9} posts: floor {floor:.1f} MB, report {report:.1f} MB "
                f"(+{report - floor:.1f} MB), {took:.1f} s",
                file=sys.stderr,
            )
    small, large = over_floor[options.small], over_floor[options.large]
    print(
        f"report memory over the floor, {options.large}/{options.small} posts: "
        f"{large / max(small, 0.1):.2f} (database ratio {options.large / options.small:.0f})"
    )


if __name__ == "__main__":
    main()
