"""Email delivery over SMTP against a real aiosmtpd server on 127.0.0.1 started by the tests."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from exportdata import NOW, add_calm, add_hostile, add_many
from smtpserver import LocalSMTP

from earmark.cli import cli
from earmark.cli.configfile import parse_config
from earmark.models import parse_iso
from earmark.store import Store
from export.notify import NotifyError, notify_new

PASSWORD = "pa55-w0rd-secret"


@pytest.fixture
def smtp():
    with LocalSMTP(users={"bot": PASSWORD}) as server:
        yield server


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "x.db") as opened:
        add_calm(opened)
        add_hostile(opened)
        yield opened


def email_config(smtp, **extra):
    settings = {
        "smtp_host": smtp.host,
        "smtp_port": smtp.port,
        "user": "bot",
        "password_env": "TEST_SMTP_PASSWORD",
        "from": "care@acme.example",
        "to": ["team@acme.example", "lead@acme.example"],
        **extra,
    }
    return parse_config({"notify": {"email": settings}})


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def send(store, smtp, env=None, **options):
    sleeps = Sleeps()
    env = {"TEST_SMTP_PASSWORD": PASSWORD} if env is None else env
    report = notify_new(
        store,
        email_config(smtp).notify,
        "email",
        now=parse_iso(NOW),
        sleep=sleeps,
        env=env,
        **options,
    )
    return report, sleeps


def test_delivers_one_digest_to_every_recipient_once(store, smtp):
    report, sleeps = send(store, smtp)
    assert (report.delivered, report.messages, report.errors, sleeps) == (7, 1, [], [])
    (received,) = smtp.messages
    assert smtp.logins == ["bot"]
    assert received.mail_from == "care@acme.example"
    assert received.rcpt_tos == ["team@acme.example", "lead@acme.example"]
    message = received.parsed
    assert message["Subject"] == "earmark: 7 new support opportunities"
    assert message["Bcc"] is None
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Acme checkout is down again" in plain and "Acme checkout is down again" in html
    assert "<script" not in html.lower()
    assert store.exports.exported_ids("email") == {1, 2, 3, 4, 5, 6, 7}
    again, _ = send(store, smtp)
    assert again.delivered == 0 and len(smtp.messages) == 1


def test_post_text_cannot_add_headers(store, smtp):
    send(store, smtp)
    message = smtp.messages[0].parsed
    assert sorted(message.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        ]
    )
    assert smtp.messages[0].rcpt_tos == ["team@acme.example", "lead@acme.example"]
    raw = smtp.messages[0].data.decode()
    header_block = raw.split("\r\n\r\n", 1)[0]
    assert "victim" not in header_block


def test_a_temporary_refusal_is_retried_and_delivered_once(store, smtp):
    smtp.fail_next(451, "4.3.0 Try again later")
    report, sleeps = send(store, smtp)
    assert sleeps == [2.0]
    assert (report.delivered, report.errors) == (7, [])
    assert len(smtp.messages) == 1 and smtp.refused == 1


def test_a_permanent_refusal_waits_for_the_next_run_then_exactly_once(store, smtp):
    smtp.fail_next(554, "5.6.0 Message rejected")
    first, sleeps = send(store, smtp)
    assert sleeps == []
    assert first.errors == [
        f"email: SMTP 127.0.0.1:{smtp.port} answered 554 5.6.0 Message rejected; "
        "7 left for the next run"
    ]
    assert store.exports.exported_ids("email") == set() and smtp.messages == []
    second, _ = send(store, smtp)
    assert second.delivered == 7
    third, _ = send(store, smtp)
    assert third.delivered == 0
    assert len(smtp.messages) == 1


def test_a_wrong_password_is_not_retried_and_never_shown(store, smtp):
    report, sleeps = send(store, smtp, env={"TEST_SMTP_PASSWORD": "wrong-secret"})
    assert sleeps == []
    assert report.errors == [
        f"email: SMTP 127.0.0.1:{smtp.port} refused the login as bot (535); "
        "check $TEST_SMTP_PASSWORD; 7 left for the next run"
    ]
    assert "wrong-secret" not in report.errors[0]


def test_missing_password_is_a_clear_error(store, smtp):
    with pytest.raises(NotifyError) as error:
        send(store, smtp, env={})
    assert str(error.value) == (
        "email: $TEST_SMTP_PASSWORD is not set; export the SMTP password there"
    )


def test_large_batches_become_several_emails(tmp_path, smtp):
    with Store(tmp_path / "many.db") as store:
        add_many(store, 130)
        report, _ = send(store, smtp)
    assert (report.delivered, report.messages) == (130, 2)
    subjects = [m.parsed["Subject"] for m in smtp.messages]
    assert subjects == [
        "earmark: 100 new support opportunities",
        "earmark: 30 new support opportunities",
    ]


def test_dry_run_prints_the_message_and_sends_nothing(store, smtp):
    out = io.StringIO()
    report, _ = send(store, smtp, dry_run=True, out=out)
    assert (
        report.pending == 7 and smtp.messages == [] and store.exports.exported_ids("email") == set()
    )
    assert out.getvalue().startswith(
        "From: care@acme.example\nTo: team@acme.example, lead@acme.example\n"
    )
    assert PASSWORD not in out.getvalue()


def test_unreachable_server_is_retried(store):
    config = parse_config(
        {"notify": {"email": {"smtp_host": "127.0.0.1", "smtp_port": 9, "to": ["a@b.example"]}}}
    )
    sleeps = Sleeps()
    report = notify_new(store, config.notify, "email", now=parse_iso(NOW), sleep=sleeps, env={})
    assert sleeps == [2.0, 4.0, 8.0]
    assert report.errors[0].startswith("email: cannot deliver through SMTP 127.0.0.1:9 (")


def test_cli_sends_and_keeps_the_password_out_of_every_output(tmp_path, store, smtp):
    (tmp_path / "c.yaml").write_text(
        "notify:\n  email:\n"
        f"    smtp_host: 127.0.0.1\n    smtp_port: {smtp.port}\n    user: bot\n"
        "    password_env: TEST_SMTP_PASSWORD\n    from: care@acme.example\n"
        "    to: [team@acme.example]\n"
    )
    args = ["-v", "-c", str(tmp_path / "c.yaml"), "--db", store.path, "notify", "email"]
    env = {"EARMARK_NOW": NOW, "TEST_SMTP_PASSWORD": PASSWORD}
    result = CliRunner().invoke(cli, args, env=env)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "notify email: delivered 7 opportunities in 1 message\n"
    assert len(smtp.messages) == 1
    bad = CliRunner().invoke(cli, args, env={**env, "TEST_SMTP_PASSWORD": "x" + PASSWORD})
    assert (bad.exit_code, bad.stdout, bad.stderr) == (0, "", "")  # nothing new: silent


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_implicit_tls_with_login(tmp_path, store, monkeypatch, security):
    from smtpserver import make_certificate

    certificate = make_certificate(tmp_path)
    if certificate is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    # The client verifies the server against the default trust store: make it our certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with LocalSMTP(users={"bot": PASSWORD}, tls=security, certificate=certificate) as server:
        report, _ = send_with(store, server, security=security)
        assert (report.delivered, report.errors) == (7, [])
        assert server.logins == ["bot"] and len(server.messages) == 1


def test_tls_refuses_an_untrusted_server(tmp_path, store):
    from smtpserver import make_certificate

    certificate = make_certificate(tmp_path)
    if certificate is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    with LocalSMTP(tls="starttls", certificate=certificate) as server:
        report, sleeps = send_with(store, server, security="starttls")
    assert report.delivered == 0 and server.messages == [] and sleeps == []  # not retried
    assert report.errors == [
        f"email: SMTP 127.0.0.1:{server.port}: the server's certificate is not trusted "
        "(self-signed certificate); 7 left for the next run"
    ]


def send_with(store, server, **settings):
    config = parse_config(
        {
            "notify": {
                "email": {
                    "smtp_host": server.host,
                    "smtp_port": server.port,
                    "user": "bot",
                    "password_env": "TEST_SMTP_PASSWORD",
                    "to": ["team@acme.example"],
                    **settings,
                }
            }
        }
    )
    sleeps = Sleeps()
    env = {"TEST_SMTP_PASSWORD": PASSWORD}
    report = notify_new(store, config.notify, "email", now=parse_iso(NOW), sleep=sleeps, env=env)
    return report, sleeps
