"""Secrets come only from the environment and never show up in output, logs, errors or the DB."""

from __future__ import annotations

import json
import logging
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from test_source_bluesky import post_view, search_body, session_body

from earmark import secrets as secrets_module
from earmark.cli import cli
from earmark.cli.configfile import load_config
from earmark.configload import ConfigError
from earmark.secrets import (
    REDACTED,
    RedactingFilter,
    read_secret,
    redact,
    register_secret,
)

REDDIT_SECRET = "reddit-client-secret-9f8e7d"
REDDIT_ID = "reddit-client-id-1a2b3c"
BLUESKY_PASSWORD = "abcd-efgh-ijkl-mnop"
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAx-bearer-token-5566"
ACCESS_TOKEN = "reddit-access-token-77aa88bb"
FIXTURES = Path(__file__).parent / "fixtures"


# -- the config file never holds a secret -----------------------------------------------------


@pytest.mark.parametrize(
    "source, key",
    [
        ("reddit", "client_secret"),
        ("reddit", "client_id"),
        ("reddit", "refresh_token"),
        ("bluesky", "app_password"),
        ("x", "bearer_token"),
    ],
)
def test_a_secret_written_in_the_yaml_is_a_config_error(tmp_path, source, key):
    path = tmp_path / "earmark.yaml"
    path.write_text(f"sources: {{{source}: {{{key}: abc}}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (
        f"{path}: sources.{source}.{key}: secrets must not be written in the config file; put "
        f"the value in an environment variable and name it with {key}_env: VARIABLE_NAME"
    )
    assert "abc" not in str(error.value).replace(str(path), "")


def test_the_cli_reports_a_yaml_secret_as_one_line(tmp_path):
    path = tmp_path / "earmark.yaml"
    path.write_text("sources: {reddit: {client_secret: abc}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(path), "--db", str(tmp_path / "x.db"), "listen"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}: sources.reddit.client_secret: secrets must not be written in the config "
        "file; put the value in an environment variable and name it with client_secret_env: "
        "VARIABLE_NAME\n"
    )


def test_a_secret_pasted_into_an_env_key_is_rejected_without_echoing_it(tmp_path):
    path = tmp_path / "earmark.yaml"
    path.write_text(f"sources: {{x: {{bearer_token_env: '{X_TOKEN}%3D'}}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (
        f"{path}: sources.x.bearer_token_env: must be the NAME of an environment variable "
        "(letters, digits and _), not the secret itself"
    )


# -- redaction --------------------------------------------------------------------------------


def test_read_secret_registers_the_value_for_redaction():
    assert read_secret({"MY_TOKEN": " tok-123456789 \n"}, "MY_TOKEN") == "tok-123456789"
    assert redact("header: Bearer tok-123456789!") == f"header: Bearer {REDACTED}!"
    assert read_secret({}, "MY_TOKEN") is None
    assert read_secret({"MY_TOKEN": "x"}, None) is None


def test_redact_removes_longer_secrets_first_and_leaves_short_words():
    register_secret("abc")  # too short to be a real secret: redacting it would eat words
    text = redact("abc secret-one secret-one-two", ["secret-one", "secret-one-two"])
    assert text == f"abc {REDACTED} {REDACTED}"


def test_redacting_filter_scrubs_messages_arguments_and_tracebacks():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("earmark.test.redaction")
    logger.propagate = False
    handler = Keep()
    handler.addFilter(RedactingFilter(["hunter2-password"]))
    logger.addHandler(handler)
    try:
        logger.warning("login with %s failed", "hunter2-password")
        try:
            raise ValueError("bad hunter2-password")
        except ValueError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    assert records[0] == f"login with {REDACTED} failed"
    assert "hunter2-password" not in records[1] and REDACTED in records[1]


# -- nothing leaks from a run: stdout, stderr, logs at any level, the database ------------------


def run_listen(tmp_path, server, source: str, options: str, env: dict, terms=("acme",)):
    config = tmp_path / "earmark.yaml"
    config.write_text(
        f"topics: [{{name: acme, terms: {json.dumps(list(terms))}}}]\n"
        f"sources:\n  {source}: {options}\n",
        encoding="utf-8",
    )
    args = ["-v", "-v", "--db", str(tmp_path / "x.db"), "-c", str(config), "listen"]
    return CliRunner().invoke(cli, args, env=env)


def everything_written(tmp_path, result, caplog) -> str:
    """stdout, stderr, every log record and every byte of the database files, as text."""
    parts = [result.stdout, result.stderr, caplog.text]
    parts += [record.getMessage() for record in caplog.records]
    for file in sorted(tmp_path.glob("x.db*")):
        parts.append(file.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def reddit_options(server) -> str:
    return json.dumps(
        {
            "base_url": server.url(),
            "auth_url": server.url("/api/v1/access_token"),
            "rss_base_url": server.url(),
        }
    )


REDDIT_ENV = {"REDDIT_CLIENT_ID": REDDIT_ID, "REDDIT_CLIENT_SECRET": REDDIT_SECRET}


def test_reddit_refused_credentials_leak_nothing(tmp_path, server, caplog):
    caplog.set_level(logging.DEBUG)
    # A careless server that echoes what it was sent must not leak it either.
    server.add(
        "/api/v1/access_token",
        status=401,
        json_body={"message": f"bad client {REDDIT_ID}:{REDDIT_SECRET}", "error": 401},
    )
    result = run_listen(tmp_path, server, "reddit", reddit_options(server), REDDIT_ENV)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"reddit: error: 401 Unauthorized from {server.url('/api/v1/access_token')}: the "
        "credentials in REDDIT_CLIENT_ID/REDDIT_CLIENT_SECRET were refused; bad client "
        f"{REDACTED}; check them\n"  # the id:secret pair is one secret (Basic auth)
    )
    assert len(server.requests) == 1  # not retried
    written = everything_written(tmp_path, result, caplog)
    assert REDDIT_SECRET not in written
    assert REDDIT_ID not in written


def test_reddit_successful_run_stores_no_credential(tmp_path, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add("/api/v1/access_token", json_body={"access_token": ACCESS_TOKEN, "expires_in": 60})
    server.add_file(
        "/search", FIXTURES / "reddit/search_r_all_2016.json", content_type="application/json"
    )
    result = run_listen(tmp_path, server, "reddit", reddit_options(server), REDDIT_ENV, ["praw"])
    assert result.exit_code == 0
    # -vv before the command shows the debug lines too (the recording has no rate-limit headers).
    assert result.stderr == (
        "reddit: rate limit used ?, remaining ?, resets in ?s\nreddit: 3 new posts (acme 3)\n"
    )
    written = everything_written(tmp_path, result, caplog)
    for secret in (REDDIT_SECRET, REDDIT_ID, ACCESS_TOKEN):
        assert secret not in written


def test_reddit_api_refusal_after_a_token_leaks_nothing(tmp_path, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add("/api/v1/access_token", json_body={"access_token": ACCESS_TOKEN, "expires_in": 60})
    server.add("/search", status=403, json_body={"message": f"token {ACCESS_TOKEN} forbidden"})
    result = run_listen(tmp_path, server, "reddit", reddit_options(server), REDDIT_ENV)
    assert result.exit_code == 1
    assert result.stderr == (
        f"reddit: error: 403 Forbidden from {server.url('/search')}; check the source's "
        "credentials (`earmark sources` shows which are set)\n"
    )
    assert len(server.requests_to("/search")) == 1
    written = everything_written(tmp_path, result, caplog)
    for secret in (REDDIT_SECRET, REDDIT_ID, ACCESS_TOKEN):
        assert secret not in written


def test_bluesky_refused_app_password_leaks_nothing(tmp_path, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add(
        "/xrpc/com.atproto.server.createSession",
        status=401,
        json_body={"error": "AuthenticationRequired", "message": f"bad {BLUESKY_PASSWORD}"},
    )
    env = {"BLUESKY_HANDLE": "care.example.com", "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}
    result = run_listen(tmp_path, server, "bluesky", json.dumps({"base_url": server.url()}), env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"bluesky: error: 401 Unauthorized from "
        f"{server.url('/xrpc/com.atproto.server.createSession')}: the handle and app password in "
        f"BLUESKY_HANDLE/BLUESKY_APP_PASSWORD were refused; AuthenticationRequired bad "
        f"{REDACTED}; check them\n"
    )
    assert BLUESKY_PASSWORD not in everything_written(tmp_path, result, caplog)


def test_bluesky_successful_run_stores_no_password_or_session_token(tmp_path, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add("/xrpc/com.atproto.server.createSession", json_body=session_body())
    view = post_view("3new", "2024-05-02T10:00:00.000Z", "acme support is down again")
    server.add("/xrpc/app.bsky.feed.searchPosts", json_body=search_body([view]))
    server.add("/xrpc/app.bsky.actor.getProfiles", json_body={"profiles": []})
    env = {"BLUESKY_HANDLE": "care.example.com", "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}
    result = run_listen(tmp_path, server, "bluesky", json.dumps({"base_url": server.url()}), env)
    assert (result.exit_code, result.stderr) == (0, "bluesky: 1 new post (acme 1)\n")
    written = everything_written(tmp_path, result, caplog)
    session = session_body()
    for secret in (BLUESKY_PASSWORD, session["accessJwt"], session["refreshJwt"]):
        assert secret not in written


def test_x_refused_token_leaks_nothing(tmp_path, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add("/2/tweets/search/recent", status=401, json_body={"title": "Unauthorized"})
    result = run_listen(
        tmp_path, server, "x", json.dumps({"base_url": server.url()}), {"X_BEARER_TOKEN": X_TOKEN}
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"x: error: 401 Unauthorized from {server.url('/2/tweets/search/recent')}; check the "
        "source's credentials (`earmark sources` shows which are set)\n"
    )
    assert len(server.requests) == 1
    assert X_TOKEN not in everything_written(tmp_path, result, caplog)


def test_missing_credentials_are_one_line_naming_the_variables(tmp_path, server):
    result = run_listen(
        tmp_path, server, "x", json.dumps({"base_url": server.url()}), {"X_BEARER_TOKEN": None}
    )
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "x: error: set X_BEARER_TOKEN (an app's bearer token from "
        "https://developer.x.com/en/portal/dashboard)\n"
    )
    assert server.requests == []


# earmark/cli/output.py still calls click.get_text_stream (deprecated in click 8.5): not ours.
@pytest.mark.filterwarnings("ignore:'get_text_stream' is deprecated:DeprecationWarning")
def test_sources_command_shows_whether_set_never_the_value(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text("sources: {x: {}, reddit: {}}\n", encoding="utf-8")
    env = {"X_BEARER_TOKEN": X_TOKEN, **REDDIT_ENV, "REDDIT_REFRESH_TOKEN": None}
    args = ["-v", "--db", str(tmp_path / "x.db"), "-c", str(config), "sources", "-f", "json"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0
    rows = {row["source"]: row for row in json.loads(result.stdout)}
    assert rows["x"]["credentials"] == "X_BEARER_TOKEN=set"
    assert rows["reddit"]["credentials"] == (
        "REDDIT_CLIENT_ID=set, REDDIT_CLIENT_SECRET=set, REDDIT_REFRESH_TOKEN=unset"
    )
    assert "paid" in rows["x"]["note"]
    for secret in (X_TOKEN, REDDIT_SECRET, REDDIT_ID):
        assert secret not in result.stdout + result.stderr


SECRETS = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=6, max_size=40)


@given(before=st.text(max_size=50), secret=SECRETS, after=st.text(max_size=50))
def test_redact_never_leaves_the_secret_in_the_text(before, secret, after):
    text = redact(f"{before}{secret}{after}{secret}", [secret])
    assert secret not in text


@given(text=st.text(max_size=80), secret=SECRETS)
def test_redact_changes_nothing_without_the_secret(text, secret):
    if secret not in text and not any(known in text for known in secrets_module._known):
        assert redact(text, [secret]) == text
