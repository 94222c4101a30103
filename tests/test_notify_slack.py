"""Slack delivery through slack-sdk's WebhookClient against a real HTTP server on 127.0.0.1.

The server plays Slack's incoming-webhook answers as documented at
https://api.slack.com/messaging/webhooks#handling_errors (200 "ok", 400 "invalid_payload",
429 with Retry-After, 500 "rollup_error"); no recording exists, the shapes follow that page.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner
from exportdata import NOW, add_calm, add_hostile, add_many

from earmark.cli import cli
from earmark.cli.configfile import parse_config
from earmark.models import parse_iso
from earmark.store import Store
from export.notify import NotifyError, notify_new

HOOK = "/services/T0001/B0001/s3cr3tT0k3n"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "x.db") as opened:
        add_calm(opened)
        add_hostile(opened)
        yield opened


def config(**slack):
    return parse_config({"notify": {"slack": {"webhook_env": "TEST_SLACK_HOOK", **slack}}})


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def send(store, server, **options):
    sleeps = Sleeps()
    if "env" not in options:
        options["env"] = {"TEST_SLACK_HOOK": server.url(HOOK)}
    report = notify_new(
        store, config().notify, "slack", now=parse_iso(NOW), sleep=sleeps, **options
    )
    return report, sleeps


def posted(server) -> list[dict]:
    return [json.loads(r.body) for r in server.requests_to(HOOK)]


def item_ids(payload: dict) -> list[int]:
    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    return [int(n) for t in texts for n in re.findall(r"#(\d+)\n", t + "\n")]


def test_delivers_every_new_item_once(store, server):
    server.add(HOOK, "ok")
    report, sleeps = send(store, server)
    assert (report.delivered, report.messages, report.errors) == (7, 1, [])
    (payload,) = posted(server)
    assert payload["text"] == "earmark: 7 new support opportunities"
    assert sorted(item_ids(payload)) == [1, 2, 3, 4, 5, 6, 7]
    assert "<!channel>" not in json.dumps(payload) and "<@U123>" not in json.dumps(payload)
    request = server.requests_to(HOOK)[0]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json;charset=utf-8"
    assert store.exports.exported_ids("slack") == {1, 2, 3, 4, 5, 6, 7}
    again, _ = send(store, server)
    assert (again.delivered, again.messages, again.errors) == (0, 0, [])
    assert len(server.requests) == 1 and sleeps == []


def test_429_waits_for_retry_after_then_delivers_once(store, server):
    server.add(HOOK, "rate_limited", status=429, headers={"Retry-After": "7"})
    server.add(HOOK, "ok")
    report, sleeps = send(store, server)
    assert sleeps == [7.0]
    assert (report.delivered, report.errors) == (7, [])
    assert len(server.requests) == 2
    assert store.exports.exported_ids("slack") == {1, 2, 3, 4, 5, 6, 7}


def test_a_retry_after_too_long_is_left_for_the_next_run(store, server):
    server.add(HOOK, "rate_limited", status=429, headers={"Retry-After": "3600"})
    report, sleeps = send(store, server)
    assert sleeps == []
    assert report.errors == [
        "slack: Slack answered HTTP 429 rate_limited, asked to wait 3600s; 7 left for the next run"
    ]
    assert store.exports.exported_ids("slack") == set()


def test_500_is_retried_with_backoff_and_exactly_once_holds_across_runs(store, server):
    server.add(HOOK, "rollup_error", status=500)
    first, sleeps = send(store, server)
    assert sleeps == [2.0, 4.0, 8.0]
    assert first.delivered == 0 and first.pending == 7
    assert first.errors == [
        "slack: Slack answered HTTP 500 rollup_error after 4 tries; 7 left for the next run"
    ]
    assert store.exports.exported_ids("slack") == set()
    server.add(HOOK, "ok")  # the server recovers: 500 once more, then ok
    second, sleeps = send(store, server)
    assert sleeps == [2.0]
    assert (second.delivered, second.errors) == (7, [])
    third, _ = send(store, server)
    assert third.delivered == 0
    accepted = [
        p for r, p in zip(server.requests, posted(server), strict=True) if r is server.requests[-1]
    ]
    assert sorted(item_ids(accepted[0])) == [1, 2, 3, 4, 5, 6, 7]
    assert len(server.requests) == 6  # 4 failed tries, 1 failed, 1 accepted; nothing on run 3


def test_large_batches_split_into_messages_and_each_is_recorded_when_accepted(tmp_path, server):
    with Store(tmp_path / "many.db") as store:
        ids = add_many(store, 120)
        server.add(HOOK, "ok")
        server.add(HOOK, "invalid_payload", status=400)
        first, sleeps = send(store, server)
        assert (first.delivered, first.messages, first.pending) == (47, 1, 73)
        assert first.errors == [
            "slack: Slack answered HTTP 400 invalid_payload; 73 left for the next run"
        ]
        assert sleeps == [1.0]  # the pause between messages; a 400 is not retried
        for payload in posted(server):
            assert len(payload["blocks"]) <= 50
        delivered_first = set(item_ids(posted(server)[0]))
        assert store.exports.exported_ids("slack") == delivered_first
        server.add(HOOK, "ok")  # the 400 answers once more, then ok
        second, _ = send(store, server)
        assert (second.delivered, second.pending) == (0, 73)
        third, _ = send(store, server)
        assert (third.delivered, third.messages, third.errors) == (73, 2, [])
        assert len(server.requests) == 5
        accepted = [posted(server)[0], *posted(server)[3:]]
        sent = [i for payload in accepted for i in item_ids(payload)]
        assert sorted(sent) == sorted(ids)  # every item exactly once
        assert accepted[1]["text"] == "earmark: 73 new support opportunities"
        assert accepted[2]["text"] == "earmark: 73 new support opportunities (part 2)"


def test_dry_run_prints_the_payload_and_sends_nothing(store, server):
    out = io.StringIO()
    report, _ = send(store, server, dry_run=True, out=out)
    assert report.delivered == 0 and report.pending == 7
    payload = json.loads(out.getvalue())
    assert sorted(item_ids(payload)) == [1, 2, 3, 4, 5, 6, 7]
    assert server.requests == [] and store.exports.exported_ids("slack") == set()
    assert HOOK not in out.getvalue()


def test_filters_from_settings_and_arguments(store, server):
    server.add(HOOK, "ok")
    report, _ = send(store, server, queue=["urgent"], min_priority=85)
    assert report.delivered == 1 and store.exports.exported_ids("slack") == {1}


def test_missing_or_bad_webhook_is_a_clear_error(store):
    with pytest.raises(NotifyError) as missing:
        notify_new(store, config().notify, "slack", now=parse_iso(NOW), env={})
    assert str(missing.value) == (
        "slack: $TEST_SLACK_HOOK is not set; export the incoming-webhook URL there"
    )
    with pytest.raises(NotifyError) as bad:
        notify_new(
            store, config().notify, "slack", now=parse_iso(NOW), env={"TEST_SLACK_HOOK": "x:secret"}
        )
    assert str(bad.value) == "slack: $TEST_SLACK_HOOK does not hold an http(s) URL; check its value"
    assert "secret" not in str(bad.value)
    with pytest.raises(NotifyError) as unconfigured:
        notify_new(store, parse_config({}).notify, "slack", now=parse_iso(NOW), env={})
    assert str(unconfigured.value) == (
        "notify.slack is not configured; add a notify.slack section to the config"
    )


def test_unreachable_slack_is_retried_and_never_shows_the_url(store):
    url = f"http://127.0.0.1:9{HOOK}"  # port 9 (discard): nothing listens
    report, sleeps = send(store, None, env={"TEST_SLACK_HOOK": url})
    assert sleeps == [2.0, 4.0, 8.0]
    (error,) = report.errors
    assert error.startswith("slack: cannot reach Slack (")
    assert error.endswith(") after 4 tries; 7 left for the next run")
    assert "s3cr3t" not in error and "127.0.0.1" not in error


def run_cli(tmp_path, db, server, *args, env=None):
    (tmp_path / "c.yaml").write_text("notify:\n  slack: {webhook_env: TEST_SLACK_HOOK}\n")
    environment = {"EARMARK_NOW": NOW, "TEST_SLACK_HOOK": server.url(HOOK), **(env or {})}
    return CliRunner().invoke(
        cli,
        ["-v", "-c", str(tmp_path / "c.yaml"), "--db", str(db), "notify", *args],
        env=environment,
    )


def test_cli_delivers_reports_on_stderr_and_is_silent_when_nothing_is_new(tmp_path, store, server):
    server.add(HOOK, "ok")
    db = store.path
    result = run_cli(tmp_path, db, server, "slack")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "notify slack: delivered 7 opportunities in 1 message\n"
    again = run_cli(tmp_path, db, server, "slack")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")


def test_cli_failure_exit_codes_and_no_secret_anywhere(tmp_path, store, server):
    server.add(HOOK, "no_service", status=404)
    result = run_cli(tmp_path, store.path, server, "slack")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: slack: Slack answered HTTP 404 no_service; 7 left for the next run\n"
    )
    assert "s3cr3t" not in result.stdout + result.stderr
    dry = run_cli(tmp_path, store.path, server, "slack", "--dry-run")
    assert dry.exit_code == 0 and "s3cr3t" not in dry.stdout + dry.stderr
    assert json.loads(dry.stdout)["text"] == "earmark: 7 new support opportunities"


def test_cli_partial_delivery_exits_3(tmp_path, server):
    with Store(tmp_path / "p.db") as store:
        add_many(store, 60)
    server.add(HOOK, "ok")
    server.add(HOOK, "invalid_payload", status=400)
    result = run_cli(tmp_path, tmp_path / "p.db", server, "slack")
    assert result.exit_code == 3
    assert result.stderr == (
        "error: slack: Slack answered HTTP 400 invalid_payload; 13 left for the next run\n"
        "notify slack: delivered 47 opportunities in 1 message; 13 left for the next run\n"
    )


def test_nothing_logged_carries_the_webhook_url(store, server, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    server.add(HOOK, "rollup_error", status=500)
    report, _ = send(store, server)
    assert report.errors
    assert "s3cr3t" not in caplog.text
    assert all("s3cr3t" not in str(record.args) for record in caplog.records)
