"""The tree of a parsed query and what it evaluates against: a post's normalised text and fields.

Each node's `evaluate(view)` returns the set of terms that matched, or None when the node does
not hold; positional nodes (terms, OR of them, NEAR) also give `spans(view)`, the word ranges
they cover, which is how NEAR/n counts the words in between.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from earmark.models import Post
from listen.textnorm import compile_term, normalize

_TOKEN_WORD = re.compile(r"\w+")


class PostView:
    """A post prepared for matching: normalised text now, fields and word positions on demand."""

    def __init__(self, post: Post):
        self.post = post
        self.text = normalize(post.text or "")

    @cached_property
    def author(self) -> str:
        # A handle is an identity: look-alike letters make another account, not the same one.
        return normalize(self.post.author or "", disguises=False).lstrip("@")

    @cached_property
    def lang(self) -> str:
        return (self.post.lang or "").lower()

    @cached_property
    def url(self) -> str:
        return (self.post.url or "").lower()

    @cached_property
    def platform(self) -> str:
        return (self.post.platform or "").lower()

    @cached_property
    def word_starts(self) -> list[int]:
        return [m.start() for m in _TOKEN_WORD.finditer(self.text)]

    @cached_property
    def host(self) -> str:
        try:
            return (urlsplit(self.url).hostname or "") if self.url else ""
        except ValueError:
            return ""

    def word_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a character span of the normalised text to (first word, last word) indexes."""
        starts = self.word_starts
        return bisect_left(starts, start), bisect_right(starts, end - 1) - 1


@dataclass(frozen=True)
class Term:
    """A word, a wildcard word (`refund*`) or a "quoted phrase"."""

    text: str
    phrase: bool = False
    column: int = field(default=0, compare=False)

    @cached_property
    def regex(self) -> re.Pattern:
        return compile_term(self.text)

    @property
    def positional(self) -> bool:
        return True

    def evaluate(self, view: PostView) -> set[str] | None:
        return {self.text} if self.regex.search(view.text) else None

    def spans(self, view: PostView) -> list[tuple[int, int]]:
        return [view.word_span(m.start(), m.end()) for m in self.regex.finditer(view.text)]


@dataclass(frozen=True)
class Field:
    """A field condition: author:, lang:, site:, url:, platform:."""

    name: str
    value: str
    column: int = field(default=0, compare=False)

    @property
    def positional(self) -> bool:
        return False

    @cached_property
    def _pattern(self) -> re.Pattern:
        value = normalize(self.value, disguises=False).strip()
        if self.name == "author":
            value = value.lstrip("@")
        text = ".*".join(re.escape(part) for part in value.split("*"))
        return re.compile(text if self.name == "url" else f"{text}$", re.DOTALL)

    def evaluate(self, view: PostView) -> set[str] | None:
        value = normalize(self.value, disguises=False).strip()
        if self.name == "author":
            ok = bool(view.author) and self._pattern.match(view.author) is not None
        elif self.name == "url":
            ok = bool(view.url) and self._pattern.search(view.url) is not None
        elif self.name == "lang":
            ok = view.lang == value or view.lang.startswith(value + "-")
        elif self.name == "site":
            value = value.removeprefix("www.")
            host = view.host
            ok = bool(host) and (host == value or host.endswith("." + value))
        else:  # platform
            ok = view.platform == value
        return {f"{self.name}:{self.value}"} if ok else None


@dataclass(frozen=True)
class Not:
    child: Node

    @property
    def positional(self) -> bool:
        return False

    def evaluate(self, view: PostView) -> set[str] | None:
        return set() if self.child.evaluate(view) is None else None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]

    @property
    def positional(self) -> bool:
        return False

    def evaluate(self, view: PostView) -> set[str] | None:
        terms: set[str] = set()
        for child in self.children:
            found = child.evaluate(view)
            if found is None:
                return None
            terms |= found
        return terms


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]

    @property
    def positional(self) -> bool:
        return all(child.positional for child in self.children)

    def evaluate(self, view: PostView) -> set[str] | None:
        terms: set[str] | None = None
        for child in self.children:  # every branch, so all matching terms are reported
            found = child.evaluate(view)
            if found is not None:
                terms = found if terms is None else terms | found
        return terms

    def spans(self, view: PostView) -> list[tuple[int, int]]:
        return [span for child in self.children for span in child.spans(view)]


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int
    ordered: bool = False

    @property
    def positional(self) -> bool:
        return True

    def spans(self, view: PostView) -> list[tuple[int, int]]:
        rights = self.right.spans(view)
        if not rights:
            return []
        found = []
        for ls, le in self.left.spans(view):
            for rs, re_ in rights:
                if le < rs:
                    gap = rs - le - 1
                elif re_ < ls and not self.ordered:
                    gap = ls - re_ - 1
                else:
                    continue
                if gap <= self.distance:
                    found.append((min(ls, rs), max(le, re_)))
        return found

    def evaluate(self, view: PostView) -> set[str] | None:
        if not self.spans(view):
            return None
        return (self.left.evaluate(view) or set()) | (self.right.evaluate(view) or set())


Node = Term | Field | Not | And | Or | Near
