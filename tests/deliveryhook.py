"""A JSON webhook receiver on 127.0.0.1 that counts what arrived, and lock holders, for the
delivery tests (real earmark subprocesses against them).

    with DeliveryHook(secret="s3cret-signing") as hook:   # verifies X-Earmark-Signature
        env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=hook.secret)
        ...
        assert set(hook.items.values()) == {1}          # each opportunity arrived once
        assert hook.bad_signatures == 0

The receiver answers 200 to every POST (after `delay` seconds, so concurrent senders overlap)
and runs `on_message(number)` first when given (a test may SIGKILL the sender from there).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from httpserver import LocalServer, RecordedRequest


def verify(secret: str, headers: dict, body: bytes, *, now: float, tolerance: float = 300) -> bool:
    """Check an X-Earmark-Signature as a receiver would (the snippet in the docs)."""
    timestamp = headers.get("X-Earmark-Timestamp", "")
    signature = headers.get("X-Earmark-Signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"v1:{timestamp}:".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(signature, f"v1={expected}")


class DeliveryHook:
    """A webhook endpoint that records each message's delivery id and opportunity ids."""

    PATH = "/hooks/earmark"

    def __init__(
        self,
        *,
        delay: float = 0.0,
        secret: str | None = None,
        on_message: Callable[[int], None] | None = None,
    ):
        self.delay = delay
        self.secret = secret
        self.on_message = on_message
        self.server = LocalServer()
        self.messages: list[tuple[str, list[int]]] = []  # (delivery id, opportunity ids)
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self.server.add(self.PATH, self._answer)

    def _answer(self, request: RecordedRequest) -> str:
        body = json.loads(request.body)
        ids = [record["id"] for record in body["opportunities"]]
        delivery = request.headers.get("X-Earmark-Delivery", "")
        with self._lock:
            number = len(self.messages)
            self.messages.append((delivery, ids))
            if self.secret and not verify(
                self.secret, request.headers, request.body, now=time.time()
            ):
                self.bad_signatures += 1
            if body.get("delivery_id") != delivery:
                self.bad_signatures += 1  # header and body must agree
        if self.on_message is not None:
            self.on_message(number)
        if self.delay:
            time.sleep(self.delay)
        return "ok"

    @property
    def url(self) -> str:
        return self.server.url(self.PATH)

    @property
    def items(self) -> Counter:
        """How many accepted messages carried each opportunity id."""
        with self._lock:
            return Counter(i for _, ids in self.messages for i in ids)

    @property
    def deliveries(self) -> Counter:
        with self._lock:
            return Counter(delivery for delivery, _ in self.messages)

    def __enter__(self) -> DeliveryHook:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()


_HOLDER = """
import sys
from earmark.lock import DeliveryLock, RunLock
lock = {"run": RunLock, "delivery": DeliveryLock}[sys.argv[1]](sys.argv[2]).acquire()
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


def hold_lock(kind: str, db: Path) -> subprocess.Popen:
    """Start a process holding the run or delivery lock of db until its stdin is closed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, kind, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=30)
    holder.stdout.close()
