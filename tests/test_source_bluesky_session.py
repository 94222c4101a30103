"""Bluesky keeps its session between runs in a private file (issue #16, item 11).

Session bodies follow com.atproto.server.createSession/refreshSession's published output; the
tokens are JWT-shaped (header.payload.signature) with an `exp` claim as atproto issues them, but
built here (no recorded session exists: upstream cassettes scrub them). postViews are the
recorded one from tests/fixtures/bluesky/ (see test_source_bluesky.py).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import time

import pytest
from httpserver import LocalServer
from listencli import run_cli, stored_ids
from test_source_bluesky import (
    CREATE,
    ENV,
    PASSWORD,
    REFRESH,
    SEARCH,
    TOPIC,
    real_post_view,
    search_body,
)

from listen.bluesky import BlueskySettings, BlueskySource
from listen.bluesky_session import SessionFile, default_session_path, expires_soon
from listen.http import HttpClient


def jwt(name: str, expires_in: float) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {
        "scope": "com.atproto.appPass",
        "sub": "did:plc:care",
        "exp": time.time() + expires_in,
    }
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.{name}-signature"


def session(n: int, expires_in: float = 7200) -> dict:
    return {
        "accessJwt": jwt(f"access{n}", expires_in),
        "refreshJwt": jwt(f"refresh{n}", 90 * 86400),
        "handle": "care.example.com",
        "did": "did:plc:careaccount000000000000",
    }


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def make_source(server, state, **options) -> BlueskySource:
    settings = BlueskySettings(base_url=server.url(), reach=False, **options)
    client = HttpClient("bluesky", sleep=lambda _: None, max_requests=settings.max_requests)
    return BlueskySource(settings, env={**ENV, "XDG_STATE_HOME": str(state)}, client=client)


def kept_file(state):
    return state / "earmark" / "bluesky-session.json"


def bearer(request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


def test_the_session_is_kept_privately_and_reused_by_the_next_run(server, state):
    first = session(1)
    server.add(CREATE, json_body=first)
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    assert len(next(iter(make_source(server, state).fetch(TOPIC, None))).posts) == 1
    path = kept_file(state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert PASSWORD not in text and first["accessJwt"] in text

    list(make_source(server, state).fetch(TOPIC, None))  # the next run: no new login
    assert len(server.requests_to(CREATE)) == 1
    assert [bearer(r) for r in server.requests_to(SEARCH)] == [first["accessJwt"]] * 2


def test_a_kept_session_that_expired_is_refreshed_not_logged_in_again(server, state):
    server.add(CREATE, json_body=session(1))
    server.add(SEARCH, json_body=search_body([]))
    # On the next run the server says the token expired (its exp does not say so yet).
    server.add(SEARCH, status=400, json_body={"error": "ExpiredToken", "message": "expired"})
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    server.add(REFRESH, json_body=session(2))
    list(make_source(server, state).fetch(TOPIC, None))
    list(make_source(server, state).fetch(TOPIC, None))
    assert [r.path for r in server.requests] == [CREATE, SEARCH, SEARCH, REFRESH, SEARCH]
    assert bearer(server.requests_to(REFRESH)[0]).endswith("refresh1-signature")
    assert bearer(server.requests_to(SEARCH)[-1]).endswith("access2-signature")
    assert "access2-signature" in kept_file(state).read_text()  # the refreshed one is kept


def test_a_kept_token_about_to_expire_is_refreshed_before_use(server, state):
    SessionFile(kept_file(state)).save(f"{server.url()}|care.example.com", session(1, 30))
    server.add(REFRESH, json_body=session(2))
    server.add(SEARCH, json_body=search_body([]))
    list(make_source(server, state).fetch(TOPIC, None))
    assert [r.path for r in server.requests] == [REFRESH, SEARCH]
    assert bearer(server.requests_to(SEARCH)[0]).endswith("access2-signature")


def test_a_revoked_kept_session_is_forgotten_and_the_run_logs_in(server, state):
    SessionFile(kept_file(state)).save(f"{server.url()}|care.example.com", session(1))
    server.add(SEARCH, status=401, json_body={"error": "InvalidToken", "message": "revoked"})
    server.add(SEARCH, json_body=search_body([real_post_view()]))
    server.add(CREATE, json_body=session(3))
    [batch] = make_source(server, state).fetch(TOPIC, None)
    assert len(batch.posts) == 1
    assert [r.path for r in server.requests] == [SEARCH, CREATE, SEARCH]
    assert "access3-signature" in kept_file(state).read_text()
    assert "access1-signature" not in kept_file(state).read_text()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_session_file_others_can_read_is_not_used(server, state, caplog, mode):
    path = kept_file(state)
    SessionFile(path).save(f"{server.url()}|care.example.com", session(1))
    path.chmod(mode)
    before = path.read_text()
    server.add(CREATE, json_body=session(2))
    server.add(SEARCH, json_body=search_body([]))
    with caplog.at_level(logging.WARNING, logger="earmark.listen.bluesky"):
        list(make_source(server, state).fetch(TOPIC, None))
    assert [r.path for r in server.requests] == [CREATE, SEARCH]
    assert bearer(server.requests_to(SEARCH)[0]).endswith("access2-signature")
    assert path.read_text() == before  # neither read nor rewritten
    assert [record.getMessage() for record in caplog.records] == [
        f"bluesky: not keeping the session: {path} can be read by others (mode {mode:04o}); "
        f"run `chmod 600 {path}`; logging in on every run until fixed"
    ]
    assert "access1" not in caplog.text and "access2" not in caplog.text


def test_sessions_of_two_accounts_or_servers_are_kept_apart(server, state):
    server.add(CREATE, json_body=session(1))
    server.add(CREATE, json_body=session(2))
    server.add(SEARCH, json_body=search_body([]))
    list(make_source(server, state).fetch(TOPIC, None))
    other = make_source(server, state)
    other.env = {**other.env, "BLUESKY_HANDLE": "other.example.com"}
    list(other.fetch(TOPIC, None))
    assert len(server.requests_to(CREATE)) == 2
    assert set(json.loads(kept_file(state).read_text())) == {
        f"{server.url()}|care.example.com",
        f"{server.url()}|other.example.com",
    }


def test_keep_session_false_and_a_bare_environment_keep_nothing(server, state, tmp_path):
    server.add(CREATE, json_body=session(1))
    server.add(SEARCH, json_body=search_body([]))
    list(make_source(server, state, keep_session=False).fetch(TOPIC, None))
    list(make_source(server, state, keep_session=False).fetch(TOPIC, None))
    assert len(server.requests_to(CREATE)) == 2
    assert not state.exists()
    assert default_session_path({}) is None
    assert default_session_path({"HOME": "/home/care"}) == (
        default_session_path({"XDG_STATE_HOME": "/home/care/.local/state"})
    )
    assert (
        str(default_session_path({"HOME": "/h"})) == "/h/.local/state/earmark/bluesky-session.json"
    )


def test_expires_soon_reads_the_jwt_exp_claim():
    assert expires_soon(jwt("a", 30)) is True
    assert expires_soon(jwt("a", 3600)) is False
    assert expires_soon("not-a-jwt") is False  # says nothing: use it, the server will tell
    assert expires_soon(None) is False


def test_cli_runs_reuse_the_session_and_never_show_or_store_the_tokens(server, tmp_path):
    state = tmp_path / "state"
    kept = session(1)
    server.add(CREATE, json_body=kept)
    view = real_post_view()
    view["record"]["text"] = "acme is down"
    server.add(SEARCH, json_body=search_body([view]))
    config = (
        "topics:\n  - name: acme\n    terms: [acme]\n"
        f"sources:\n  bluesky:\n    base_url: {server.url()}\n    reach: false\n"
    )
    env = {**ENV, "XDG_STATE_HOME": str(state)}
    first = run_cli(tmp_path, config, "--source", "bluesky", env=env)
    second = run_cli(tmp_path, config, "--source", "bluesky", "-v", env=env)
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert len(server.requests_to(CREATE)) == 1
    shown = first.stdout + first.stderr + second.stdout + second.stderr
    database = (tmp_path / "x.db").read_bytes()
    for token in (kept["accessJwt"], kept["refreshJwt"], PASSWORD):
        for piece in token.split("."):
            assert piece not in shown
            assert piece.encode() not in database
    assert stored_ids(tmp_path) == [f"bluesky:{view['uri']}"]
    assert os.path.exists(kept_file(state))
