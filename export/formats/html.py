"""The HTML digest: one self-contained, email-ready page with inline CSS.

Everything from a post is escaped; only http(s) URLs become links; post text sits in
`dir="auto"` blocks so right-to-left text cannot reorder the facts around it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import IO

from export.formats.digest import DigestPart, digest_records, meta_parts, private_label
from export.formats.escape import html_text, safe_url

EXCERPT_LIMIT = 1000
_FONT = "-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_SENTIMENT_COLOURS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}
STYLE = {
    "body": f"margin:0;padding:16px;background:#f4f5f7;font-family:{_FONT};color:#1d2330;",
    "h1": "font-size:20px;margin:0 0 4px 0;",
    "generated": "font-size:12px;color:#6b7280;margin:0 0 16px 0;",
    "h2": "font-size:17px;margin:20px 0 8px 0;border-bottom:1px solid #d0d4da;padding-bottom:4px;",
    "h3": "font-size:14px;margin:12px 0 6px 0;color:#374151;",
    "table": "width:100%;border-collapse:separate;border-spacing:0 8px;",
    "cell": "background:#ffffff;padding:10px 12px;border-left:4px solid {colour};",
    "meta": "font-size:13px;color:#374151;margin:0 0 6px 0;",
    "private": "display:inline-block;font-size:12px;font-weight:bold;color:#8a4b00;"
    "background:#fff3d6;padding:2px 6px;border-radius:3px;margin:0 0 6px 0;",
    "text": "font-size:14px;margin:0 0 6px 0;padding:0 0 0 10px;border-left:2px solid #e5e7eb;"
    "white-space:pre-wrap;word-wrap:break-word;",
    "link": "font-size:13px;color:#1a56db;",
    "id": "font-size:12px;color:#6b7280;",
}


def render_item(record: dict) -> str:
    """Render one opportunity as a table row."""
    colour = _SENTIMENT_COLOURS.get(record.get("sentiment") or "", "#9ca3af")
    meta = " · ".join(html_text(part) for part in meta_parts(record))
    parts = [
        f'<tr><td style="{STYLE["cell"].format(colour=colour)}">',
        f'<p style="{STYLE["meta"]}"><bdi>{meta}</bdi></p>',
    ]
    flag = private_label(record)
    if flag:
        parts.append(f'<p style="{STYLE["private"]}">&#128274; {html_text(flag)}</p>')
    text = (record.get("text") or "").strip()
    if text:
        if len(text) > EXCERPT_LIMIT:
            text = text[: EXCERPT_LIMIT - 1] + "…"
        # Newlines are kept (pre-wrap) but escaped with everything else.
        body = "\n".join(html_text(line) for line in text.splitlines())
        parts.append(f'<p dir="auto" style="{STYLE["text"]}">{body}</p>')
    url = safe_url(record.get("url"))
    footer = f'<span style="{STYLE["id"]}">#{html_text(record["id"])}</span>'
    if url:
        footer = (
            f'<a href="{html_text(url)}" style="{STYLE["link"]}" rel="noopener noreferrer" '
            f'target="_blank">Open post</a> {footer}'
        )
    parts.append(f'<p style="margin:0;">{footer}</p></td></tr>')
    return "".join(parts)


def write_items(
    parts: Iterable[DigestPart], out: IO[str], anchors: Mapping[str, str] | None = None
) -> list:
    """Write the digest's queue headings, sections and items as they come; return the ids.

    anchors maps a queue name to an element id (our own, never from data) that its first
    heading gets, so a summary can link to it.
    """
    pending = dict(anchors or {})
    ids = []
    in_table = False
    for part in parts:
        if part.kind != "item" and in_table:
            out.write("\n</table>")
            in_table = False
        if part.kind == "queue":
            heading = f"Queue: {html_text(part.name)} ({part.count})"
            anchor = pending.pop(part.name, None)
            ident = f' id="{anchor}"' if anchor else ""
            out.write(f'\n<h2{ident} style="{STYLE["h2"]}">{heading}</h2>')
        elif part.kind == "section":
            out.write(f'\n<h3 style="{STYLE["h3"]}">{html_text(part.name)}</h3>')
            out.write(f'\n<table role="presentation" style="{STYLE["table"]}">')
            in_table = True
        else:
            out.write("\n" + render_item(part.record))
            ids.append(part.record["id"])
    if in_table:
        out.write("\n</table>")
    return ids


def write_html(
    parts: Iterable[DigestPart],
    out: IO[str],
    *,
    title: str,
    generated_at: str,
    footer: str | None = None,
) -> list:
    """Write the HTML document piece by piece as parts come; return the ids written."""
    out.write(
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                '<head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{html_text(title)}</title></head>",
                f'<body style="{STYLE["body"]}">',
                f'<h1 style="{STYLE["h1"]}">{html_text(title)}</h1>',
                f'<p style="{STYLE["generated"]}">Generated {html_text(generated_at)}</p>',
            ]
        )
    )
    ids = write_items(parts, out)
    if footer:
        out.write(f'\n<p style="{STYLE["generated"]}">{html_text(footer)}</p>')
    out.write("\n</body>\n</html>\n")
    return ids


def render_html(
    records: Sequence[dict],
    *,
    title: str,
    generated_at: str,
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    presorted: bool = False,
    footer: str | None = None,
) -> str:
    """Render records as a complete HTML document, most urgent first as of now."""
    out = io.StringIO()
    write_html(
        digest_records(records, now, at_risk_fraction, presorted=presorted),
        out,
        title=title,
        generated_at=generated_at,
        footer=footer,
    )
    return out.getvalue()
