"""A tiny DevTools-protocol client for a headless Chromium (Debian's `chromium`), over a pipe.

Chromium started with --remote-debugging-pipe reads commands on its fd 3 and writes replies
and events on its fd 4, each a JSON text ended by a NUL byte: no websocket, no port, no
dependency. Used by the browser tests and by scripts/screenshots.py.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)
BLOCKED_SCHEMES = ("http", "https", "ws", "wss", "ftp")
REPLY_WAIT = 90.0  # seconds; the machine may be busy, this only bounds a hung browser


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """Return the path of a Chromium to drive, or None."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless Chromium with a fresh profile; use as a context manager."""

    def __init__(self, executable: str | None = None, width: int = 1280, height: int = 800):
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise BrowserError("no chromium found (apt-get install -y chromium)")
        self.width, self.height = width, height
        self.events: list[dict] = []  # every event received, in order
        self._replies: queue.Queue = queue.Queue()
        self._next_id = 0
        self.session: str | None = None

    def __enter__(self) -> Chromium:
        self._profile = tempfile.mkdtemp(prefix="earmark-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes() -> None:  # in the child, before exec: fd 3 in, fd 4 out
            # Move both ends above 4 first: either may itself be fd 3 or 4.
            reading, writing = os.dup(to_child_r), os.dup(from_child_w)
            while min(reading, writing) <= 4:
                reading, writing = os.dup(reading), os.dup(writing)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                self.executable,
                *FLAGS,
                f"--user-data-dir={self._profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire_pipes,  # only os.dup/dup2 in the child: no locks taken
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, True
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        # Nothing leaves the machine: a page that tries is still seen in requested_urls().
        self.call("Network.setBlockedURLs", {"urls": [f"{s}://*" for s in BLOCKED_SCHEMES]})
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.process.poll() is None:
                self._send("Browser.close", {}, None)
                self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self._profile, ignore_errors=True)

    # -- the protocol ---------------------------------------------------------------------

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(os.dup(self._from_child), "rb", buffering=0) as stream:
            while True:
                chunk = stream.read(65536)
                if not chunk:
                    self._replies.put(None)
                    return
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies.put(message)
                    else:
                        self.events.append(message)

    def _send(self, method: str, params: dict, session: str | None) -> int:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        return self._next_id

    def call(self, method: str, params: dict | None = None, browser: bool = False) -> dict:
        """Send one command (to the page unless browser) and return its result."""
        wanted = self._send(method, params or {}, None if browser else self.session)
        deadline = time.monotonic() + REPLY_WAIT
        while True:
            try:
                reply = self._replies.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise BrowserError(f"chromium: no reply to {method}") from None
            if reply is None:
                raise BrowserError(f"chromium exited during {method}")
            if reply["id"] != wanted:
                continue
            if "error" in reply:
                raise BrowserError(f"chromium: {method}: {reply['error']}")
            return reply.get("result", {})

    def wait_for_event(self, method: str, after: int = 0) -> dict:
        """Wait for an event of the page (from index `after` of events) and return it."""
        deadline = time.monotonic() + REPLY_WAIT
        while time.monotonic() < deadline:
            for event in self.events[after:]:
                if event.get("method") == method and event.get("sessionId") == self.session:
                    return event
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise BrowserError(f"chromium: no {method} event")

    # -- what tests and scripts use -------------------------------------------------------

    def open(self, path: Path) -> None:
        """Load a local file and wait until its load event."""
        mark = len(self.events)
        result = self.call("Page.navigate", {"url": path.resolve().as_uri()})
        if result.get("errorText"):
            raise BrowserError(f"chromium: cannot open {path}: {result['errorText']}")
        self.wait_for_event("Page.loadEventFired", mark)

    def evaluate(self, expression: str):
        """Run an expression in the page and return its value (JSON-able)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"chromium: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, full_page: bool = False) -> bytes:
        """Return a PNG of the viewport, or of the whole page."""
        params: dict = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": self.width,
                "height": size["height"],
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def console_errors(self) -> list[str]:
        """Return the page's console errors, uncaught exceptions and error log entries."""
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value")) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(params["entry"].get("text", "error"))
        return errors

    def requested_urls(self) -> list[str]:
        """Return every URL the page requested (the document itself included)."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]
