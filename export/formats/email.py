"""A complete MIME digest (plain text + HTML) for `sendmail -t` or SMTP.

Headers come only from the config and the count, never from post text, and each is cleaned of
CR/LF and control characters; EmailMessage with the SMTP policy refuses any that slip through.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import IO

from earmark.config import EmailNotify
from earmark.models import to_iso
from export.formats import ExportError
from export.formats.digest import group_records, meta_parts, private_label
from export.formats.escape import header_value, one_line, safe_url
from export.formats.html import render_html

EXCERPT_LIMIT = 1000
# `sendmail -t` reads a local message with Unix line endings; SMTP gets CRLF.
PIPE_POLICY = policy.SMTP.clone(linesep="\n")


def render_plain(records: Sequence[dict], *, title: str, generated_at: str) -> str:
    """Render records as a plain-text digest (the text/plain part)."""
    out = [title, f"Generated {generated_at}", ""]
    for group in group_records(records):
        heading = f"Queue: {one_line(group.name, 200)} ({group.count})"
        out += [heading, "-" * len(heading), ""]
        for band in group.bands:
            out += [f"{band.label}:", ""]
            for record in band.records:
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
    return "\n".join(out)


def subject_line(settings: EmailNotify, count: int) -> str:
    """Return the Subject from the config's template ({count} is replaced)."""
    return header_value(settings.subject.replace("{count}", str(count)))


def render_email(
    records: Sequence[dict], *, settings: EmailNotify, now: datetime, title: str
) -> EmailMessage:
    """Build the digest message: From/To/Subject from notify.email, plain and HTML parts."""
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
    message.set_content(render_plain(records, title=title, generated_at=generated_at))
    message.add_alternative(
        render_html(records, title=title, generated_at=generated_at), subtype="html"
    )
    message.set_boundary(f"earmark-{digest}")
    return message


def write_email(
    records: Sequence[dict], out: IO[str], *, settings: EmailNotify, now: datetime, title: str
) -> list:
    """Write the message for `sendmail -t`; return the ids written."""
    message = render_email(records, settings=settings, now=now, title=title)
    out.write(message.as_string(policy=PIPE_POLICY))
    return [r["id"] for r in records]
