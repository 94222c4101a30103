"""Shared test setup: the network is blocked so a forgotten fixture fails loudly."""

from __future__ import annotations

import contextlib
import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(sock, address):
    host = address[0] if isinstance(address, tuple) else None
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(host):
        raise OSError(f"test tried to reach the network: {address!r}")
    return _real_connect(sock, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host if not isinstance(host, bytes) else host.decode()):
        raise OSError(f"test tried to resolve a network host: {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Keep the developer's own earmark settings out of the tests."""
    for name in ("EARMARK_CONFIG", "EARMARK_DB", "EARMARK_NOW"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _forget_secrets():
    """Start and end each test with no registered secret, as a new earmark process does."""
    from earmark.redaction import forget_secrets

    forget_secrets()
    yield
    forget_secrets()


@pytest.fixture(autouse=True)
def _private_state_dir(monkeypatch, tmp_path_factory, request):
    """Keep state files (the Bluesky session) out of the developer's home, one dir per test."""
    import hashlib

    name = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / f"state-{name}"))


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 serving what the test adds (see httpserver.LocalServer)."""
    from httpserver import LocalServer

    with LocalServer() as running:
        yield running


@pytest.fixture
def slept() -> list[float]:
    """The waits an HttpClient asked for: pass `sleep=slept.append` (nothing really sleeps)."""
    return []


@pytest.fixture(autouse=True)
def _close_stores_a_test_left_open():
    """Close every Store a test opened and left open (Python 3.13 reports a connection left to
    the garbage collector as a ResourceWarning, blamed on whichever test runs then)."""
    from earmark.store import Store

    opened = []
    real_init = Store.__init__

    def init_and_track(self, *args, **kwargs):
        opened.append(self)
        real_init(self, *args, **kwargs)

    # Tests patch the keyword defaults of Store.__init__ (the connect factory): share the dict.
    init_and_track.__kwdefaults__ = real_init.__kwdefaults__
    Store.__init__ = init_and_track  # type: ignore[method-assign]
    try:
        yield
    finally:
        Store.__init__ = real_init  # type: ignore[method-assign]
    for store in opened:
        with contextlib.suppress(AttributeError):  # a Store whose opening failed has no conn
            store.close()


# -- PostgreSQL (tests/pgserver.py): one server per session, one database per test ----------


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server; every test using it skips when none can start."""
    from pgserver import start_server

    server, why = start_server()
    if server is None:
        pytest.skip(why)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new empty PostgreSQL database for this test (dropped afterwards)."""
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    """Where a test's store lives, once per engine: an SQLite file, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "e.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch):
    """A developer's $EARMARK_DATABASE_URL must not redirect the tests to their PostgreSQL."""
    monkeypatch.delenv("EARMARK_DATABASE_URL", raising=False)
