"""What the HTTP client retries: an offline host fails at once; timeouts and 5xx are retried,
within the source's retry_time (a real server on 127.0.0.1; DNS failure injected at the
resolver, where the operating system reports it)."""

from __future__ import annotations

import socket
import time

import pytest
import urllib3.util.connection

from listen.base import HttpSourceSettings, SourceError
from listen.http import HttpClient


def make_client(slept, **options) -> HttpClient:
    options.setdefault("jitter", lambda: 0.5)
    return HttpClient("demo", sleep=slept.append, **options)


def test_a_name_that_does_not_resolve_fails_at_once(slept, monkeypatch):
    asked = []

    def no_such_name(host, *args, **kwargs):
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(urllib3.util.connection.socket, "getaddrinfo", no_such_name)
    with pytest.raises(SourceError) as caught:
        make_client(slept, timeout=2).get_json("http://api.example.invalid/items?key=SECRET")
    assert str(caught.value) == (
        "demo: cannot connect to api.example.invalid (the name does not resolve); not retried: "
        "check base_url and the network"
    )
    assert (asked, slept) == (["api.example.invalid"], [])


def test_timeouts_are_retried_only_within_retry_time(server, slept):
    def slow(request):
        time.sleep(1.0)  # well past the client's timeout; the server thread then ends
        return "{}"

    server.add("/slow", slow)
    client = make_client(slept, timeout=0.2, retry_time=6)
    with pytest.raises(SourceError) as caught:
        client.get_json(server.url("/slow"))
    # Waits of 1.5s then 3s fit in 6s with two 0.2s timeouts; a third wait (6s) would not.
    assert slept == [1.5, 3.0]
    assert len(server.requests_to("/slow")) == 3
    message = str(caught.value)
    assert message.startswith(f"demo: timed out after 0.2s from {server.url('/slow')} after 3 ")
    assert message.endswith("another would pass retry_time (6s), giving up; try again later")


def test_5xx_is_retried_and_the_retry_time_is_shared_by_the_whole_source(server, slept):
    server.add("/a", status=503)
    server.add("/a", json_body={"ok": 1})
    server.add("/b", status=503)
    client = make_client(slept, timeout=1, retry_time=6)
    assert client.get_json(server.url("/a"))[0] == {"ok": 1}
    assert slept == [1.5]
    with pytest.raises(SourceError) as caught:
        client.get_json(server.url("/b"))
    # 1.5s already spent on /a: /b gets one 1.5s wait; a 3s one would pass 6s with the
    # timeout (on its own, /b would have had it).
    assert slept == [1.5, 1.5]
    assert "after 2 tries" in str(caught.value) and "retry_time (6s)" in str(caught.value)


def test_retry_time_is_a_setting_of_every_http_source():
    settings = HttpSourceSettings(retry_time=12)
    client = HttpClient.for_settings("demo", settings)
    assert (client.retry_time, HttpSourceSettings().retry_time) == (12, 60.0)


def test_an_offline_search_fails_each_source_at_once(tmp_path):
    """`earmark search` with every default source pointed at a port nobody listens on."""
    import json as jsonlib

    from click.testing import CliRunner

    from earmark.cli import cli

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sources = {
        "hackernews": {"base_url": base},
        "reddit": {"base_url": base, "rss_base_url": base, "auth_url": base},
        "stackexchange": {"base_url": base},
        "mastodon": {"base_url": base},
    }
    config = tmp_path / "earmark.yaml"
    config.write_text(jsonlib.dumps({"sources": sources}), encoding="utf-8")
    env = {k: "" for k in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "EARMARK_DB")}
    result = CliRunner().invoke(cli, ["-c", str(config), "search", "acme"], env=env)
    assert (result.exit_code, result.stdout) == (1, "")
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 4, result.stderr
    assert all("connection refused); not retried" in line for line in lines)
