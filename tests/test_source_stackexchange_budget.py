"""Stack Exchange: the request budget shared fairly and resumed, and the platform's refusals.

Search pages are the recorded API 2.x wrapper (search_questions_python_yield.json, see
SOURCES.md), served for every site and term. The throttle body is the documented API 2.x error
wrapper (`error_id`, `error_name`, `error_message`) with the words Stack Exchange sends for a
`throttle_violation`, as other clients' tests record them; no recording of the HTTP exchange
itself was found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from httpserver import LocalServer
from listencli import run_cli, stored_ids

from earmark.config import Topic
from listen.base import SourceError
from listen.http import HttpClient
from listen.stackexchange import StackExchangeSettings, StackExchangeSource

FIXTURES = Path(__file__).parent / "fixtures" / "stackexchange"
RECORDED = json.loads((FIXTURES / "search_questions_python_yield.json").read_text())
SEARCH = "/2.3/search/advanced"
TERMS = [f"term{n}" for n in range(11)]
SITES = ["stackoverflow", "superuser"]
THROTTLED = {
    "error_id": 502,
    "error_message": "too many requests from this IP, more requests available in 33635 seconds",
    "error_name": "throttle_violation",
}


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


def make_source(server, **settings) -> StackExchangeSource:
    options = StackExchangeSettings(base_url=server.url("/2.3"), sites=SITES, **settings)
    http = HttpClient(
        "stackexchange", max_requests=options.max_requests, sleep=lambda _: None, jitter=lambda: 0
    )
    return StackExchangeSource(options, env={}, http=http)


def asked(requests) -> list[str]:
    return [f"{r.param('site')}|{r.param('q')}" for r in requests]


def test_eleven_terms_on_two_sites_are_all_read_within_two_runs(server):
    """Issue #16.6: some site/term pairs were never requested in two runs."""
    server.add(SEARCH, json_body=RECORDED)
    topic = Topic(name="many", terms=TERMS)
    cursor = None
    for _ in range(2):
        batches = list(make_source(server, max_requests=20).fetch(topic, cursor))
        cursor = next(b.cursor for b in reversed(batches) if b.cursor)
    everything = {f"{site}|{term}" for site in SITES for term in TERMS}
    assert set(asked(server.requests)) == everything
    first_run, second_run = server.requests[:20], server.requests[20:]
    assert asked(second_run)[:2] == ["superuser|term9", "superuser|term10"]  # left out first
    assert len(first_run) == len(second_run) == 20
    assert "~resume" in json.loads(cursor)  # the second run was cut short too


def test_every_stream_gets_a_page_before_any_gets_a_second(server):
    more = {**RECORDED, "has_more": True}
    server.add(SEARCH, json_body=more)
    positions = {f"stackoverflow|{term}": "1224800000" for term in ("a", "b", "c")}
    source = make_source(server, max_requests=5)
    source.settings.sites = ["stackoverflow"]
    batches = list(source.fetch(Topic(name="t", terms=["a", "b", "c"]), json.dumps(positions)))
    pages = [(r.param("q"), r.param("page")) for r in server.requests]
    assert pages == [("a", "1"), ("b", "1"), ("c", "1"), ("a", "2"), ("b", "2")]
    assert json.loads(batches[-1].cursor)["~resume"] == "stackoverflow|c"


def test_a_throttle_violation_says_so_and_is_not_blamed_on_base_url(server):
    """Issue #16.7: the platform's error body was thrown away."""
    server.add(SEARCH, json_body=RECORDED, query={"q": "term0"})
    server.add(SEARCH, status=400, json_body=THROTTLED, query={"q": "term1"})
    source = make_source(server)
    source.settings.sites = ["stackoverflow"]
    batches = []
    with pytest.raises(SourceError) as caught:
        for batch in source.fetch(Topic(name="t", terms=["term0", "term1"]), None):
            batches.append(batch)
    assert str(caught.value) == (
        "stackexchange: Stack Exchange is throttling this address (throttle_violation: too "
        "many requests from this IP, more requests available in 33635 seconds); 1 of 2 "
        "site/term searches not read this run, read when it lifts (an app key in the variable "
        "named by key_env gives a larger quota)"
    )
    assert [len(batch.posts) for batch in batches] == [1, 0]
    assert json.loads(batches[-1].cursor)["~resume"] == "stackoverflow|term1"
    assert len(server.requests) == 2  # a refusal is not retried


def test_a_budget_used_up_mid_retry_is_an_error(server):
    """Issue #16.5."""
    server.add(SEARCH, status=503)
    with pytest.raises(SourceError) as caught:
        list(make_source(server, max_requests=1).fetch(Topic(name="t", terms=["a"]), None))
    assert str(caught.value) == (
        f"stackexchange: HTTP 503 Service Unavailable from {server.url(SEARCH)}; the request "
        "budget of 1 is used up, so no retry this run (raise max_requests)"
    )


def config(server, **options) -> str:
    extra = "".join(f"    {key}: {value}\n" for key, value in options.items())
    return (
        "topics:\n  - name: py\n    terms: [yield, generator]\n"
        f"sources:\n  stackexchange:\n    base_url: {server.url('/2.3')}\n{extra}"
    )


def test_cli_a_budget_stop_is_said_without_verbose(server, tmp_path):
    server.add(SEARCH, json_body=RECORDED)
    env = {"STACKEXCHANGE_KEY": None}
    result = run_cli(tmp_path, config(server, max_requests=1), "--source", "stackexchange", env=env)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "stackexchange: request budget of 1 used; stopping with what was fetched (raise "
        "max_requests to fetch more per run) (topic py: 1 of 2 site/term searches not read this "
        "run; they go first next run)\n"
        "stackexchange: 1 new post (py 1)\n"
    )
    assert stored_ids(tmp_path) == ["stackexchange:stackoverflow/231767"]


def test_cli_a_used_up_quota_is_not_a_silent_success(server, tmp_path):
    """Issue #16.7: `quota_remaining: 0` stopped the source with exit 0 and no message."""
    server.add(SEARCH, json_body={**RECORDED, "quota_remaining": 0})
    env = {"STACKEXCHANGE_KEY": None}
    result = run_cli(tmp_path, config(server), "--source", "stackexchange", env=env)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "stackexchange: error: the daily API quota is used up (it resets at midnight UTC; an "
        "app key in the variable named by key_env gives a larger one); 1 of 2 site/term "
        "searches not read this run\n"
    )
    assert stored_ids(tmp_path) == ["stackexchange:stackoverflow/231767"]  # what was read stays
