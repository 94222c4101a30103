"""Alerts delivered through real local servers (Slack-like HTTP, SMTP) and the CLI contract."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml
from alertseries import (
    HOUR,
    NOW,
    STEADY,
    add_history,
    add_hour,
    add_series,
    make_config,
)
from click.testing import CliRunner
from smtpserver import LocalSMTP

from earmark.cli import cli
from earmark.models import to_iso
from earmark.store import Store
from export.alerts.stage import run_alerts

HOOK = "/services/T000/B000/XXXX"
HOSTILE = "acme login down <!channel> <http://evil.example|click> & more"


@pytest.fixture
def smtp():
    with LocalSMTP() as server:
        yield server


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "a.db") as opened:
        yield opened


def spike(store, text=HOSTILE, n=30):
    add_history(store, "acme", NOW - 14 * HOUR)
    add_series(store, "acme", NOW - HOUR, STEADY)
    add_hour(store, "acme", NOW, n, text=text)


ALERTS = {"windows": [{"recent": "1h", "baseline": "12h"}]}


def test_slack_gets_one_message_per_incident_with_post_text_defused(store, server):
    server.add(HOOK, "ok")
    spike(store)
    config = make_config({**ALERTS, "notify": ["slack"]}, notify={"slack": {"webhook_env": "HOOK"}})
    env = {"HOOK": server.url(HOOK)}
    alerts = run_alerts(store, config, now=NOW, env=env)
    assert [a.delivered for a in alerts] == [["slack"]]
    assert alerts.errors == []
    (request,) = server.requests
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json;charset=utf-8"  # slack-sdk's
    payload = json.loads(request.body)
    assert payload["text"] == "Spike: acme: 30 posts in the last 1h (z = 9.9)"
    body = payload["blocks"][1]["text"]["text"]
    assert body.startswith(
        "Last 1h: 30 posts. Baseline: the 12h before, 12 buckets of 1h, mean 5.9 ± 0.8"
    )
    example = payload["blocks"][2]["elements"][0]["text"]
    assert "<!channel>" not in example and "&lt;!channel&gt;" in example
    assert "&lt;http://evil.example|click&gt; &amp; more" in example
    assert " <https://x.example/status/" in example and example.endswith("|open>")
    # The next cron run: same incident, nothing sent.
    assert run_alerts(store, config, now=NOW, env=env) == []
    assert len(server.requests) == 1


def test_failed_delivery_is_kept_and_retried_next_run(store, server):
    for _ in range(4):  # one try and three retries, with backoff
        server.add(HOOK, "server error", status=500)
    server.add(HOOK, "ok")
    spike(store)
    config = make_config(ALERTS, notify={"slack": {"webhook_env": "HOOK"}})
    env = {"HOOK": server.url(HOOK)}
    waits = []
    first = run_alerts(store, config, now=NOW, env=env, sleep=waits.append)
    assert first.errors == [
        "slack: Slack answered HTTP 500 server error after 4 tries; "
        "the alert is kept and retried next run"
    ]
    assert waits == [2.0, 4.0, 8.0]
    assert first[0].delivered == []
    later = NOW + timedelta(minutes=5)
    second = run_alerts(store, config, now=later, env=env, sleep=waits.append)
    assert (list(second), second.errors) == ([], [])
    assert len(server.requests) == 5
    assert server.requests[0].body == server.requests[4].body
    run_alerts(store, config, now=later, env=env)
    assert len(server.requests) == 5
    assert store.alerts.alert_states()["spike:acme:all:1h/12h"]["detail"]["pending"] == []


def test_missing_webhook_variable_is_reported_without_losing_the_alert(store):
    spike(store)
    config = make_config(ALERTS, notify={"slack": {"webhook_env": "HOOK"}})
    alerts = run_alerts(store, config, now=NOW, env={})
    assert alerts.errors == ["slack: $HOOK is not set; export the incoming-webhook URL there"]
    pending = store.alerts.alert_states()["spike:acme:all:1h/12h"]["detail"]["pending"]
    assert [p["channels"] for p in pending] == [["slack"]]


def test_email_and_webhook_get_the_alert(store, server, smtp):
    server.add("/hook", "accepted", status=202)
    spike(store, text="acme checkout error 503 again")
    config = make_config(
        ALERTS,
        notify={
            "email": {
                "smtp_host": smtp.host,
                "smtp_port": smtp.port,
                "from": "care@acme.example",
                "to": ["oncall@acme.example"],
            },
            "webhook": {"url_env": "WEBHOOK"},
        },
    )
    alerts = run_alerts(store, config, now=NOW, env={"WEBHOOK": server.url("/hook")})
    assert alerts.errors == []
    assert alerts[0].delivered == ["email", "webhook"]
    (received,) = smtp.messages
    assert (received.mail_from, received.rcpt_tos) == ("care@acme.example", ["oncall@acme.example"])
    message = received.parsed
    assert message["Subject"] == "earmark: Spike: acme: 30 posts in the last 1h (z = 9.9)"
    text = message.get_content()
    assert "Baseline: the 12h before, 12 buckets of 1h, mean 5.9 ± 0.8 per 1h. z = 9.9" in text
    assert "Top terms: 503, checkout, error" in text
    assert "- acme checkout error 503 again <https://x.example/status/" in text
    hook = json.loads(server.requests[0].body)
    assert hook["type"] == "earmark.alert"
    assert hook["alert"]["z"] == 9.9
    assert hook["alert"]["terms"] == ["503", "checkout", "error"]


def write_config(tmp_path, alerts, **extra) -> str:
    data = {"topics": [{"name": "acme", "terms": ["acme"]}], "alerts": alerts, **extra}
    path = tmp_path / "earmark.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    """The CLI's database with a spike in it (the CLI opens a Store with AlertsMixin)."""
    path = tmp_path / "e.db"
    with Store(path) as opened:
        spike(opened)
    return str(path)


def invoke(config, db, *args, env=None):
    return CliRunner().invoke(
        cli,
        ["-c", config, "--db", db, "alerts", *args],
        env={"EARMARK_NOW": to_iso(NOW), **(env or {})},
    )


def test_cli_exit_4_when_an_alert_fired_then_0_and_silent(tmp_path, cli_store, server):
    server.add(HOOK, "ok")
    config = write_config(tmp_path, ALERTS, notify={"slack": {"webhook_env": "HOOK"}})
    env = {"HOOK": server.url(HOOK)}
    result = invoke(config, cli_store, "-f", "json", env=env)
    assert result.exit_code == 4, result.stderr
    assert result.stderr == ""
    (record,) = json.loads(result.stdout)
    assert (record["key"], record["status"], record["observed"]) == (
        "spike:acme:all:1h/12h",
        "firing",
        30,
    )
    assert record["delivered"] == ["slack"]
    again = invoke(config, cli_store, "-f", "json", env=env)
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    assert len(server.requests) == 1


def test_cli_dry_run_sends_nothing_and_remembers_nothing(tmp_path, cli_store, server):
    config = write_config(tmp_path, ALERTS, notify={"slack": {"webhook_env": "HOOK"}})
    for _ in range(2):
        result = invoke(config, cli_store, "--dry-run", "-f", "jsonl")
        assert result.exit_code == 4
        assert [json.loads(line)["delivered"] for line in result.stdout.splitlines()] == [[]]
    assert server.requests == []


def test_cli_exit_3_when_delivery_fails(tmp_path, cli_store):
    config = write_config(tmp_path, ALERTS, notify={"slack": {"webhook_env": "HOOK"}})
    result = invoke(config, cli_store, "-f", "table")
    assert result.exit_code == 3
    assert "acme [1h]" in result.stdout and "firing" in result.stdout
    assert result.stderr == (
        "Error: slack: $HOOK is not set; export the incoming-webhook URL there\n"
    )


def test_cli_rejects_an_unknown_alerts_key(tmp_path, cli_store):
    config = write_config(tmp_path, {"min_cnt": 3})
    result = invoke(config, cli_store)
    assert result.exit_code == 1
    # The config loader checks the alerts: section with the rest, so the file is named too.
    assert result.stderr == (
        f"Error: {config}: alerts.min_cnt: unknown key (did you mean 'min_count'?)\n"
    )


def test_a_channel_removed_from_the_config_is_no_longer_retried(store, server):
    spike(store)
    config = make_config(ALERTS, notify={"slack": {"webhook_env": "HOOK"}})
    assert len(run_alerts(store, config, now=NOW, env={}).errors) == 1
    server.add("/hook", "ok")
    config = make_config(ALERTS, notify={"webhook": {"url_env": "WEBHOOK"}})
    later = run_alerts(store, config, now=NOW, env={"WEBHOOK": server.url("/hook")})
    assert (list(later), later.errors, server.requests) == ([], [], [])
    assert store.alerts.alert_states()["spike:acme:all:1h/12h"]["detail"]["pending"] == []


def test_cli_explain_prints_the_numbers_and_exits_0(tmp_path, cli_store):
    config = write_config(tmp_path, ALERTS)
    result = invoke(config, cli_store, "--explain", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row == {
        "key": "spike:acme:all:1h/12h",
        "observed": 30,
        "baseline_mean": 5.92,
        "baseline_std": 0.76,
        "z": 9.9,
        "limit": None,
        "buckets_with_data": "12/12",
        "warm": True,
        "state": "firing",
        "action": "fire",
    }


def test_smtp_refusal_is_reported_and_the_email_retried(store, smtp):
    smtp.fail_next(550, "5.7.1 relaying denied")
    spike(store)
    email = {"smtp_host": smtp.host, "smtp_port": smtp.port, "to": ["oncall@acme.example"]}
    config = make_config(ALERTS, notify={"email": email})
    first = run_alerts(store, config, now=NOW, env={}, sleep=lambda s: None)
    assert first.errors == [
        f"email: SMTP {smtp.host}:{smtp.port} answered 550 5.7.1 relaying denied; "
        "the alert is kept and retried next run"
    ]
    assert smtp.messages == []
    second = run_alerts(store, config, now=NOW, env={}, sleep=lambda s: None)
    assert second.errors == []
    assert [m.parsed["Subject"] for m in smtp.messages] == [
        "earmark: Spike: acme: 30 posts in the last 1h (z = 9.9)"
    ]
