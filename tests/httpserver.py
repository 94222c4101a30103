"""A small real HTTP server on 127.0.0.1 for tests: canned responses per path, requests recorded.

Usage (any test file; `tests/` is on sys.path under pytest):

    from httpserver import LocalServer

    @pytest.fixture
    def server():
        with LocalServer() as running:
            yield running

    def test_something(server):
        server.add("/api/items", json_body={"items": []})                 # any query string
        server.add("/api/items", body=b"page 2", query={"page": "2"})     # only ?page=2
        server.add("/flaky", status=429, headers={"Retry-After": "3"})    # first request...
        server.add("/flaky", json_body={"ok": True})                      # ...then this one
        server.add_file("/feed.xml", FIXTURES / "rss/x.atom", content_type="application/atom+xml")
        url = server.url("/api/items")                    # http://127.0.0.1:PORT/api/items
        ...
        assert server.requests[0].query == {"page": ["2"]}
        assert server.requests[0].headers["User-Agent"].startswith("earmark/")

Rules:
- Routes match on the path (without query string) and, if given, on a subset of query
  parameters (`query={"page": "2"}`); the route with the most matching query keys wins.
- Several responses added for the same path and query are served in order, one per request;
  the last one then repeats for every further request.
- An unmatched request gets `404 no route for <path>` (the tests see it as a real 404).
- `body` may be bytes, str (sent as UTF-8) or a callable(RecordedRequest) -> bytes|str for
  responses computed from the request; `json_body` serialises any JSON value.
- `server.requests` lists every request received (method, path, query dict of lists, headers).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """Return the first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class CannedResponse:
    """What to answer: status, headers and body (or a function of the request)."""

    status: int = 200
    body: bytes | str | Callable[[RecordedRequest], bytes | str] = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    responses: list[CannedResponse]

    def matches(self, request: RecordedRequest) -> bool:
        if request.path != self.path:
            return False
        return all(request.param(key) == value for key, value in self.query.items())


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 (random port) serving canned responses."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ---------------------------------------------------------------------------------

    def add(
        self,
        path: str,
        body: bytes | str | Callable[[RecordedRequest], bytes | str] = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> LocalServer:
        """Queue a response for GET/POST on path (optionally only for these query values)."""
        response_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            content_type = content_type or "application/json; charset=utf-8"
        if content_type:
            response_headers.setdefault("Content-Type", content_type)
        canned = CannedResponse(status, body, response_headers)
        wanted = dict(query or {})
        with self._lock:
            for route in self._routes:
                if route.path == path and route.query == wanted:
                    route.responses.append(canned)
                    break
            else:
                self._routes.append(_Route(path, wanted, [canned]))
        return self

    def add_file(self, path: str, file: str | Path, **options: Any) -> LocalServer:
        """Queue the bytes of a fixture file as the response for path."""
        return self.add(path, Path(file).read_bytes(), **options)

    def url(self, path: str = "") -> str:
        """Return the absolute URL of path on this server."""
        assert self._server is not None, "start the server first (use it as a context manager)"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    @property
    def base_url(self) -> str:
        return self.url("")

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Return the recorded requests for one path."""
        return [request for request in self.requests if request.path == path]

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> LocalServer:
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- serving --------------------------------------------------------------------------------

    def _respond(self, request: RecordedRequest) -> CannedResponse:
        with self._lock:
            self.requests.append(request)
            candidates = [route for route in self._routes if route.matches(request)]
            if not candidates:
                return CannedResponse(404, f"no route for {request.path}", {})
            route = max(candidates, key=lambda route: len(route.query))
            if len(route.responses) > 1:
                return route.responses.pop(0)
            return route.responses[0]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that gave up (a timeout test) breaks the pipe of a slow handler; socketserver
        # would print that traceback on whatever sys.stderr is then: another test's capture.
        pass


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            canned = server._respond(request)
            body = canned.body(request) if callable(canned.body) else canned.body
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(canned.status)
            for name, value in canned.headers.items():
                self.send_header(name, value)
            if "Content-Type" not in canned.headers:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    return Handler
