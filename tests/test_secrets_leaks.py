"""A hostile tester's run: every server echoes the request, and no secret gets out in any form.

The credentials travel as a Basic auth header (reddit: base64 of `id:secret`), a query value
(stackexchange's key, percent-encoded), a Bearer header (mastodon), a webhook URL whose path
is the secret (Slack) and one with `?token=` (JSON webhook). The echo server (echoserver_secrets)
repeats them raw, percent-encoded, base64-encoded and JSON-escaped. Then everything earmark
wrote is searched for every form of every secret: stdout and stderr of `run -vv`, `runs`,
`sources`, `config`, `notify` and `listen`, and the bytes of the SQLite files.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner
from dbconn import db_connect
from echoserver_secrets import EchoServer, EchoSMTP
from exportdata import NOW, add_calm

from earmark.cli import cli
from earmark.redaction import REDACTED, forget_secrets
from earmark.store import Store

REDDIT_ID = "rdt-id-Q7w8E9r0"
REDDIT_SECRET = "rdt-SEKRIT-9f8e7d6c5b"
SE_KEY = "se/key+SEKRIT=42"  # characters that change when percent-encoded
MASTODON_TOKEN = "mstdn-SEKRIT-token-31415"
SLACK_PATH = "/services/T0SEKRIT1/B0SEKRIT2/SEKRITslackTOKENxyz789"
SLACK_TOKEN = "SEKRITslackTOKENxyz789"
WEBHOOK_TOKEN = "SEKRITwebhookTOKEN456"
SMTP_PASSWORD = "smtp-SEKRIT-pa55w0rd"


def b64_forms(data: str) -> list[str]:
    raw = data.encode("utf-8")
    out = []
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        out += [text, text.rstrip("=")]
    return out


def forms_of(secret: str) -> set[str]:
    """The forms a hostile tester greps for (computed here, not by earmark.redaction)."""
    escaped = json.dumps(secret)[1:-1]
    forms = {secret, quote(secret, safe=""), quote_plus(secret), escaped}
    forms.add(escaped.replace("/", "\\/"))
    forms.update(b64_forms(secret))
    return forms


def all_forms(echo: EchoServer) -> dict[str, set[str]]:
    slack_url = echo.url(SLACK_PATH)
    webhook_url = echo.url(f"/hook?token={WEBHOOK_TOKEN}&v=1")
    pair = f"{REDDIT_ID}:{REDDIT_SECRET}"
    return {
        "reddit secret": forms_of(REDDIT_SECRET),
        "reddit id:secret": forms_of(pair) | set(b64_forms(pair)),
        "stackexchange key": forms_of(SE_KEY),
        "mastodon token": forms_of(MASTODON_TOKEN),
        "slack url": forms_of(slack_url) | forms_of(SLACK_PATH) | forms_of(SLACK_TOKEN),
        "webhook url": forms_of(webhook_url) | forms_of(WEBHOOK_TOKEN),
        "smtp password": forms_of(SMTP_PASSWORD) | set(b64_forms(f"\0bot\0{SMTP_PASSWORD}")),
    }


def environment(echo: EchoServer) -> dict[str, str]:
    return {
        "EARMARK_NOW": NOW,
        "REDDIT_CLIENT_ID": REDDIT_ID,
        "REDDIT_CLIENT_SECRET": REDDIT_SECRET,
        "REDDIT_REFRESH_TOKEN": None,
        "STACKEXCHANGE_KEY": SE_KEY,
        "MASTODON_TOKEN": MASTODON_TOKEN,
        "TEST_SLACK_HOOK": echo.url(SLACK_PATH),
        "TEST_WEBHOOK_URL": echo.url(f"/hook?token={WEBHOOK_TOKEN}&v=1"),
        "TEST_SMTP_PASSWORD": SMTP_PASSWORD,
    }


def write_config(tmp_path, echo: EchoServer, smtp: EchoSMTP):
    base = echo.url()
    config = {
        "topics": [{"name": "acme", "terms": ["acme", "#acme"]}],
        "sources": {
            "reddit": {
                "base_url": base,
                "auth_url": echo.url("/api/v1/access_token"),
                "rss_base_url": base,
            },
            "stackexchange": {"base_url": base},
            "mastodon": {"base_url": base},
        },
        "notify": {
            "slack": {"webhook_env": "TEST_SLACK_HOOK"},
            "webhook": {"url_env": "TEST_WEBHOOK_URL"},
            "email": {
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "user": "bot",
                "password_env": "TEST_SMTP_PASSWORD",
                "to": ["team@acme.example"],
            },
        },
    }
    path = tmp_path / "earmark.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def invoke(args, env):
    forget_secrets()  # as in a fresh process
    return CliRunner().invoke(cli, args, env=env)


def test_nothing_a_hostile_echo_server_sends_back_leaks_anywhere(tmp_path):
    db = tmp_path / "x.db"
    with Store(db) as store:
        add_calm(store)  # open opportunities, so that notify has something to send
    with EchoServer(status={"/api/v1/access_token": 401}) as echo, EchoSMTP() as smtp:
        env = environment(echo)
        config = write_config(tmp_path, echo, smtp)
        smtp_port = smtp.port
        common = ["-c", str(config), "--db", str(db)]
        results = {
            "run": invoke(["-v", "-v", *common, "run"], env),
            "runs": invoke([*common, "runs", "-f", "json"], env),
            "sources": invoke([*common, "sources", "-f", "json"], env),
            "config": invoke([*common, "config"], env),
            "config json": invoke([*common, "config", "-f", "json"], env),
            "notify slack": invoke([*common, "notify", "slack", "-v"], env),
            "notify webhook": invoke([*common, "notify", "webhook", "-v"], env),
            "notify email": invoke([*common, "notify", "email", "-v"], env),
            "listen": invoke([*common, "listen", "-v", "-v"], env),
        }
        forms = all_forms(echo)
        echoed = echo.everything_sent() + "\n".join(smtp.sent)

    # The test can fail: every secret really came back from the server in some form.
    for name, variants in forms.items():
        assert any(form in echoed for form in variants), f"the server never echoed {name}"
    # And the echoes reached earmark's messages (scrubbed), not just the void.
    assert results["run"].exit_code == 1  # every source and notifier failed
    assert REDACTED in results["run"].stderr
    runs = json.loads(results["runs"].stdout)
    assert set(runs[0]["errors"]) == {
        "reddit",
        "stackexchange",
        "mastodon",
        "notify slack",
        "notify webhook",
        "notify email",
    }
    assert REDACTED in runs[0]["errors"]["notify slack"]
    assert REDACTED in runs[0]["errors"]["stackexchange"]
    sources = {row["source"]: row for row in json.loads(results["sources"].stdout)}
    assert REDACTED in sources["mastodon"]["last_error"]
    assert results["notify slack"].exit_code == 1
    assert results["notify email"].stderr.startswith(
        f"Error: email: SMTP 127.0.0.1:{smtp_port} answered 550 5.7.1 refused after AUTH PLAIN "
        f"{REDACTED} = bot {REDACTED}"
    )
    assert results["notify slack"].stderr.startswith(
        'Error: slack: Slack answered HTTP 400 {"message": "POST [redacted] auth= body='
    )

    written = {f"{name} {stream}": "" for name in results for stream in ("stdout", "stderr")}
    for name, result in results.items():
        written[f"{name} stdout"] = result.stdout
        written[f"{name} stderr"] = result.stderr
    for file in sorted(tmp_path.glob("x.db*")):
        written[file.name] = file.read_bytes().decode("latin-1")
    leaks = [
        f"{secret} as {form!r} in {where}"
        for where, text in written.items()
        for secret, variants in forms.items()
        for form in variants
        if form in text
    ]
    assert leaks == []


def test_a_secret_pasted_into_a_notify_env_key_is_rejected_without_echoing_it(tmp_path):
    pasted = "https://hooks.slack.com/services/T000/B000/SEKRITpastedTOKEN"
    config = tmp_path / "earmark.yaml"
    config.write_text(f'notify:\n  slack: {{webhook_env: "{pasted}"}}\n', encoding="utf-8")
    result = invoke(["-c", str(config), "--db", str(tmp_path / "x.db"), "config"], {})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {config}: notify.slack.webhook_env: must be the NAME of an environment "
        "variable (letters, digits and _), not the secret itself\n"
    )


@pytest.mark.parametrize(
    "section",
    [
        "notify: {webhook: {url_env: 'https://example.com/hook?token=SEKRITx1'}}",
        "notify: {email: {user: bot, password_env: 'pa55 w0rd SEKRIT'}}",
        "sources: {mastodon: {token_env: 'SEKRIT-token/x'}}",
    ],
)
def test_every_env_key_must_name_a_variable(tmp_path, section):
    config = tmp_path / "earmark.yaml"
    config.write_text(section + "\n", encoding="utf-8")
    result = invoke(["-c", str(config), "--db", str(tmp_path / "x.db"), "config"], {})
    assert (result.exit_code, result.stdout) == (1, "")
    assert "must be the NAME of an environment variable" in result.stderr
    assert "SEKRIT" not in result.stderr


def test_config_shows_whether_a_secret_is_set_never_its_value(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(
        "notify: {slack: {webhook_env: HOOK}, webhook: {url_env: UNSET_HOOK}}\n", encoding="utf-8"
    )
    hook = "https://hooks.slack.com/services/T0SEKRIT1/B0SEKRIT2/SEKRITslackTOKENxyz789"
    env = {"HOOK": hook, "UNSET_HOOK": None}
    result = invoke(
        ["-c", str(config), "--db", str(tmp_path / "x.db"), "config", "-f", "json"], env
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["notify"]["slack"]["webhook_env"] == "HOOK (set)"
    assert data["notify"]["webhook"]["url_env"] == "UNSET_HOOK (unset)"
    assert "SEKRIT" not in result.stdout + result.stderr


def test_a_webhook_error_echoing_its_query_token_is_scrubbed_at_the_boundary(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text("notify: {webhook: {url_env: HOOK}}\n", encoding="utf-8")
    db = tmp_path / "x.db"
    with Store(db) as store:
        add_calm(store)
    with EchoServer() as echo:
        # A 400 (not retried) whose reason phrase and body echo the request line: /h?token=...
        env = {"HOOK": echo.url(f"/h?token={WEBHOOK_TOKEN}"), "EARMARK_NOW": NOW}
        result = invoke(["-c", str(config), "--db", str(db), "notify", "webhook"], env)
        echoed = echo.everything_sent()
    assert f"POST /h?token={WEBHOOK_TOKEN} auth=" in echoed
    assert result.exit_code == 1
    # The echoed body starts with the message's delivery id (it depends on the items sent).
    assert result.stderr.startswith(
        'Error: webhook: the webhook answered HTTP 400 {"message": "POST [redacted] auth= '
        'body={\\"delivery_id\\": \\"'
    )
    assert result.stderr.endswith("; 4 left for the next run\n")
    assert result.stderr.count("\n") == 1
    assert WEBHOOK_TOKEN not in result.stderr


@pytest.mark.parametrize(
    "name",
    ["ghp_16C7e42F292c6912E7710c838347Ae178B4a", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"],
)
def test_a_token_that_fits_the_name_pattern_is_rejected_too(tmp_path, name):
    config = tmp_path / "earmark.yaml"
    config.write_text(f"sources: {{mastodon: {{token_env: {name}}}}}\n", encoding="utf-8")
    result = invoke(["-c", str(config), "--db", str(tmp_path / "x.db"), "config"], {})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {config}: sources.mastodon.token_env: must be the NAME of an environment "
        "variable (letters, digits and _), not the secret itself\n"
    )


def test_runs_and_sources_scrub_rows_written_before_scrubbing_existed(tmp_path):

    config = tmp_path / "earmark.yaml"
    config.write_text("sources: {mastodon: {}}\n", encoding="utf-8")
    db = tmp_path / "x.db"
    with Store(db):
        pass  # the schema
    old_error = f"HTTP 400 echo auth=Bearer {MASTODON_TOKEN}"
    with db_connect(db) as conn:  # as an older earmark wrote them
        conn.execute(
            "INSERT INTO runs (command, started_at, status, errors) VALUES (?, ?, ?, ?)",
            ("run", NOW, "failed", json.dumps({"mastodon": old_error})),
        )
        conn.execute(
            "INSERT INTO source_health (source, last_attempt_at, last_error, reported) "
            "VALUES (?, ?, ?, 0)",
            ("mastodon", NOW, old_error),
        )
    conn.close()
    env = {"MASTODON_TOKEN": MASTODON_TOKEN}
    common = ["-c", str(config), "--db", str(db)]
    runs = invoke([*common, "runs", "-f", "json"], env)
    sources = invoke([*common, "sources", "-f", "json"], env)
    assert json.loads(runs.stdout)[0]["errors"] == {
        "mastodon": f"HTTP 400 echo auth=Bearer {REDACTED}"
    }
    rows = {row["source"]: row for row in json.loads(sources.stdout)}
    assert rows["mastodon"]["last_error"] == f"HTTP 400 echo auth=Bearer {REDACTED}"
    assert MASTODON_TOKEN not in runs.stderr + sources.stderr


def test_other_libraries_warnings_reach_stderr_scrubbed(capsys):
    import logging

    from earmark.cli.app import App
    from earmark.redaction import register_secret

    App(verbose=0).configure_logging()
    register_secret(MASTODON_TOKEN)
    # With no handler of its own, a library's warning goes to logging's last-resort handler.
    record = logging.LogRecord(
        "somelib.connection", logging.WARNING, __file__, 1, "retrying %s", (MASTODON_TOKEN,), None
    )
    logging.lastResort.handle(record)
    assert capsys.readouterr().err == f"retrying {REDACTED}\n"


@pytest.mark.parametrize("verbose", [[], ["-v", "-v"]])
def test_a_bug_reaches_the_user_as_one_scrubbed_line(tmp_path, monkeypatch, verbose):
    import export.notify

    def broken(*args, **kwargs):  # a fault injected where a bug would be
        raise ValueError(f"cannot parse https://h.example/x?token={WEBHOOK_TOKEN}\nsecond line")

    monkeypatch.setattr(export.notify, "notify_new", broken)
    config = tmp_path / "earmark.yaml"
    config.write_text("notify: {webhook: {url_env: HOOK}}\n", encoding="utf-8")
    env = {"HOOK": f"https://h.example/x?token={WEBHOOK_TOKEN}"}
    Store(tmp_path / "x.db").close()  # notify needs an existing database
    args = [*verbose, "-c", str(config), "--db", str(tmp_path / "x.db"), "notify", "webhook"]
    result = invoke(args, env)
    assert (result.exit_code, result.stdout) == (1, "")
    last = result.stderr.splitlines()[-1]
    assert last == (
        f"Error: unexpected ValueError: cannot parse {REDACTED} second line; this is a bug in "
        "earmark, please report it with the command you ran"
    )
    if verbose:  # the traceback, for the bug report, scrubbed too
        assert "Traceback (most recent call last)" in result.stderr
        assert result.stderr.count(REDACTED) >= 2
    else:
        assert result.stderr == last + "\n"
    assert WEBHOOK_TOKEN not in result.stderr
