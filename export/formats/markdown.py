"""The Markdown digest: grouped by queue and priority, post text escaped inline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from export.formats.digest import group_records, meta_parts, private_label
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


def render_markdown(records: Sequence[dict], *, title: str, generated_at: str) -> str:
    """Render records as a Markdown digest."""
    out = [f"# {markdown_text(title)}", "", f"_Generated {generated_at}_", ""]
    for group in group_records(records):
        out += [f"## Queue: {markdown_text(group.name)} ({group.count})", ""]
        for band in group.bands:
            out += [f"### {band.label}", ""]
            for record in band.records:
                out += [render_item(record), ""]
    return "\n".join(out)


def write_markdown(records: Sequence[dict], out: IO[str], *, title: str, generated_at: str) -> list:
    """Write the Markdown digest; return the ids written."""
    out.write(render_markdown(records, title=title, generated_at=generated_at))
    return [r["id"] for r in records]
