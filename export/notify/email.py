"""Deliver digests by SMTP (plain, STARTTLS or TLS; login with a password from the env)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage

from earmark.config import EmailNotify
from earmark.redaction import redact, register_secret
from export.formats.email import render_email
from export.notify.delivery import Attempt, NotifyError, Outgoing, delivery_id, hide

TIMEOUT = 30
BATCH = 100  # opportunities per email; bigger digests become several emails

SmtpFactory = Callable[..., smtplib.SMTP]


def smtp_password(settings: EmailNotify, env: dict) -> str | None:
    """Return the SMTP password from the env variable named by password_env, if a user is set."""
    if not settings.user:
        return None
    if not settings.password_env:
        raise NotifyError(
            "notify.email: `user` is set but `password_env` is not; name the variable "
            "holding the SMTP password"
        )
    password = env.get(settings.password_env)
    if not password:
        raise NotifyError(
            f"email: ${settings.password_env} is not set; export the SMTP password there"
        )
    register_secret(password)
    return password


def connect(settings: EmailNotify, factory: SmtpFactory | None = None) -> smtplib.SMTP:
    """Open the SMTP connection the settings ask for (TLS from the start, or plain)."""
    if factory is not None:
        return factory(settings)
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=TIMEOUT,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)


def send_message(
    settings: EmailNotify,
    message: EmailMessage,
    password: str | None,
    factory: SmtpFactory | None = None,
) -> Attempt:
    """Send one message in one SMTP session and classify the outcome."""
    where = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    try:
        with connect(settings, factory) as smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, password or "")
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        detail = f"{where} refused the login as {settings.user} ({error.smtp_code}); "
        detail += f"check ${settings.password_env}"
        return Attempt(False, hide(detail, [password]), False)
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(sorted(error.recipients))
        return Attempt(False, hide(f"{where} refused every recipient ({refused})", [password]))
    except smtplib.SMTPResponseException as error:
        text = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        # Scrub before cutting: a cut through the password would hide its start.
        text = " ".join(redact(text, [password]).split())[:120]
        detail = hide(f"{where} answered {error.smtp_code} {text}", [password])
        return Attempt(False, detail, 400 <= error.smtp_code < 500)
    except ssl.SSLCertVerificationError as error:
        detail = f"{where}: the server's certificate is not trusted ({error.verify_message})"
        return Attempt(False, hide(detail, [password]), False)
    except (smtplib.SMTPException, OSError) as error:
        return Attempt(False, hide(f"cannot deliver through {where} ({error})", [password]), True)
    return Attempt(True)


def email_messages(
    records: Sequence[dict],
    *,
    settings: EmailNotify,
    now: datetime,
    title_for,
    at_risk_fraction: float = 0.2,
) -> list[tuple[EmailMessage, list]]:
    """Split records (most urgent first) into digests of at most BATCH, in that order, and
    render each as a message: the first carries the most urgent."""
    out = []
    for start in range(0, len(records), BATCH):
        batch = list(records[start : start + BATCH])
        message = render_email(
            batch,
            settings=settings,
            now=now,
            title=title_for(len(batch)),
            at_risk_fraction=at_risk_fraction,
            presorted=True,
        )
        # The digest's id follows what it carries, not when it was made: a re-send after a
        # kill has the same Message-ID, which mail systems use to drop the duplicate.
        domain = message["Message-ID"].rpartition("@")[2].rstrip(">") or "localhost"
        message.replace_header("Message-ID", f"<earmark.{delivery_id('email', batch)}@{domain}>")
        out.append((message, [r["id"] for r in batch]))
    return out


def email_outgoing(
    records: Sequence[dict],
    *,
    settings: EmailNotify,
    now: datetime,
    title_for,
    password: str | None,
    factory: SmtpFactory | None = None,
    at_risk_fraction: float = 0.2,
) -> list[Outgoing]:
    """Return one outgoing email per batch of opportunities."""
    messages = email_messages(
        records, settings=settings, now=now, title_for=title_for, at_risk_fraction=at_risk_fraction
    )
    return [
        Outgoing(send=lambda m=message: send_message(settings, m, password, factory), ids=ids)
        for message, ids in messages
    ]
