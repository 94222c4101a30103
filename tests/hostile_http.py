"""A real HTTP server on 127.0.0.1 that misbehaves on purpose: trickles, stalls, floods, redirects.

Usage (any test file; `tests/` is on sys.path under pytest):

    from hostile_http import HostileServer

    with HostileServer() as server:
        server.trickle("/feed", b"<rss>...</rss>", every=1.0)   # one byte a second
        server.trickle_headers("/slow-headers", every=0.05)    # even the headers, byte by byte
        server.stall("/stall", seconds=30)                     # no answer at all for 30 s
        server.huge("/big", size=200_000_000)                  # generated, never stored
        server.redirect("/away", "http://127.0.0.1:9/elsewhere")
        server.respond("/ok", b"fine", headers={"Retry-After": "3600"}, status=503)
        server.url("/feed")
        server.sent["/big"]     # bytes of body written for that path (so far)

Every behaviour is bounded and stops by itself: waits use an event that `stop()` sets, loops have a
byte limit, and a client that goes away ends the write loop. Responses change while the server
runs (`respond` on the same path replaces the behaviour), e.g. a feed that heals for the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Behaviour = Callable[[BaseHTTPRequestHandler], None]
_PIECE = b"x" * 65536


class HostileServer:
    """A threaded HTTP server whose paths each answer with one (mis)behaviour."""

    def __init__(self) -> None:
        self.requests: list[str] = []  # paths, in the order they were asked for
        self.headers: list[dict[str, str]] = []  # the request headers, in the same order
        self.sent: dict[str, int] = {}  # body bytes written per path
        self.stopping = threading.Event()
        self._routes: dict[str, Behaviour] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- behaviours -----------------------------------------------------------------------------

    def respond(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer normally (with a Content-Length)."""

        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            self._write(handler, path, body)

        self._route(path, answer)

    def trickle(self, path: str, body: bytes, *, every: float, length: bool = False) -> None:
        """Send the headers at once, then the body one byte every `every` seconds.

        Without `length` the body ends when the connection closes (as many feeds do).
        """

        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/atom+xml")
            if length:
                handler.send_header("Content-Length", str(len(body)))
            else:
                handler.send_header("Connection", "close")
            handler.end_headers()
            for index in range(len(body)):
                if not self._write(handler, path, body[index : index + 1]):
                    return
                if self.stopping.wait(every):
                    return

        self._route(path, answer)

    def trickle_headers(self, path: str, *, every: float, filler: int = 400) -> None:
        """Send even the status line and headers one byte every `every` seconds."""
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            + b"X-Filler: "
            + b"a" * filler
            + b"\r\nContent-Length: 2\r\n\r\nok"
        )

        def answer(handler: BaseHTTPRequestHandler) -> None:
            for index in range(len(head)):
                if not self._write(handler, path, head[index : index + 1], count=False):
                    return
                if self.stopping.wait(every):
                    return

        self._route(path, answer)

    def stall(self, path: str, *, seconds: float) -> None:
        """Accept the request and say nothing for `seconds` (or until the server stops)."""

        def answer(handler: BaseHTTPRequestHandler) -> None:
            self.stopping.wait(seconds)

        self._route(path, answer)

    def huge(self, path: str, *, size: int, length: bool = False, chunked: bool = False) -> None:
        """Send `size` bytes of generated body, 64 KiB at a time, as fast as the client reads.

        length: announce the size in Content-Length; chunked: use chunked transfer encoding;
        neither: the body ends when the connection closes.
        """

        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            if length:
                handler.send_header("Content-Length", str(size))
            elif chunked:
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.send_header("Connection", "close")
            handler.end_headers()
            left = size
            while left > 0 and not self.stopping.is_set():
                piece = _PIECE[: min(left, len(_PIECE))]
                frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
                if not self._write(handler, path, frame, count=False):
                    return
                self._count(path, len(piece))
                left -= len(piece)
            if chunked:
                self._write(handler, path, b"0\r\n\r\n", count=False)

        self._route(path, answer)

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        """Answer with a redirect to `location`."""
        self.respond(path, status=status, headers={"Location": location})

    # -- plumbing -------------------------------------------------------------------------------

    def url(self, path: str = "") -> str:
        assert self._server is not None, "start the server first (use it as a context manager)"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def _route(self, path: str, behaviour: Behaviour) -> None:
        with self._lock:
            self._routes[path] = behaviour

    def _count(self, path: str, size: int) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, 0) + size

    def _write(
        self, handler: BaseHTTPRequestHandler, path: str, data: bytes, *, count: bool = True
    ) -> bool:
        """Write and flush; return False once the client has gone."""
        try:
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:
            return False
        if count:
            self._count(path, len(data))
        return True

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self.requests.append(path)
            self.headers.append(dict(handler.headers.items()))
            behaviour = self._routes.get(path)
        if behaviour is None:
            self.respond(path, b"no route", status=404)
            behaviour = self._routes[path]
        behaviour(handler)

    def start(self) -> HostileServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server spelling
                server._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # a client hanging up on a hostile answer is the point, not news

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
