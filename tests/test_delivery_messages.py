"""What each delivered message carries so a receiver can trust it and drop duplicates, and
what counts as delivered: real HTTP (and SMTP) servers on 127.0.0.1."""

from __future__ import annotations

import hmac
import io
import json

import pytest
from deliveryhook import verify
from exportdata import NOW, add_calm, add_hostile, add_many
from hypothesis import given, settings
from hypothesis import strategies as st
from smtpserver import LocalSMTP

from earmark.cli.configfile import parse_config
from earmark.configload import ConfigError
from earmark.models import parse_iso
from earmark.store import Store
from export.notify import NotifyError, notify_new
from export.notify.delivery import delivery_id
from export.notify.webhook import sign

PATH = "/hooks/in"
SLACK = "/services/T1/B1/t0k3n"
SECRET = "whsec-test-signing-0123"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "x.db") as opened:
        add_calm(opened)
        add_hostile(opened)
        yield opened


def notify(store, channel, settings, env, **options):
    config = parse_config({"notify": {channel: settings}})
    return notify_new(
        store, config.notify, channel, now=parse_iso(NOW), sleep=lambda s: None, env=env, **options
    )


def webhook(store, server, **settings):
    env = {"TEST_HOOK": server.url(PATH), "TEST_SIGNING": SECRET}
    return notify(store, "webhook", {"url_env": "TEST_HOOK", **settings}, env)


def test_webhook_bodies_are_signed_and_carry_their_delivery_id(store, server):
    server.add(PATH, status=200)
    report = webhook(store, server, signing_secret_env="TEST_SIGNING", batch_size=4)
    assert (report.delivered, report.messages) == (7, 2)
    for request in server.requests:
        body = json.loads(request.body)
        assert request.headers["X-Earmark-Delivery"] == body["delivery_id"]
        assert len(body["delivery_id"]) == 32
        assert verify(
            SECRET, request.headers, request.body, now=int(request.headers["X-Earmark-Timestamp"])
        )
        assert not verify("another-secret", request.headers, request.body, now=0, tolerance=1e12)
        tampered = request.body.replace(b'"count"', b'"Count"')
        assert not verify(SECRET, request.headers, tampered, now=0, tolerance=1e12)
    first, second = (json.loads(r.body) for r in server.requests)
    assert first["delivery_id"] != second["delivery_id"]
    assert first["delivery_id"] == delivery_id("webhook", first["opportunities"])


def test_the_signature_is_hmac_sha256_of_version_timestamp_and_body():
    # Worked example for receivers (any HMAC-SHA256 implementation gives the same hex).
    assert sign("secret", 1700000000, b'{"a":1}') == (
        "v1=" + hmac.new(b"secret", b'v1:1700000000:{"a":1}', "sha256").hexdigest()
    )


def test_without_signing_secret_env_nothing_is_signed(store, server):
    server.add(PATH, status=204)
    webhook(store, server)
    (request,) = server.requests
    assert "X-Earmark-Signature" not in request.headers
    assert request.headers["X-Earmark-Delivery"] == json.loads(request.body)["delivery_id"]


def test_a_missing_signing_secret_is_one_line_and_nothing_is_sent(store, server):
    config = {"url_env": "TEST_HOOK", "signing_secret_env": "NOT_SET_HERE"}
    with pytest.raises(NotifyError) as error:
        notify(store, "webhook", config, {"TEST_HOOK": server.url(PATH)})
    assert str(error.value) == (
        "webhook: $NOT_SET_HERE (notify.webhook.signing_secret_env) is not set; export the "
        "signing secret there"
    )
    assert server.requests == []


def test_config_rejects_a_pasted_secret_and_a_bad_batch_size():
    with pytest.raises(ConfigError) as pasted:
        parse_config({"notify": {"webhook": {"signing_secret_env": "whsec/abc+def=="}}})
    assert "whsec" not in str(pasted.value)
    assert str(pasted.value).startswith("<config>: notify.webhook.signing_secret_env: must be")
    with pytest.raises(ConfigError) as batch:
        parse_config({"notify": {"webhook": {"batch_size": 0}}})
    assert str(batch.value) == "<config>: notify.webhook.batch_size: must be between 1 and 1000"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_webhook_post_is_not_delivered(store, server, status):
    server.add(PATH, status=status, headers={"Location": "/landing"})
    server.add("/landing", "<html>welcome</html>", status=200)
    report = webhook(store, server)
    assert (report.delivered, report.pending) == (0, 7)
    assert report.errors == [
        f"webhook: the webhook answered HTTP {status} (a redirect; a POST is not followed): "
        "set $TEST_HOOK to the address it redirects to; 7 left for the next run"
    ]
    assert [(r.method, r.path) for r in server.requests] == [("POST", PATH)]  # once, no GET
    assert store.exports.exported_ids("webhook") == set()


@pytest.mark.parametrize("status", [302, 308])
def test_a_redirected_slack_post_is_not_delivered(store, server, status):
    server.add(SLACK, status=status, headers={"Location": "/landing"})
    server.add("/landing", "ok", status=200)
    settings = {"webhook_env": "TEST_SLACK"}
    report = notify(store, "slack", settings, {"TEST_SLACK": server.url(SLACK)})
    assert report.delivered == 0
    assert report.errors == [
        f"slack: Slack answered HTTP {status} (a redirect; a POST is not followed): "
        "set $TEST_SLACK to the address it redirects to; 7 left for the next run"
    ]
    assert [(r.method, r.path) for r in server.requests] == [("POST", SLACK)]
    assert store.exports.exported_ids("slack") == set()


def test_slack_messages_carry_a_delivery_header(store, server):
    server.add(SLACK, "ok")
    report = notify(
        store, "slack", {"webhook_env": "TEST_SLACK"}, {"TEST_SLACK": server.url(SLACK)}
    )
    assert report.delivered == 7
    (request,) = server.requests
    assert len(request.headers["X-Earmark-Delivery"]) == 32


def test_a_webhook_dry_run_needs_no_url_and_shows_the_delivery_ids(store):
    out = io.StringIO()
    report = notify(store, "webhook", {"batch_size": 5}, {}, dry_run=True, out=out)
    bodies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert report.pending == 7 and [b["count"] for b in bodies] == [5, 2]
    assert all(b["delivery_id"] == delivery_id("webhook", b["opportunities"]) for b in bodies)
    assert store.exports.exported_ids("webhook") == set()


def test_an_email_digest_keeps_its_message_id_when_sent_again_later(tmp_path):
    with LocalSMTP() as smtp, Store(tmp_path / "x.db") as store:
        add_many(store, 3)
        settings = {"smtp_host": smtp.host, "smtp_port": smtp.port, "to": ["team@acme.example"]}
        config = parse_config({"notify": {"email": settings}})
        for now in ("2026-03-02T12:00:00Z", "2026-03-02T12:05:00Z"):
            store.conn.execute("DELETE FROM exports")  # as if the first was never recorded
            notify_new(store, config.notify, "email", now=parse_iso(now), env={})
        first, second = (m.parsed for m in smtp.messages)
    assert first["Date"] != second["Date"]
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith("<earmark.") and first["Message-ID"].endswith(
        "@localhost>"
    )


records = st.lists(
    st.builds(
        dict,
        id=st.integers(1, 10**6),
        post_id=st.text(min_size=1, max_size=12),
        created_at=st.sampled_from(["2026-03-02T12:00:00Z", "2026-03-02T12:00:01Z"]),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda r: r["id"],
)


@settings(max_examples=60, deadline=None)
@given(records, st.randoms(use_true_random=False))
def test_delivery_ids_follow_the_items_not_their_order(batch, rng):
    shuffled = list(batch)
    rng.shuffle(shuffled)
    assert delivery_id("webhook", shuffled) == delivery_id("webhook", batch)
    assert delivery_id("slack", batch) != delivery_id("webhook", batch)
    changed = [dict(batch[0], post_id=batch[0]["post_id"] + "x"), *batch[1:]]
    assert delivery_id("webhook", changed) != delivery_id("webhook", batch)
    assert delivery_id("webhook", batch[1:] or [dict(batch[0], id=0)]) != delivery_id(
        "webhook", batch
    )


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_lock_wait_is_one_line(tmp_path, value):
    from click.testing import CliRunner

    from earmark.cli import cli

    (tmp_path / "c.yaml").write_text("notify:\n  webhook: {url_env: TEST_HOOK}\n")
    with Store(tmp_path / "x.db") as store:
        add_many(store, 2)
    result = CliRunner().invoke(
        cli,
        ["-c", str(tmp_path / "c.yaml"), "--db", str(tmp_path / "x.db"), "notify", "webhook"],
        env={"EARMARK_LOCK_WAIT": value, "TEST_HOOK": "http://127.0.0.1:9/x"},
    )
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: $EARMARK_LOCK_WAIT: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
