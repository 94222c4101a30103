"""The Markdown digest: most urgent first, by queue and section, post text escaped inline."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO

from export.formats.digest import DigestPart, digest_records, meta_parts, private_label
from export.formats.escape import markdown_text, markdown_url

EXCERPT_LIMIT = 500


def render_item(record: dict) -> str:
    """Render one opportunity as a Markdown list item."""
    meta = " · ".join(markdown_text(part) for part in meta_parts(record))
    lines = [f"- **{meta}**"]
    flag = private_label(record)
    if flag:
        lines.append(f"  🔒 **{markdown_text(flag)}**")
    excerpt = markdown_text(record.get("text"), EXCERPT_LIMIT)
    if excerpt:
        lines.append(f"  > {excerpt}")
    url = markdown_url(record.get("url"))
    link = f"[Open post]({url}) · " if url else ""
    lines.append(f"  {link}#{record['id']}")
    return "\n".join(lines)


def write_markdown(
    parts: Iterable[DigestPart], out: IO[str], *, title: str, generated_at: str
) -> list:
    """Write the Markdown digest piece by piece as parts come; return the ids written."""
    out.write(f"# {markdown_text(title)}\n\n_Generated {generated_at}_\n")
    ids = []
    for part in parts:
        if part.kind == "queue":
            out.write(f"\n## Queue: {markdown_text(part.name)} ({part.count})\n")
        elif part.kind == "section":
            out.write(f"\n### {part.name}\n")
        else:
            out.write("\n" + render_item(part.record) + "\n")
            ids.append(part.record["id"])
    return ids


def render_markdown(
    records: Sequence[dict],
    *,
    title: str,
    generated_at: str,
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    presorted: bool = False,
) -> str:
    """Render records as a Markdown digest, most urgent first as of now."""
    out = io.StringIO()
    write_markdown(
        digest_records(records, now, at_risk_fraction, presorted=presorted),
        out,
        title=title,
        generated_at=generated_at,
    )
    return out.getvalue()
