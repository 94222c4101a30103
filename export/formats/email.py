"""A complete MIME digest (plain text + HTML) for `sendmail -t` or SMTP.

Headers come only from the config and the count, never from post text, and each is cleaned of
CR/LF and control characters; EmailMessage with the SMTP policy refuses any that slip through.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from itertools import islice
from typing import IO

from earmark.config import EmailNotify
from earmark.models import to_iso
from export.formats import ExportError
from export.formats.digest import digest_records, digest_title, in_order, meta_parts, private_label
from export.formats.escape import header_value, one_line, safe_url
from export.formats.html import render_html

EXCERPT_LIMIT = 1000
MESSAGE_LIMIT = 100  # items in one exported message (the notify digests hold as many)
# `sendmail -t` reads a local message with Unix line endings; SMTP gets CRLF.
PIPE_POLICY = policy.SMTP.clone(linesep="\n")


def render_plain(
    records: Sequence[dict],
    *,
    title: str,
    generated_at: str,
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    footer: str | None = None,
    presorted: bool = False,
) -> str:
    """Render records as a plain-text digest (the text/plain part), most urgent first."""
    out = [title, f"Generated {generated_at}", ""]
    for part in digest_records(records, now, at_risk_fraction, presorted=presorted):
        if part.kind == "queue":
            heading = f"Queue: {one_line(part.name, 200)} ({part.count})"
            out += [heading, "-" * len(heading), ""]
        elif part.kind == "section":
            out += [f"{part.name}:", ""]
        else:
            record = part.record
            out.append("* " + " · ".join(meta_parts(record)))
            flag = private_label(record)
            if flag:
                out.append(f"  [{flag.upper()}]")
            excerpt = one_line(record.get("text"), EXCERPT_LIMIT)
            if excerpt:
                out.append(f"  > {excerpt}")
            url = safe_url(record.get("url"))
            out.append(f"  {url} (#{record['id']})" if url else f"  #{record['id']}")
            out.append("")
    if footer:
        out += [footer, ""]
    return "\n".join(out)


def subject_line(settings: EmailNotify, count: int) -> str:
    """Return the Subject from the config's template ({count} is replaced)."""
    return header_value(settings.subject.replace("{count}", str(count)))


def render_email(
    records: Sequence[dict],
    *,
    settings: EmailNotify,
    now: datetime,
    title: str,
    at_risk_fraction: float = 0.2,
    footer: str | None = None,
    presorted: bool = False,
) -> EmailMessage:
    """Build the digest message: From/To/Subject from notify.email, plain and HTML parts.

    Items come most urgent first as of now; footer (e.g. how many more wait) ends both parts.
    """
    recipients = [header_value(r, 320) for r in settings.to if header_value(r, 320)]
    if not recipients:
        raise ExportError(
            "notify.email.to: no recipients; list them in the config to export or send email"
        )
    generated_at = to_iso(now)
    digest = hashlib.sha256(
        (generated_at + "|" + ",".join(str(r["id"]) for r in records)).encode()
    ).hexdigest()[:16]
    sender = header_value(settings.sender, 320)
    domain = sender.rpartition("@")[2] or "localhost"
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject_line(settings, len(records))
    message["Date"] = format_datetime(now)
    # Deterministic: the same digest at the same moment gets the same id (and golden files).
    message["Message-ID"] = f"<earmark.{generated_at.replace(':', '')}.{digest}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    ordered = in_order(records, now, at_risk_fraction, presorted=presorted)
    plain = render_plain(
        ordered,
        title=title,
        generated_at=generated_at,
        now=now,
        footer=footer,
        presorted=True,
        at_risk_fraction=at_risk_fraction,
    )
    message.set_content(plain)
    html = render_html(
        ordered,
        title=title,
        generated_at=generated_at,
        now=now,
        footer=footer,
        presorted=True,
        at_risk_fraction=at_risk_fraction,
    )
    message.add_alternative(html, subtype="html")
    message.set_boundary(f"earmark-{digest}")
    return message


def write_email(
    records: Iterable[dict],
    out: IO[str],
    *,
    settings: EmailNotify,
    now: datetime,
    total: int,
    new: bool = False,
    at_risk_fraction: float = 0.2,
    limit: int = MESSAGE_LIMIT,
) -> list:
    """Write one message for `sendmail -t` with the limit most urgent records; return their ids.

    A MIME message is built whole in memory, so one holds at most limit items (records come
    most urgent first): the rest are named in its footer and, with --new, wait for the next run.
    """
    shown = list(islice(records, limit))
    left = total - len(shown)
    footer = None
    if left > 0:
        footer = (
            f"{left} more not in this message; the next run sends them."
            if new
            else f"{left} more not in this message; use -f html or -f jsonl for everything."
        )
    message = render_email(
        shown,
        settings=settings,
        now=now,
        title=digest_title(len(shown), new=new),
        at_risk_fraction=at_risk_fraction,
        footer=footer,
        presorted=True,
    )
    out.write(message.as_string(policy=PIPE_POLICY))
    return [r["id"] for r in shown]
