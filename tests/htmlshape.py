"""The shape of an HTML page as a parser sees it: its tags with their attributes, and its text.

Used by the report's escaping tests: hostile labels must change only text, never the shape.
html.parser is the standard library's, written by others; lxml is not a dependency.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self.texts: list[str] = []
        self.others: list[str] = []  # comments, declarations other than the doctype, PIs

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.tags.append(("/" + tag, ()))

    def handle_data(self, data):
        self.texts.append(data)

    def handle_comment(self, data):
        self.others.append("comment:" + data)

    def handle_decl(self, decl):
        if decl.lower() != "doctype html":
            self.others.append("decl:" + decl)

    def handle_pi(self, data):
        self.others.append("pi:" + data)

    def unknown_decl(self, data):
        self.others.append("unknown:" + data)


def parse_shape(page: str) -> _Shape:
    """Parse page and return its tags (with attributes), texts and anything else it holds."""
    parser = _Shape()
    parser.feed(page)
    parser.close()
    return parser


def tag_names(page: str) -> set[str]:
    return {tag for tag, _ in parse_shape(page).tags if not tag.startswith("/")}


def attribute_names(page: str) -> set[str]:
    return {name for _, attrs in parse_shape(page).tags for name, _ in attrs}
