"""Turn the HTML that platforms put in post bodies into plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose start and end mark a line break in the text people read.
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "figure",
        "figcaption",
    }
)
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_MAYBE_HTML = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[tuple[int, str]] = []  # open <a>: where its text starts, its href

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if isinstance(href, str) and href.startswith(("http://", "https://")):
                self.links.append((len(self.parts), href))
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            start, href = self.links.pop()
            if is_shortened(href, "".join(self.parts[start:])):
                self.parts[start:] = [href]
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def is_shortened(href: str, text: str) -> bool:
    """Whether a link's text is its URL cut short for display ("drive.google.com/fi...")."""
    shown = text.strip()
    for mark in ("...", "\u2026"):
        if shown.endswith(mark):
            shown = shown[: -len(mark)].rstrip()
            break
    else:
        return False
    bare = href.split("://", 1)[-1]
    return len(shown) >= 4 and (href.startswith(shown) or bare.startswith(shown))


def html_to_text(markup: str | None) -> str:
    """Return the readable text of an HTML fragment: tags dropped, entities decoded, tidy lines."""
    if not markup:
        return ""
    if not _MAYBE_HTML.search(markup):
        return _tidy(markup)
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return _tidy("".join(collector.parts))


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_BASIC_ESCAPE = re.compile(r"&(amp|lt|gt);")
_BASIC_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def unescape_basic(text: str) -> str:
    """Undo the only escaping X applies to post text (`&amp;`, `&lt;`, `&gt;`), in one pass.

    One pass keeps what the author typed: `&amp;lt;` (they wrote `&lt;`) stays `&lt;`.
    """
    return _BASIC_ESCAPE.sub(lambda match: _BASIC_CHARS[match.group(1)], text)
