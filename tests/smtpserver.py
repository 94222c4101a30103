"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), recording every message it accepts.

Usage (any test file; `tests/` is on sys.path under pytest):

    from smtpserver import LocalSMTP

    @pytest.fixture
    def smtp():
        with LocalSMTP() as server:          # LocalSMTP(users={"bot": "s3cret"}) requires AUTH
            yield server

    def test_mail(smtp):
        smtp.fail_next(451, "4.3.0 try again later")   # the next DATA is refused (then accepted)
        ... send to smtp.host, smtp.port ...
        assert smtp.messages[0].rcpt_tos == ["team@acme.example"]
        email_message = smtp.messages[0].parsed          # email.message.EmailMessage

AUTH (PLAIN/LOGIN) is offered without TLS so tests can check logins; logins are recorded in
`smtp.logins` as user names only. For TLS, `make_certificate(tmp_path)` writes a self-signed
certificate for 127.0.0.1 (with the openssl command); pass it as `LocalSMTP(tls="starttls",
certificate=...)` or `tls="tls"`, and point clients at it with SSL_CERT_FILE.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path


@dataclass
class ReceivedMessage:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def parsed(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)


@dataclass
class _Failure:
    code: int
    text: str


class _Handler:
    def __init__(self, server: LocalSMTP) -> None:
        self.server = server

    async def handle_DATA(self, smtp_server, session, envelope) -> str:
        with self.server._lock:
            if self.server.users and not session.authenticated:
                self.server.refused += 1
                return "530 5.7.0 Authentication required"
            if self.server._failures:
                failure = self.server._failures.pop(0)
                self.server.refused += 1
                return f"{failure.code} {failure.text}"
            self.server.messages.append(
                ReceivedMessage(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 2.0.0 OK: queued"


def make_certificate(directory: Path) -> tuple[Path, Path] | None:
    """Write a self-signed certificate and key for 127.0.0.1; None without openssl."""
    if shutil.which("openssl") is None:
        return None
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LocalSMTP:
    """An aiosmtpd server in a thread; optional users (name -> password) make AUTH required."""

    users: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[ReceivedMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    refused: int = 0
    tls: str = "none"  # none | starttls (required before MAIL) | tls (implicit, from the start)
    certificate: tuple[Path, Path] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._controller = None

    def fail_next(self, code: int, text: str, times: int = 1) -> LocalSMTP:
        """Refuse the next `times` messages at DATA with this reply."""
        with self._lock:
            self._failures.extend(_Failure(code, text) for _ in range(times))
        return self

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if self.users.get(user) == auth_data.password.decode():
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> LocalSMTP:
        from aiosmtpd.controller import Controller

        self.port = self.port or _free_port()
        options = {}
        if self.users:
            options = {
                "authenticator": self._authenticate,
                # AUTH is enforced in handle_DATA: aiosmtpd warns about auth_required without TLS.
                "auth_required": False,
                "auth_require_tls": False,
            }
        if self.tls != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            if self.tls == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test",
            **options,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> LocalSMTP:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
