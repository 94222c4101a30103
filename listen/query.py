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
from dataclasses import dataclass

from earmark.configload import ConfigError
from listen.querytree import And, Field, Near, Node, Not, Or, PostView, Term
from listen.textnorm import term_literal

FIELDS = ("author", "lang", "site", "url", "platform")
MAX_DEPTH = 60
_NEAR = re.compile(r"^(O?NEAR)(?:/(\d+))?$")
_FIELD = re.compile(r"^(author|lang|site|url|platform):(.*)$", re.DOTALL)
# `word:` at the start of a term, word being letters: a field operator, known or mistyped.
# A scheme's `://` ("http://x") and times ("10:30") are not fields; a quoted phrase never is.
_FIELD_LIKE = re.compile(r"^([^\W\d_]+):(?!//)", re.UNICODE)
_NEAR_LIKE = re.compile(r"^(O?NEAR)/", re.IGNORECASE)
_BREAK = set(' \t\r\n\f\v()"')


class QueryError(ConfigError):
    """A query has a syntax error; the message gives the column and shows it with a caret."""

    def __init__(self, query: str, column: int, reason: str, topic: str | None = None):
        self.query, self.column, self.reason, self.topic = query, column, reason, topic
        line = query.count("\n", 0, column - 1) + 1
        if line > 1:
            at = f"line {line}, column {column - query.rfind(chr(10), 0, column - 1) - 1}"
        else:
            at = f"column {column}"
        named = f"topic {topic!r}: " if topic else ""
        message = f"{named}query error at {at}: {reason}"
        if "\n" not in query and len(query) <= 200:
            message += f"\n  {query}\n  {' ' * (column - 1)}^"
        super().__init__(message)


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
    if _NEAR_LIKE.match(word):
        operator = _NEAR_LIKE.match(word).group(1).upper()
        raise QueryError(
            query,
            column,
            f"{word!r} is not a proximity operator: write {operator}/ and a number of words, "
            f'e.g. {operator}/3; to search for the text, quote it: "{word}"',
        )
    field_match = _FIELD.match(word)
    if field_match:
        return _Token("FIELD", column, field_match.group(2), field_name=field_match.group(1))
    field_like = _FIELD_LIKE.match(word)
    if field_like:
        name = field_like.group(1)
        known = name.lower() in FIELDS
        hint = f"write {name.lower()}:" if known else f"fields: {', '.join(FIELDS)}"
        raise QueryError(
            query,
            column,
            f"{name + ':'!r} in {word!r} is not a field ({hint}); "
            f'to search for the text, quote it: "{word}"',
        )
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


def parse_query(query: str, *, topic: str | None = None) -> Node:
    """Parse a query into a tree; raise QueryError pointing at the column of a syntax error.

    With a topic name, the error message starts by naming the topic.
    """
    try:
        return _Parser(query).parse()
    except QueryError as error:
        if topic is None or error.topic is not None:
            raise
        raise QueryError(error.query, error.column, error.reason, topic) from None


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


__all__ = [
    "And",
    "Field",
    "Near",
    "Node",
    "Not",
    "Or",
    "PostView",
    "QueryError",
    "Term",
    "parse_query",
    "query_literals",
    "query_terms",
    "render",
]
