"""Peak memory of the HTTP client reading big bodies, as a ratio to the body size.

Run from the repository root:

    python benchmarks/bench_http_body.py                  # 200 MB bodies
    python benchmarks/bench_http_body.py --size-mb 50 --json

Each case runs in a fresh child process against a local server on 127.0.0.1 that generates the
body (nothing is stored): the peak RSS growth of the fetch is compared with the body size.
 1. a body under max_body (read whole: the floor is one copy of it),
 2. the same body over the default max_body (20MB): refused while reading,
 3. the same body announcing its size in Content-Length over max_body: refused before reading.
Never used by the test suite (no timed or memory assertions there).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PIECE = b"x" * 65536


def serve(size: int, announce: bool) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header(
                "Content-Length" if announce else "Connection", str(size) if announce else "close"
            )
            self.end_headers()
            left = size
            try:
                while left > 0:
                    piece = PIECE[: min(left, len(PIECE))]
                    self.wfile.write(piece)
                    left -= len(piece)
            except OSError:
                pass  # the client refused the rest

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(size: int, max_body: int | str, announce: bool) -> dict:
    from listen.base import SourceError
    from listen.http import HttpClient

    server = serve(size, announce)
    client = HttpClient("bench", max_body=max_body, timeout=120)
    before = peak_mb()
    outcome = "read"
    try:
        response = client.get(f"http://127.0.0.1:{server.server_address[1]}/body")
        assert len(response.content) == size
    except SourceError:
        outcome = "refused"
    growth = peak_mb() - before
    server.shutdown()
    return {"outcome": outcome, "peak_growth_mb": round(growth, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size, max_body, announce = args.child
        print(json.dumps(child(int(size), max_body, announce == "1")))
        return
    size = args.size_mb * 1_000_000
    cases = {
        "under max_body (read whole)": (str(size + 1), "0"),
        "over max_body 20MB (no length)": ("20MB", "0"),
        "over max_body 20MB (length announced)": ("20MB", "1"),
    }
    results = {}
    for name, (max_body, announce) in cases.items():
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size), max_body, announce],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout)
        result["ratio_to_body"] = round(result["peak_growth_mb"] / args.size_mb, 2)
        results[name] = result
    if args.json:
        print(json.dumps({"body_mb": args.size_mb, "cases": results}, indent=2))
        return
    print(f"body: {args.size_mb} MB")
    for name, result in results.items():
        print(
            f"  {name:40} {result['outcome']:8} peak +{result['peak_growth_mb']:7.1f} MB "
            f"({result['ratio_to_body']:.2f}x the body)"
        )


if __name__ == "__main__":
    main()
