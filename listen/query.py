"""The Boolean query language of `topic.query`, as listening suites spell it.

    acme AND (outage OR "not working" OR refund*) NOT author:acmehelp
    "acme app" NEAR/3 crash*        acme ONEAR/2 down        site:reddit.com lang:en acme

Operators are upper case (`AND`, `OR`, `NOT`, `NEAR/n`, `ONEAR/n`); lower-case "and"/"or"/"not"
are ordinary words. Adjacent terms are ANDed. Precedence, tightest first: NEAR/ONEAR, NOT, AND,
OR. `a NEAR/n b` holds when at most n words separate a and b (either order); ONEAR/n also
requires a before b. Fields: `author:` (handle, `*` wildcard), `lang:` (primary subtag),
`site:` (host or its subdomains), `url:` (substring, `*` wildcard), `platform:`.

`parse_query` returns a tree whose `evaluate(view)` gives the set of terms that matched (or
None); `render` prints a tree back to a query that parses to the same tree.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from earmark.configload import ConfigError
from earmark.models import Post
from listen.textnorm import compile_term, normalize, term_literal

FIELDS = ("author", "lang", "site", "url", "platform")
MAX_DEPTH = 60
_NEAR = re.compile(r"^(O?NEAR)(?:/(\d+))?$")
_FIELD = re.compile(r"^(author|lang|site|url|platform):(.*)$", re.DOTALL)
_TOKEN_WORD = re.compile(r"\w+")
_BREAK = set(' \t\r\n\f\v()"')


class QueryError(ConfigError):
    """A query has a syntax error; the message gives the column and shows it with a caret."""

    def __init__(self, query: str, column: int, reason: str):
        self.query, self.column, self.reason = query, column, reason
        line = query.count("\n", 0, column - 1) + 1
        if line > 1:
            at = f"line {line}, column {column - query.rfind(chr(10), 0, column - 1) - 1}"
        else:
            at = f"column {column}"
        message = f"query error at {at}: {reason}"
        if "\n" not in query and len(query) <= 200:
            message += f"\n  {query}\n  {' ' * (column - 1)}^"
        super().__init__(message)


class PostView:
    """A post prepared for matching: normalised text now, fields and word positions on demand."""

    def __init__(self, post: Post):
        self.post = post
        self.text = normalize(post.text or "")

    @cached_property
    def author(self) -> str:
        return normalize(self.post.author or "").lstrip("@")

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


# --- the tree ---------------------------------------------------------------------------------


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
        value = normalize(self.value).strip()
        if self.name == "author":
            value = value.lstrip("@")
        text = ".*".join(re.escape(part) for part in value.split("*"))
        return re.compile(text if self.name == "url" else f"{text}$", re.DOTALL)

    def evaluate(self, view: PostView) -> set[str] | None:
        value = normalize(self.value).strip()
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


# --- lexing and parsing ----------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # AND OR NOT NEAR LPAREN RPAREN TERM PHRASE FIELD END
    column: int
    text: str = ""
    distance: int = 0
    ordered: bool = False
    field_name: str = ""


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        column = i + 1
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token("LPAREN" if char == "(" else "RPAREN", column, char))
            i += 1
        elif char == '"':
            text, i = _read_phrase(query, i)
            tokens.append(_Token("PHRASE", column, text))
        else:
            start = i
            while i < n and query[i] not in _BREAK:
                i += 1
            word = query[start:i]
            tokens.append(_word_token(query, word, column))
            last = tokens[-1]
            if last.kind == "FIELD" and not last.text:
                if i < n and query[i] == '"':
                    last.text, i = _read_phrase(query, i)
                else:
                    raise QueryError(query, column, f"{last.field_name}: needs a value")
    tokens.append(_Token("END", n + 1))
    return tokens


def _read_phrase(query: str, start: int) -> tuple[str, int]:
    end = query.find('"', start + 1)
    if end < 0:
        raise QueryError(query, start + 1, "unterminated quoted phrase: add the closing '\"'")
    text = query[start + 1 : end]
    if not text.strip():
        raise QueryError(query, start + 1, "empty quoted phrase")
    return text, end + 1


def _word_token(query: str, word: str, column: int) -> _Token:
    if word in ("AND", "OR", "NOT"):
        return _Token(word, column, word)
    near = _NEAR.match(word)
    if near:
        if near.group(2) is None:
            raise QueryError(
                query, column, f"{near.group(1)} needs a distance, e.g. {near.group(1)}/3"
            )
        distance = int(near.group(2))
        if distance > 1000:
            raise QueryError(query, column, f"{near.group(1)} distance must be at most 1000")
        return _Token("NEAR", column, word, distance=distance, ordered=word.startswith("O"))
    field_match = _FIELD.match(word)
    if field_match:
        return _Token("FIELD", column, field_match.group(2), field_name=field_match.group(1))
    return _Token("TERM", column, word)


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = _lex(query)
        self.pos = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def error(self, reason: str, token: _Token | None = None) -> QueryError:
        return QueryError(self.query, (token or self.token).column, reason)

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise self.error("the query is empty")
        node = self.parse_or()
        if self.token.kind == "RPAREN":
            raise self.error("unexpected ')' without a matching '('")
        if self.token.kind != "END":
            raise self.error(f"unexpected {self.token.text!r}")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.token.kind == "OR":
            self.advance()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while True:
            if self.token.kind == "AND":
                self.advance()
            elif self.token.kind not in ("NOT", "LPAREN", "TERM", "PHRASE", "FIELD"):
                break
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        if self.token.kind == "NOT":
            self.enter()
            self.advance()
            child = self.parse_unary()
            self.depth -= 1
            return Not(child)
        return self.parse_near()

    def parse_near(self) -> Node:
        left_token = self.token
        left = self.parse_primary()
        while self.token.kind == "NEAR":
            op = self.advance()
            right_token = self.token
            right = self.parse_primary()
            for side, token in ((left, left_token), (right, right_token)):
                if not side.positional:
                    raise self.error(
                        f"{op.text} needs words or phrases on both sides, not fields, AND or NOT",
                        token,
                    )
            left = Near(left, right, op.distance, op.ordered)
        return left

    def parse_primary(self) -> Node:
        token = self.token
        if token.kind == "LPAREN":
            self.enter()
            self.advance()
            if self.token.kind == "RPAREN":
                raise self.error("empty parentheses")
            node = self.parse_or()
            if self.token.kind != "RPAREN":
                raise self.error("expected ')'")
            self.advance()
            self.depth -= 1
            return node
        if token.kind in ("TERM", "PHRASE"):
            self.advance()
            node = Term(token.text, phrase=token.kind == "PHRASE", column=token.column)
            try:
                node.regex  # noqa: B018 - compile now so a bad term fails at parse time
            except ValueError:
                raise self.error(f"nothing to search for in {token.text!r}", token) from None
            return node
        if token.kind == "FIELD":
            self.advance()
            return Field(token.field_name, token.text, column=token.column)
        if token.kind == "END":
            raise self.error("unexpected end of query: expected a term, phrase or '('")
        raise self.error(f"expected a term, phrase or '(' before {token.text!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests more than {MAX_DEPTH} levels deep")


def parse_query(query: str) -> Node:
    """Parse a query into a tree; raise QueryError pointing at the column of a syntax error."""
    return _Parser(query).parse()


def render(node: Node) -> str:
    """Print a tree back as a query string that parses to an equal tree."""
    if isinstance(node, Term):
        return f'"{node.text}"' if node.phrase else node.text
    if isinstance(node, Field):
        needs_quotes = not node.value or any(c in _BREAK for c in node.value)
        return f'{node.name}:"{node.value}"' if needs_quotes else f"{node.name}:{node.value}"
    if isinstance(node, Not):
        return f"NOT {_operand(node.child)}"
    if isinstance(node, And):
        return " AND ".join(_operand(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(_operand(c) for c in node.children)
    op = "ONEAR" if node.ordered else "NEAR"
    return f"{_operand(node.left)} {op}/{node.distance} {_operand(node.right)}"


def _operand(node: Node) -> str:
    return render(node) if isinstance(node, (Term, Field)) else f"({render(node)})"


def query_literals(node: Node) -> frozenset[str] | None:
    """Return substrings of which a matching post's normalised text holds at least one.

    None when no such set exists (a query that can match through NOT or a field alone).
    """
    if isinstance(node, Term):
        return frozenset([term_literal(node.text)])
    if isinstance(node, Or):
        found = [query_literals(child) for child in node.children]
        return None if any(f is None for f in found) else frozenset().union(*found)
    if isinstance(node, (And, Near)):
        children = node.children if isinstance(node, And) else (node.left, node.right)
        found = [f for f in (query_literals(child) for child in children) if f is not None]
        return min(found, key=len) if found else None
    return None


def query_terms(node: Node) -> list[str]:
    """Return the positive words and phrases of a query (what a source can search for)."""
    if isinstance(node, Term):
        return [node.text]
    if isinstance(node, (And, Or)):
        return [t for child in node.children for t in query_terms(child)]
    if isinstance(node, Near):
        return query_terms(node.left) + query_terms(node.right)
    return []
