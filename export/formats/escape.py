"""Make untrusted post text safe for each place it goes: HTML, Slack mrkdwn, CSV, mail headers.

Post text is hostile: it may carry markup, Slack control sequences (`<!channel>`, `<@U123>`,
`<http://evil|click>`), spreadsheet formulas, CR/LF, terminal escapes and bidi overrides.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit

from earmark.csvsafe import safe_csv_cell
from earmark.safetext import terminal_text

ELLIPSIS = "…"

_WHITESPACE_RUN = re.compile(r"\s+")
_SLACK_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Plain "@channel" is not a mention in Block Kit, but older clients and webhooks with
# link_names honour it; a word joiner after "@" defuses it without changing how it reads.
_SLACK_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_URL_SAFE = ":/?#[]@!$&*+,;=%~"


def clean_text(text: Any) -> str:
    """Return text without control or bidi-override characters (line breaks and tabs become
    spaces; zero-width joiners stay, emoji need them)."""
    return terminal_text(text, one_line=True)


def one_line(text: Any, limit: int | None = None) -> str:
    """Return cleaned text on one line, whitespace collapsed, cut to limit characters."""
    flat = _WHITESPACE_RUN.sub(" ", clean_text(text)).strip()
    return truncate(flat, limit) if limit else flat


def truncate(text: str, limit: int) -> str:
    """Cut text to at most limit characters, ending with an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    # Do not leave a lone surrogate or a dangling zero-width joiner at the cut.
    cut = cut.rstrip("\u200d\ufe0f")
    return cut + ELLIPSIS


def html_text(text: Any) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(clean_text(text), quote=True)


def safe_url(url: Any) -> str | None:
    """Return url when it is a plain http(s) URL worth linking, else None."""
    if not isinstance(url, str) or not url:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp") for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def slack_text(text: Any, limit: int | None = None) -> str:
    """Escape text for Slack mrkdwn on one line: & < > become entities, broadcasts are defused.

    limit counts escaped characters; an entity is never cut in half.
    """
    flat = _SLACK_BROADCAST.sub("@\u2060\\1", one_line(text))
    pieces = [_SLACK_ENTITIES.get(char, char) for char in flat]
    if limit is None or sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    out: list[str] = []
    size = 0
    for piece in pieces:
        if size + len(piece) > limit - 1:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out) + ELLIPSIS


def slack_link(url: Any, label: str) -> str:
    """Return a Slack link to an http(s) url, or the escaped label alone when url is unsafe."""
    target = safe_url(url)
    label_text = slack_text(label)
    if target is None:
        return label_text
    # Inside <...|...> the URL must not contain the delimiters themselves.
    target = target.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
    target = target.replace("|", "%7C")
    return f"<{target}|{label_text}>"


def markdown_text(text: Any, limit: int | None = None) -> str:
    """Escape text for inline Markdown on one line: no raw HTML, links or emphasis survive."""
    flat = one_line(text, limit)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def markdown_url(url: Any) -> str | None:
    """Return an http(s) url fit for a Markdown link target, or None."""
    target = safe_url(url)
    if target is None:
        return None
    # Percent-encode whatever could end the link or start a title: ( ) < > " ' | ` \\ etc.
    return quote(target, safe=_URL_SAFE)


# One implementation for every CSV writer: earmark.csvsafe.safe_csv_cell (rules in
# earmark.safetext.starts_formula).
csv_cell = safe_csv_cell


def header_value(text: Any, limit: int = 200) -> str:
    """Return text fit for a mail header: one line, no CR/LF or control characters."""
    return one_line(text, limit)
