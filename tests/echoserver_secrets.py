"""A hostile HTTP server on 127.0.0.1 that echoes every request back in its error answers.

Careless APIs repeat what they were sent: the request line (path and query string), the
Authorization header, the body. This one does all of it, in several encodings at once, in the
HTTP reason phrase (which earmark's error messages quote) and in a JSON error body written the
way PHP writes JSON (`/` escaped as `\\/`):

    message            METHOD /raw/path?query auth=<Authorization header> body=<form body>
    error              the same line, percent-encoded
    detail             base64 of the path with its query
    error_description  the decoded `Basic` credentials (`id:secret`), when there are some

Usage:

    with EchoServer(status={"/api/v1/access_token": 401}) as echo:   # default status 400
        echo.url("/services/T0/B0/tok")
        ...
        echo.sent      # every (reason, body) answered, to prove the secrets were echoed

EchoSMTP does the same for an SMTP login (see its docstring).
"""

from __future__ import annotations

import base64
import binascii
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit


class EchoServer:
    """A threaded server on 127.0.0.1 (random port) answering every request with its echo."""

    def __init__(self, status: dict[str, int] | None = None, default_status: int = 400):
        self.status = dict(status or {})
        self.default_status = default_status
        self.sent: list[tuple[str, str]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "") -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def status_for(self, path: str) -> int:
        return self.status.get(urlsplit(path).path, self.default_status)

    def echo(self, method: str, raw_path: str, authorization: str, body: bytes) -> tuple[str, str]:
        """Return (reason phrase, JSON body) repeating the request in several encodings."""
        form = body.decode("latin-1")
        line = f"{method} {raw_path} auth={authorization} body={form}"
        decoded = ""
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode("latin-1")
            except (binascii.Error, ValueError):
                decoded = ""
        document = {
            "message": line,
            "error": quote(line, safe=""),
            "detail": base64.b64encode(raw_path.encode("utf-8")).decode("ascii"),
            "error_description": decoded,
        }
        text = json.dumps(document).replace("/", "\\/")
        reason = " ".join(f"echo {line}".split())
        with self._lock:
            self.sent.append((reason, text))
            self.paths.append(raw_path)
        return reason, text

    def everything_sent(self) -> str:
        with self._lock:
            return "\n".join(reason + "\n" + body for reason, body in self.sent)

    def __enter__(self) -> EchoServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _handler_for(server: EchoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            authorization = self.headers.get("Authorization") or ""
            reason, text = server.echo(self.command, self.path, authorization, body)
            data = text.encode("utf-8")
            self.send_response(server.status_for(self.path), reason)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    return Handler


class EchoSMTP:
    """An SMTP server on 127.0.0.1 that accepts any login, then refuses the sender by echoing
    the AUTH line it got (base64 of `\\0user\\0password`) and its decoding."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._server: socketserver.ThreadingTCPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    def __enter__(self) -> EchoSMTP:
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _smtp_handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _smtp_handler_for(server: EchoSMTP) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        timeout = 10  # a client that stops talking ends the session

        def reply(self, line: str) -> None:
            self.wfile.write(line.encode("latin-1") + b"\r\n")

        def handle(self) -> None:
            auth = ""
            self.reply("220 echo ESMTP")
            for _ in range(20):  # a session is a handful of commands
                raw = self.rfile.readline()
                if not raw:
                    return
                line = raw.decode("latin-1").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.reply("250-echo")
                    self.reply("250 AUTH PLAIN")
                elif verb == "AUTH":
                    auth = line
                    self.reply("235 2.7.0 accepted")
                elif verb == "MAIL":
                    blob = auth.rsplit(" ", 1)[-1]
                    decoded = base64.b64decode(blob).decode("latin-1").replace("\0", " ")
                    echo = f"550 5.7.1 refused after {auth} = {decoded}"
                    server.sent.append(echo)
                    self.reply(echo)
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 ok")

    return Handler
