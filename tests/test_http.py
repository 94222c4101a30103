"""The shared HTTP client against a real local server: retries, rate limits, budget, errors."""

from __future__ import annotations

import socket

import pytest

from earmark import __version__
from listen.base import AuthError, SourceError
from listen.http import (
    USER_AGENT,
    BudgetExhausted,
    HttpClient,
    parse_rate_limit,
    parse_retry_after,
    safe_url,
)

NOW = 1_700_000_000.0  # a fixed clock for Unix-time and HTTP-date headers


def make_client(slept, **options) -> HttpClient:
    options.setdefault("clock", lambda: NOW)
    options.setdefault("jitter", lambda: 0.5)
    return HttpClient("demo", timeout=2, sleep=slept.append, **options)


def test_get_json_returns_data_and_response_and_sends_user_agent(server, slept):
    server.add("/items", json_body={"items": [1, 2]})
    data, response = make_client(slept).get_json(server.url("/items"), params={"q": "acme"})
    assert data == {"items": [1, 2]}
    assert response.status_code == 200
    request = server.requests[0]
    assert request.query == {"q": ["acme"]}
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith(f"earmark/{__version__} (+https://github.com/earmark")
    assert request.headers["Accept"] == "application/json"
    assert slept == []


def test_get_text_returns_body(server, slept):
    server.add("/feed", "<rss>héllo</rss>", content_type="application/rss+xml; charset=utf-8")
    text, response = make_client(slept).get_text(server.url("/feed"))
    assert text == "<rss>héllo</rss>"
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"


def test_429_with_retry_after_seconds_is_retried_after_that_wait(server, slept):
    server.add("/items", status=429, headers={"Retry-After": "7"})
    server.add("/items", json_body={"ok": True})
    data, _ = make_client(slept).get_json(server.url("/items"))
    assert data == {"ok": True}
    assert slept == [7.0]
    assert len(server.requests) == 2


def test_429_with_retry_after_http_date_waits_until_then(server, slept):
    server.add("/items", status=429, headers={"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"})
    server.add("/items", json_body={"ok": True})
    make_client(slept).get_json(server.url("/items"))
    assert slept == [20.0]  # NOW is 22:13:20 GMT


def test_5xx_is_retried_with_exponential_backoff_and_jitter(server, slept):
    for _ in range(3):
        server.add("/items", status=503)
    server.add("/items", json_body=[])
    data, _ = make_client(slept, backoff=1.0).get_json(server.url("/items"))
    assert data == []
    assert slept == [1.5, 3.0, 6.0]  # backoff * 2**attempt * (1 + jitter 0.5)


def test_5xx_gives_up_after_max_retries_with_one_line(server, slept):
    server.add("/items", status=500)
    client = make_client(slept, max_retries=2)
    with pytest.raises(SourceError) as caught:
        client.get_json(server.url("/items"), params={"key": "SECRET"})
    assert str(caught.value) == (
        f"demo: HTTP 500 Internal Server Error from {server.url('/items')} after 3 tries, "
        "giving up; try again later"
    )
    assert len(server.requests) == 3
    assert len(slept) == 2


def test_retry_after_longer_than_max_wait_gives_up_without_sleeping(server, slept):
    server.add("/items", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(SourceError) as caught:
        make_client(slept, max_wait=60).get_json(server.url("/items"))
    assert str(caught.value) == (
        f"demo: HTTP 429 Too Many Requests from {server.url('/items')}; the server asks to wait "
        "3600s, giving up for this run; try again later"
    )
    assert slept == []


@pytest.mark.parametrize("status, reason", [(401, "Unauthorized"), (403, "Forbidden")])
def test_auth_failure_raises_auth_error_without_retry_or_secrets(server, slept, status, reason):
    server.add("/items", status=status)
    client = make_client(slept)
    with pytest.raises(AuthError) as caught:
        client.get_json(
            server.url("/items"),
            params={"access_token": "SECRET"},
            headers={"Authorization": "Bearer SECRET"},
        )
    assert str(caught.value) == (
        f"demo: {status} {reason} from {server.url('/items')}; check the source's credentials "
        "(`earmark sources` shows which are set)"
    )
    assert "SECRET" not in str(caught.value)
    assert len(server.requests) == 1
    assert server.requests[0].headers["Authorization"] == "Bearer SECRET"
    assert slept == []


def test_other_4xx_is_an_error_without_retry(server, slept):
    with pytest.raises(SourceError) as caught:
        make_client(slept).get_json(server.url("/missing"))
    assert str(caught.value) == (
        f"demo: HTTP 404 Not Found from {server.url('/missing')}; check base_url and the "
        "source's settings"
    )
    assert len(server.requests) == 1


def test_malformed_json_is_a_source_error_naming_the_url_without_query(server, slept):
    server.add("/items", "{not json", content_type="application/json")
    with pytest.raises(SourceError) as caught:
        make_client(slept).get_json(server.url("/items"), params={"key": "SECRET"})
    assert str(caught.value) == (
        f"demo: malformed JSON from {server.url('/items')}: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )


def test_a_refused_connection_fails_at_once_without_the_query(slept):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(slept, max_retries=1)
    with pytest.raises(SourceError) as caught:
        client.get_json(f"http://127.0.0.1:{port}/items", params={"key": "SECRET"})
    assert str(caught.value) == (
        "demo: cannot connect to 127.0.0.1 (connection refused); not retried: check base_url "
        "and the network"
    )
    assert slept == []


def test_timeouts_are_retried(server, slept):
    import time

    def slow(request):
        time.sleep(0.5)
        return "{}"

    server.add("/slow", slow)
    server.add("/slow", "{}")  # only the first request is slow
    client = HttpClient("demo", timeout=0.1, sleep=slept.append, jitter=lambda: 0.0)
    data, _ = client.get_json(server.url("/slow"))
    assert data == {}
    assert slept == [1.0]


def test_request_budget_stops_cleanly_counting_retries(server, slept):
    server.add("/items", status=500)
    server.add("/items", json_body={"page": 1})
    client = make_client(slept, max_requests=3)
    client.get_json(server.url("/items"))  # 2 requests: one retry
    client.get_json(server.url("/items"))  # the 3rd
    with pytest.raises(BudgetExhausted) as caught:
        client.get_json(server.url("/items"))
    assert str(caught.value) == (
        "demo: request budget of 3 used; stopping with what was fetched (raise max_requests "
        "to fetch more per run)"
    )
    assert client.requests_made == 3
    assert len(server.requests) == 3


def test_exhausted_rate_limit_waits_for_the_reset_before_the_next_request(server, slept):
    # Reddit's style: remaining as a float, reset in seconds.
    server.add(
        "/r", json_body={}, headers={"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "12"}
    )
    client = make_client(slept)
    client.get_json(server.url("/r"))
    assert slept == []  # nothing to wait for until another request is made
    client.get_json(server.url("/r"))
    assert slept == [12.0]
    assert client.quota_remaining == 0.0


def test_nearly_exhausted_rate_limit_paces_the_remaining_requests(server, slept):
    # X's style: reset as a Unix time.
    headers = {"x-rate-limit-remaining": "2", "x-rate-limit-reset": str(int(NOW) + 30)}
    server.add("/x", json_body={}, headers=headers)
    client = make_client(slept)
    client.get_json(server.url("/x"))
    client.get_json(server.url("/x"))
    assert slept == [10.0]  # 30s spread over the 2 remaining + 1


def test_plenty_of_rate_limit_left_does_not_slow_down(server, slept):
    headers = {"X-RateLimit-Remaining": "299", "X-RateLimit-Reset": "2023-11-14T22:18:20.000Z"}
    server.add("/m", json_body={}, headers=headers)
    client = make_client(slept)
    client.get_json(server.url("/m"))
    client.get_json(server.url("/m"))
    assert slept == []


def test_rate_limit_reset_beyond_max_wait_stops_the_run_cleanly(server, slept):
    # Mastodon's style: reset as an ISO time, here 15 minutes away.
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2023-11-14T22:28:20.000Z"}
    server.add("/m", json_body={}, headers=headers)
    client = make_client(slept)
    client.get_json(server.url("/m"))
    with pytest.raises(BudgetExhausted) as caught:
        client.get_json(server.url("/m"))
    assert str(caught.value) == (
        "demo: rate limit nearly used, it resets in 900s; stopping with what was fetched"
    )
    assert len(server.requests) == 1


def test_pause_delays_the_next_request(server, slept):
    server.add("/s", json_body={})
    client = make_client(slept)
    client.pause(5)
    client.get_json(server.url("/s"))
    assert slept == [5]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Tue, 14 Nov 2023 22:14:20 GMT", 60.0),
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # in the past: no wait
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"X-Ratelimit-Remaining": "598.0", "X-Ratelimit-Reset": "290"}, (598.0, 290.0)),
        ({"x-rate-limit-remaining": "449", "x-rate-limit-reset": str(int(NOW) + 900)}, (449, 900)),
        ({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "2023-11-14T22:18:20Z"}, (5, 300)),
        ({"RateLimit-Remaining": "1", "RateLimit-Reset": "60"}, (1.0, 60.0)),
        ({"X-RateLimit-Remaining": "3"}, (3.0, 0.0)),
        ({"Content-Type": "text/html"}, None),
    ],
)
def test_parse_rate_limit(headers, expected):
    import requests

    assert parse_rate_limit(requests.structures.CaseInsensitiveDict(headers), now=NOW) == expected


def test_safe_url_drops_query_fragment_and_user_info():
    assert (
        safe_url("https://user:pw@api.example.org:8443/2.3/search?key=SECRET&q=x#frag")
        == "https://api.example.org:8443/2.3/search"
    )
