"""Credential POSTs (OAuth2 token endpoints, atproto sessions) against a real server on
127.0.0.1: a redirect is never followed with the credentials, and a body over max_body is
refused, each in one line (listen/tokens.py)."""

from __future__ import annotations

import pytest
from httpserver import LocalServer

from listen.base import SourceError
from listen.http import HttpClient
from listen.tokens import post_json

SECRET = "s3cr3t-client-secret-value"


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_token_request_is_not_followed(server, status):
    server.add("/token", status=status, headers={"Location": server.url("/elsewhere")})
    server.add("/elsewhere", json_body={"access_token": "x"})
    client = HttpClient("reddit", timeout=5)
    with pytest.raises(SourceError) as caught:
        post_json(client, server.url("/token"), data={"grant_type": "x"}, auth=("id", SECRET))
    assert str(caught.value) == (
        f"reddit: {server.url('/token')} redirects ({status}); credentials are never sent on "
        "to another address: check the credentials URL"
    )
    assert [r.path for r in server.requests] == ["/token"]  # nothing reached /elsewhere
    assert SECRET not in str(caught.value)


def test_a_token_response_over_max_body_is_refused(server):
    server.add("/token", body=b"{" + b" " * 2_000_000 + b"}", content_type="application/json")
    client = HttpClient("mastodon", timeout=5, max_body="1MB")
    with pytest.raises(SourceError) as caught:
        post_json(client, server.url("/token"), json_body={"password": SECRET}, what="session")
    assert str(caught.value) == (
        f"mastodon: the response from {server.url('/token')} is over max_body (1MB; it "
        "announces 2MB); check the session URL"
    )


def test_a_token_response_under_max_body_is_decoded(server):
    server.add("/token", json_body={"access_token": "abc", "padding": "x" * 5000})
    client = HttpClient("mastodon", timeout=5, max_body="1MB")
    body, response = post_json(client, server.url("/token"), data={"a": "b"})
    assert body["access_token"] == "abc"
    assert response.status_code == 200
    assert server.requests[0].method == "POST"
    assert client.requests_made == 1
