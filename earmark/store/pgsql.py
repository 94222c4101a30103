"""The store's SQL as PostgreSQL reads it: the one place that knows how the two dialects differ.

The store's parts write their SQL once, for SQLite (qmark placeholders, SQLite's functions);
on PostgreSQL every statement passes through `translate` (cached per statement), which rewrites
the few constructs PostgreSQL spells differently:

- `?` placeholders become `%s` (and a literal `%` becomes `%%`);
- `INSERT OR IGNORE` becomes `INSERT ... ON CONFLICT DO NOTHING`, `INSERT OR REPLACE` an
  upsert on the table's primary key;
- SQLite's planner hints (`NOT INDEXED`, `INDEXED BY`, `CROSS JOIN ... ON`) are dropped;
- `a.x IS b.y` (SQLite's null-safe equality) becomes `IS NOT DISTINCT FROM`;
- `CAST(... AS INTEGER)` becomes BIGINT (SQLite's integers are 64-bit);
- `x IN ()` (an empty list, which PostgreSQL refuses) becomes FALSE, `x NOT IN ()` TRUE;
- a subquery in FROM without an alias gets one (PostgreSQL 15 requires it);
- an INSERT into a table with a numbered `id` returns it (SQLite's lastrowid).

The SQLite functions the store uses (strftime('%s'), json_extract, json_each,
json_group_array, group_concat, printf, two-argument round) exist on PostgreSQL as small
functions created with the schema (pgschema.py). What cannot be rewritten, full-text search,
is a method of the dialect objects below, which the parts ask for.
"""

from __future__ import annotations

import re
from functools import lru_cache

from earmark.store.tables import FULL_TEXT_COLUMNS, IDENTITY_TABLES, table

_LITERAL = re.compile(r"'(?:[^']|'')*'")
_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_COLUMN_LIST = re.compile(r"^\s*INSERT\s+INTO\s+\w+\s*\(([^)]*)\)", re.IGNORECASE)
_NULL_SAFE_EQ = re.compile(r"\b(\w+\.\w+) IS (\w+\.\w+)\b")
_CROSS_JOIN = re.compile(r"\bCROSS JOIN\b", re.IGNORECASE)
_HINTS = re.compile(r"\s+(?:NOT INDEXED|INDEXED BY \w+)\b", re.IGNORECASE)
_CAST_INTEGER = re.compile(r"\bAS INTEGER\)", re.IGNORECASE)
_NOT_IN_EMPTY = re.compile(r"[\w.]+\s+NOT\s+IN\s*\(\s*\)", re.IGNORECASE)
_IN_EMPTY = re.compile(r"[\w.]+\s+IN\s*\(\s*\)", re.IGNORECASE)
_FROM_SUBQUERY = re.compile(r"\bFROM\s*\(\s*(?=SELECT\b)", re.IGNORECASE)
# Words that may follow a subquery in FROM when it has no alias.
_NOT_ALIAS = {
    "where", "join", "left", "inner", "cross", "order", "group", "limit", "union", "on",
    "having", "offset", "except", "intersect", "",
}  # fmt: skip


def _alias_subqueries(sql: str, counter: list[int] | None = None) -> str:
    """Give every `FROM (SELECT ...)` without an alias one (nested ones too)."""
    counter = [0] if counter is None else counter
    out, pos = [], 0
    while (match := _FROM_SUBQUERY.search(sql, pos)) is not None:
        depth, i = 1, match.end()
        while i < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        out.append(sql[pos : match.end()])
        out.append(_alias_subqueries(sql[match.end() : i - 1], counter) + ")")
        following = re.match(r"\w*", sql[i:].lstrip())
        if following is None or following.group(0).lower() in _NOT_ALIAS:
            counter[0] += 1
            out.append(f" AS _sub{counter[0]}")
        pos = i
    out.append(sql[pos:])
    return "".join(out)


def _upsert(name: str, code: str) -> str:
    """Return `ON CONFLICT (key) DO UPDATE SET ...` for an INSERT OR REPLACE into table name."""
    declared = table(name)
    listed = _COLUMN_LIST.match(code)
    if listed is None:
        raise ValueError(f"INSERT OR REPLACE INTO {name} needs a column list")
    columns = [c.strip().strip('"') for c in listed.group(1).split(",")]
    key = declared.primary_key
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


@lru_cache(maxsize=2048)
def translate(sql: str, *, many: bool = False) -> tuple[str, bool]:
    """Return (PostgreSQL's text of this SQLite statement, whether it returns an inserted id)."""
    literals: list[str] = []

    def hide(match: re.Match) -> str:
        literals.append(match.group(0))
        return f"'\x00{len(literals) - 1}\x00'"

    code = _LITERAL.sub(hide, sql)
    suffix = ""
    returns_id = False
    insert_or = _INSERT_OR.match(code)
    if insert_or:
        how, name = insert_or.group(1).upper(), insert_or.group(2)
        code = code[: insert_or.start()] + f"INSERT INTO {name}" + code[insert_or.end() :]
        suffix = " ON CONFLICT DO NOTHING" if how == "IGNORE" else _upsert(name, code)
    insert = _INSERT_INTO.match(code)
    if insert and not many and insert.group(1) in IDENTITY_TABLES and not insert_or:
        suffix += " RETURNING id"
        returns_id = True
    code = _HINTS.sub("", code)
    code = _CROSS_JOIN.sub("JOIN", code)
    code = _NULL_SAFE_EQ.sub(r"\1 IS NOT DISTINCT FROM \2", code)
    code = _CAST_INTEGER.sub("AS BIGINT)", code)
    code = _IN_EMPTY.sub("FALSE", _NOT_IN_EMPTY.sub("TRUE", code))
    code = _alias_subqueries(code)
    code = code.rstrip().rstrip(";") + suffix
    code = code.replace("%", "%%").replace("?", "%s")
    for index, literal in enumerate(literals):
        code = code.replace(f"'\x00{index}\x00'", literal.replace("%", "%%"), 1)
    return code, returns_id


# -- full-text search ------------------------------------------------------------------------

_FTS_TOKEN = re.compile(r'\s*(?:(")((?:[^"]|"")*)(")?|(\()|(\))|([^\s()"]+))')
_OPERATORS = {"AND": "&&", "OR": "||", "NOT": "&& !!"}
# Words as FTS5's unicode61 tokenizer sees them: runs of letters and digits (HUB-503 is hub,
# 503; it's is it, s), lower-cased by the 'simple' configuration (no stemming, no stop words).
_WORDS = "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')"
# The expression PostgreSQL's GIN index is built on (pgschema.py): a change here is a migration.
PG_DOCUMENT = "to_tsvector('simple', {})".format(
    _WORDS.format(" || ' ' || ".join(f"coalesce({c}, '')" for c in FULL_TEXT_COLUMNS))
)
_PHRASE = "phraseto_tsquery('simple', {})".format(_WORDS.format("?"))
_PREFIX = "to_tsquery('simple', quote_literal({}) || ':*')".format(_WORDS.format("?"))


class FullTextQueryError(ValueError):
    """An FTS5 query PostgreSQL's text search cannot express (or that does not parse)."""


def fts5_to_tsquery(query: str) -> tuple[str, list[str]]:
    """Translate an FTS5 query (phrases, words, prefix*, AND/OR/NOT, parentheses) into a
    tsquery expression and its parameters.

    Each phrase or word is split into words by PostgreSQL's own parser (phraseto_tsquery), as
    the documents were; juxtaposed terms are AND-ed, as in FTS5. NEAR and column filters have
    no equivalent and are refused.
    """
    parts: list[str] = []
    params: list[str] = []
    pos = 0
    expect_term = True
    depth = 0
    while pos < len(query):
        match = _FTS_TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            if query[pos:].strip():
                raise FullTextQueryError(f"cannot read {query[pos:]!r}")
            break
        pos = match.end()
        quote, phrase, closing, opening, closed, word = match.groups()
        if opening:
            parts.append("&& (" if not expect_term else "(")
            depth += 1
            expect_term = True
            continue
        if closed:
            depth -= 1
            if depth < 0 or expect_term:
                raise FullTextQueryError("unbalanced parentheses")
            parts.append(")")
            continue
        if word in _OPERATORS:
            if expect_term:
                raise FullTextQueryError(f"{word} without a term before it")
            parts.append(_OPERATORS[word])
            expect_term = True
            continue
        if quote:
            if closing is None:
                raise FullTextQueryError("unterminated string")
            term = _PHRASE
            params.append(phrase.replace('""', '"'))
        elif word.upper() == "NEAR" or ":" in word:
            raise FullTextQueryError(f"{word!r} (NEAR and column filters) is not supported")
        elif word.endswith("*") and word.rstrip("*"):
            term = _PREFIX
            params.append(word.rstrip("*"))
        else:
            term = _PHRASE
            params.append(word)
        parts.append(term if expect_term else f"&& {term}")
        expect_term = False
    if depth:
        raise FullTextQueryError("unbalanced parentheses")
    if expect_term:
        raise FullTextQueryError("the query ends with an operator" if parts else "empty query")
    return " ".join(parts), params


class SQLiteDialect:
    """SQLite: SQL runs as written."""

    name = "sqlite"

    def full_text(self, alias: str, query: str) -> tuple[str, list[str]]:
        """Return (the WHERE clause matching posts `alias` against an FTS5 query, its
        parameters)."""
        return f"{alias}.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", [query]


class PostgresDialect:
    """PostgreSQL: statements pass through translate(); full text is its own text search."""

    name = "postgresql"

    def full_text(self, alias: str, query: str) -> tuple[str, list[str]]:
        """Return (the WHERE clause matching posts `alias` against an FTS5 query translated to
        PostgreSQL's text search on the GIN-indexed document, its parameters)."""
        document = PG_DOCUMENT
        for column in FULL_TEXT_COLUMNS:
            document = document.replace(f"coalesce({column},", f"coalesce({alias}.{column},")
        expression, params = fts5_to_tsquery(query)
        return f"{document} @@ ({expression})", params
