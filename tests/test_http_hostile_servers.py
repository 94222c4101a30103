"""The HTTP client against servers that misbehave for real on 127.0.0.1 (tests/hostile_http.py):
trickling bodies and headers, stalls, huge bodies, redirects elsewhere, Retry-After beyond the
deadline, a budget that runs out halfway. Each test checks how the call ended (which error, how
many requests reached the server), never how long it took; the servers stop by themselves.
"""

from __future__ import annotations

import pytest
from hostile_http import HostileServer
from hypothesis import given, settings
from hypothesis import strategies as st

from listen.base import SourceError
from listen.deadline import Deadline, deadline_scope
from listen.http import BudgetExhausted, DeadlineReached, HttpClient
from listen.httplimits import RedirectRefused, parse_size, redirect_target

FEED = b"<feed>" + b"x" * 200 + b"</feed>"


@pytest.fixture
def server():
    with HostileServer() as running:
        yield running


def client(slept, **options) -> HttpClient:
    options.setdefault("timeout", 20)
    options.setdefault("jitter", lambda: 0.0)
    return HttpClient("demo", sleep=slept.append, **options)


# -- time: the whole response is bounded, not each read -------------------------------------------


def test_a_body_trickling_a_byte_at_a_time_times_out_as_a_whole(server, slept):
    # Each byte comes well within the timeout, so a per-read timeout would never fire.
    server.trickle("/feed", FEED, every=0.1)
    with pytest.raises(SourceError) as caught:
        client(slept, timeout=1, max_retries=1).get_text(server.url("/feed"))
    assert str(caught.value) == (
        f"demo: timed out after 1s from {server.url('/feed')} after 2 tries, giving up; "
        "try again later"
    )
    assert server.requests == ["/feed", "/feed"]
    assert slept == [1.0]  # a time-out is worth one more try
    assert server.sent["/feed"] < 2 * len(FEED)  # neither try got the whole body


def test_a_trickling_body_with_a_length_is_cut_as_well(server, slept):
    server.trickle("/feed", FEED, every=0.1, length=True)
    with pytest.raises(SourceError, match=r"^demo: timed out after 1s from .* after 1 tries"):
        client(slept, timeout=1, max_retries=0).get_text(server.url("/feed"))


def test_headers_trickling_a_byte_at_a_time_time_out_as_a_whole(server, slept):
    server.trickle_headers("/slow", every=0.05)
    with pytest.raises(SourceError) as caught:
        client(slept, timeout=1, max_retries=0).get(server.url("/slow"))
    assert str(caught.value) == (
        f"demo: timed out after 1s from {server.url('/slow')} after 1 tries, giving up; "
        "try again later"
    )


def test_the_deadline_cuts_a_trickling_body_and_is_not_retried(server, slept):
    server.trickle("/feed", FEED, every=1.0)  # one byte a second
    deadline = Deadline.after(1.0)
    with pytest.raises(SourceError) as caught:
        client(slept, deadline=deadline).get_text(server.url("/feed"))
    assert str(caught.value) == (
        f"demo: no complete response from {server.url('/feed')} before --max-duration; "
        "stopped, the rest is read next run"
    )
    assert deadline.hit
    assert server.requests == ["/feed"]
    assert slept == []


def test_the_deadline_cuts_a_server_that_never_answers(server, slept):
    server.stall("/stall", seconds=30)
    deadline = Deadline.after(1.0)
    with pytest.raises(SourceError, match="^demo: no complete response from .* --max-duration"):
        client(slept, deadline=deadline).get(server.url("/stall"))
    assert deadline.hit


def test_the_run_deadline_reaches_clients_built_without_one(server, slept):
    server.trickle("/feed", FEED, every=1.0)
    with deadline_scope(Deadline.after(1.0)) as deadline:
        with pytest.raises(SourceError, match="before --max-duration"):
            client(slept).get_text(server.url("/feed"))
    assert deadline.hit


def test_no_request_starts_after_the_deadline(server, slept):
    server.respond("/ok", b"{}")
    deadline = Deadline.after(-1.0)
    with pytest.raises(DeadlineReached) as caught:
        client(slept, deadline=deadline).get_json(server.url("/ok"))
    assert str(caught.value) == (
        "demo: stopped at --max-duration with what was fetched; the rest is read next run"
    )
    assert isinstance(caught.value, BudgetExhausted)  # sources stop as for a spent budget
    assert deadline.hit
    assert server.requests == []


def test_a_retry_after_beyond_the_deadline_gives_up_without_waiting(server, slept):
    server.respond("/busy", status=503, headers={"Retry-After": "30"})
    deadline = Deadline.after(5.0)
    with pytest.raises(SourceError) as caught:
        client(slept, deadline=deadline).get(server.url("/busy"))
    assert str(caught.value) == (
        f"demo: HTTP 503 Service Unavailable from {server.url('/busy')}; no time left to retry "
        "before --max-duration, giving up for this run; the rest is read next run"
    )
    assert slept == []
    assert server.requests == ["/busy"]
    assert deadline.hit


def test_a_rate_limit_wait_beyond_the_deadline_stops_before_the_request(server, slept):
    server.respond("/ok", b"{}", headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"})
    deadline = Deadline.after(5.0)
    http = client(slept, deadline=deadline)
    http.get_json(server.url("/ok"))
    with pytest.raises(DeadlineReached):
        http.get_json(server.url("/ok"))
    assert slept == []
    assert server.requests == ["/ok"]


# -- size: bodies are capped while they are read ------------------------------------------------


@pytest.mark.parametrize("framing", ["close", "chunked"])
def test_a_huge_body_is_refused_once_it_passes_max_body(server, slept, framing):
    server.huge("/big", size=200_000_000, chunked=framing == "chunked")
    with pytest.raises(SourceError) as caught:
        client(slept, max_body="1MB").get_json(server.url("/big"))
    assert str(caught.value) == (
        f"demo: the response from {server.url('/big')} is over max_body (1MB; it is larger); "
        "raise max_body for this source if that is expected"
    )
    assert server.requests == ["/big"]  # not retried
    assert slept == []
    server.stop()  # wait for the writer to notice the client left
    assert server.sent["/big"] < 50_000_000  # the rest was never read


def test_a_huge_announced_length_is_refused_before_reading(server, slept):
    server.huge("/big", size=200_000_000, length=True)
    with pytest.raises(SourceError) as caught:
        client(slept).get(server.url("/big"))
    assert str(caught.value) == (
        f"demo: the response from {server.url('/big')} is over max_body (20MB; it announces "
        "200MB); raise max_body for this source if that is expected"
    )
    assert server.requests == ["/big"]


def test_a_body_just_under_max_body_is_read_whole(server, slept):
    server.huge("/big", size=3 * 65536 + 7)
    response = client(slept, max_body=3 * 65536 + 7).get(server.url("/big"))
    assert response.content == b"x" * (3 * 65536 + 7)


@pytest.mark.parametrize(
    "value, size",
    [(1, 1), ("20MB", 20_000_000), ("512 kb", 512_000), ("1GiB", 2**30), ("1.5MB", 1_500_000)],
)
def test_parse_size(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["lots", "20 MBs", "0", 0, -5, True, ""])
def test_parse_size_refuses_what_is_not_a_size(value):
    with pytest.raises(ValueError, match="invalid size"):
        parse_size(value)


def test_a_bad_max_body_is_one_line_naming_the_source():
    with pytest.raises(SourceError) as caught:
        HttpClient("rss", max_body="huge")
    assert str(caught.value) == (
        "rss: max_body: invalid size 'huge': use a number of bytes or e.g. 20MB"
    )


# -- redirects --------------------------------------------------------------------------------


def test_a_redirect_to_another_port_is_not_followed(server, slept):
    with HostileServer() as internal:
        port = internal.port
        internal.respond("/admin", b"secret")
        server.redirect("/feed", internal.url("/admin"))
        with pytest.raises(SourceError) as caught:
            client(slept).get(server.url("/feed"))
        assert internal.requests == []
    assert str(caught.value) == (
        f"demo: {server.url('/feed')} redirects to 127.0.0.1:{port}, another host "
        "(list it in allow_redirect_hosts to follow it); not followed, check base_url"
    )
    assert server.requests == ["/feed"]
    assert slept == []


def test_a_redirect_to_another_host_name_is_not_followed(server, slept):
    server.redirect("/feed", f"http://localhost:{server.port}/feed2")
    with pytest.raises(SourceError, match=r"redirects to localhost:\d+, another host"):
        client(slept).get(server.url("/feed"))
    assert server.requests == ["/feed"]


def test_a_listed_host_is_followed_without_the_credentials(server, slept):
    with HostileServer() as mirror:
        mirror.respond("/feed", b"moved here")
        server.redirect("/feed", mirror.url("/feed"), status=301)
        http = client(slept, allow_redirect_hosts=[f"127.0.0.1:{mirror.port}"])
        text, response = http.get_text(server.url("/feed"), headers={"Authorization": "Bearer x"})
        assert mirror.requests == ["/feed"]
        assert response.url == mirror.url("/feed")
    assert server.headers[0]["Authorization"] == "Bearer x"
    assert "Authorization" not in mirror.headers[0]
    assert text == "moved here"
    assert http.requests_made == 2


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1:70/1"])
def test_a_redirect_to_another_scheme_is_refused_once(server, slept, location):
    server.redirect("/feed", location)
    with pytest.raises(SourceError) as caught:
        client(slept).get(server.url("/feed"))
    scheme = location.split(":")[0]
    assert str(caught.value) == (
        f"demo: {server.url('/feed')} redirects to a {scheme}: URL (only http and https are "
        "followed); not followed, check base_url"
    )
    assert server.requests == ["/feed"]  # not retried
    assert slept == []


def test_a_same_host_redirect_is_followed(server, slept):
    server.redirect("/old", "/new?page=2", status=308)
    server.respond("/new", b'{"ok": true}')
    data, _ = client(slept).get_json(server.url("/old"))
    assert data == {"ok": True}
    assert server.requests == ["/old", "/new"]


def test_a_redirect_loop_ends_after_five_hops(server, slept):
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(SourceError) as caught:
        client(slept).get(server.url("/a"))
    assert str(caught.value) == (
        f"demo: more than 5 redirects from {server.url('/a')}; check base_url"
    )
    assert len(server.requests) == 6


HOSTS = st.sampled_from(["example.org", "EXAMPLE.org", "evil.test", "127.0.0.1", "10.0.0.1"])
SCHEMES = st.sampled_from(["http", "https", "file", "gopher", "ftp", "javascript"])


@settings(max_examples=150, deadline=None)
@given(scheme=SCHEMES, host=HOSTS, port=st.one_of(st.none(), st.integers(1, 65535)))
def test_a_followed_redirect_is_http_and_on_the_same_or_a_listed_host(scheme, host, port):
    origin = "https://example.org/feed"
    location = f"{scheme}://{host}" + (f":{port}" if port else "") + "/next"
    try:
        target = redirect_target(origin, origin, location, ["evil.test:8443"])
    except RedirectRefused:
        return
    assert target == location
    assert scheme in ("http", "https")
    default = 443 if scheme == "https" else 80
    if host.lower() == "example.org":
        assert port in (None, 443, default)
    else:
        assert (host, port) == ("evil.test", 8443)


# -- permanent errors are not retried; a budget spent halfway is an error -------------------------


@pytest.mark.parametrize("status", [400, 404, 410, 451])
def test_permanent_4xx_are_not_retried(server, slept, status):
    server.respond("/x", status=status)
    with pytest.raises(SourceError, match=f"^demo: HTTP {status} "):
        client(slept).get(server.url("/x"))
    assert server.requests == ["/x"]


def test_408_is_retried(server, slept):
    server.respond("/x", status=408)
    with pytest.raises(SourceError, match="^demo: HTTP 408 Request Timeout from .* after 2 tries"):
        client(slept, max_retries=1).get(server.url("/x"))
    assert server.requests == ["/x", "/x"]


@pytest.mark.parametrize("url", ["http://", "http://127.0.0.1:99999/x", "nothing-like-a-url"])
def test_an_invalid_url_is_not_retried(slept, url):
    http = client(slept)
    with pytest.raises(SourceError, match=r"^demo: cannot request .* check base_url"):
        http.get(url)
    assert http.requests_made == 1
    assert slept == []


def test_a_budget_spent_in_the_middle_of_a_retry_is_an_error(server, slept):
    server.respond("/x", status=503)
    http = client(slept, max_requests=2)
    with pytest.raises(SourceError) as caught:
        http.get(server.url("/x"))
    assert str(caught.value) == (
        f"demo: HTTP 503 Service Unavailable from {server.url('/x')}; the request budget of 2 "
        "is used up, so no retry this run (raise max_requests)"
    )
    assert server.requests == ["/x", "/x"]
    with pytest.raises(BudgetExhausted):  # the next fetch is a clean stop, as before
        http.get(server.url("/x"))


def test_a_budget_spent_in_the_middle_of_a_redirect_is_an_error(server, slept):
    server.redirect("/old", "/new")
    with pytest.raises(SourceError, match=r"redirects, but the request budget of 1 is used up"):
        client(slept, max_requests=1).get(server.url("/old"))
    assert server.requests == ["/old"]
