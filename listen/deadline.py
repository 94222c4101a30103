"""A run's deadline, and the watchdog that holds every HTTP exchange to a total time limit.

requests' `timeout` bounds each socket operation, not the response: a server that trickles a
byte a second never trips it. A `Watch` bounds the whole exchange (connect, headers, body): when
its time is up it shuts the connection's socket down, which ends any blocked read at once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from requests import Session
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Deadline:
    """A moment on a monotonic clock after which no request starts and no wait ends."""

    def __init__(self, at: float, *, clock: Callable[[], float] = time.monotonic):
        self.at = at
        self.clock = clock
        self.hit = False  # set when the deadline cut a fetch short (the run says so)

    @classmethod
    def after(cls, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """Return the deadline `seconds` from now."""
        return cls(clock() + seconds, clock=clock)

    def left(self) -> float:
        """Return the seconds left (0 or less once it has passed)."""
        return self.at - self.clock()


# The deadline of the run in progress. Ambient, like a cancel scope: every HttpClient a source
# builds (and the token requests they make) respects it without each source passing it on.
_CURRENT: ContextVar[Deadline | None] = ContextVar("earmark_deadline", default=None)


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[Deadline | None]:
    """Make `deadline` the one every HttpClient respects inside the block."""
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def current_deadline() -> Deadline | None:
    """Return the deadline set by the innermost deadline_scope, if any."""
    return _CURRENT.get()


# -- the watchdog ---------------------------------------------------------------------------------

_local = threading.local()  # the Watch of the exchange this thread is making


class Watch:
    """Shut down the connection of this thread's exchange if it is not over within `seconds`.

    Use as a context manager around the request and the body read; `fired` says whether the
    time ran out (a read may then have ended early without an error: check it after reading).
    """

    def __init__(self, seconds: float):
        self.seconds = max(0.0, seconds)
        self.fired = False
        # Each connection with the socket it had when it joined: http.client drops a closing
        # connection's socket (conn.sock = None) while the response still reads from it.
        self._connections: list[tuple[HTTPConnection, socket.socket | None]] = []
        self._lock = threading.Lock()
        self._over = False
        self._timer: threading.Timer | None = None
        self._previous: Watch | None = None

    def __enter__(self) -> Watch:
        self._previous = getattr(_local, "watch", None)
        _local.watch = self
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            # After this a late timer does nothing: the connection may be back in the pool.
            self._over = True
        if self._timer is not None:
            self._timer.cancel()
        _local.watch = self._previous

    def add(self, connection: HTTPConnection) -> None:
        with self._lock:
            if self._over:
                return
            if self.fired:
                _shut_down(connection.sock)
            else:
                self._connections.append((connection, connection.sock))

    def _fire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.fired = True
            for connection, sock in self._connections:
                _shut_down(connection.sock)  # set during connect(), after joining
                _shut_down(sock)


def _shut_down(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        # The plain socket call, also for TLS: it wakes a read blocked in another thread.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watched(connection: HTTPConnection) -> None:
    watch = getattr(_local, "watch", None)
    if watch is not None:
        watch.add(connection)


class _WatchedConnection:
    """Report the connection to this thread's Watch when it connects and when it is used."""

    def connect(self) -> None:
        _watched(self)  # the socket exists from the start of connect (before any TLS handshake)
        super().connect()

    def getresponse(self, *args, **kwargs):
        _watched(self)  # a kept-alive connection from the pool does not connect again
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """A requests transport adapter whose connections a Watch can shut down."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own connections
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def watched_session() -> Session:
    """Return a requests session whose exchanges a deadline Watch can cut short."""
    session = Session()
    adapter = WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
