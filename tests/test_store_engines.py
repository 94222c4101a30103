"""Both engines hold one schema (declared in earmark/store/tables.py), and a PostgreSQL URL's
password stays in the environment: refused in YAML and on the command line, never shown."""

from __future__ import annotations

import re
import sqlite3

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.cli import cli
from earmark.dburl import display_url, is_postgres_url, written_password
from earmark.store import Store, StoreError
from earmark.store.pgschema import BASELINE_VERSION, EXTRA_COLUMNS, EXTRA_INDEXES, UPGRADES
from earmark.store.pgsql import FullTextQueryError, fts5_to_tsquery, translate
from earmark.store.schema import SCHEMA_VERSION
from earmark.store.tables import INDEXES, TABLES


def declared() -> dict:
    """The declaration as {table: (columns, primary key, foreign keys)} and {index: shape}."""
    tables = {
        t.name: (
            [(c.name, c.type, c.not_null) for c in t.columns],
            list(t.primary_key),
            sorted(t.foreign_keys),
        )
        for t in TABLES
    }
    indexes = {
        i.name: (i.table, [c.lower() for c in i.columns], i.unique, i.where) for i in INDEXES
    }
    return {"tables": tables, "indexes": indexes}


def _sqlite_where(sql: str | None) -> str | None:
    if not sql or " WHERE " not in sql:
        return None
    return sql.split(" WHERE ", 1)[1].strip()


def sqlite_schema(path) -> dict:
    """What SQLite's migrations made, read from SQLite's own catalogue."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'posts_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = {}
        for name in names:
            info = conn.execute(f"PRAGMA table_info('{name}')").fetchall()
            columns = [(r[1], r[2].lower(), bool(r[3])) for r in info]
            key = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
            fks = sorted(
                (r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list('{name}')")
            )
            tables[name] = (columns, key, fks)
        indexes = {}
        for name, table, sql in conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ):
            cols = [
                r[2] + (" desc" if r[3] else "")
                for r in conn.execute(f"PRAGMA index_xinfo('{name}')")
                if r[5]  # key columns only
            ]
            unique = "UNIQUE INDEX" in sql.upper()
            indexes[name] = (table, cols, unique, _sqlite_where(sql))
    finally:
        conn.close()
    return {"tables": tables, "indexes": indexes}


def test_sqlite_migrations_make_exactly_the_declared_schema(tmp_path):
    Store(tmp_path / "e.db").close()
    assert sqlite_schema(tmp_path / "e.db") == declared()


def test_every_migration_after_the_baseline_has_a_postgresql_step():
    assert set(UPGRADES) == set(range(BASELINE_VERSION + 1, SCHEMA_VERSION + 1))


_PG_TYPES = {"text": "text", "bigint": "integer", "double precision": "real"}


def postgres_schema(store: Store) -> dict:
    """What PostgreSQL holds, read from its catalogue (its own extras left out)."""
    tables = {}
    for name in store.db.table_names():
        rows = store.conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()
        extra = EXTRA_COLUMNS.get(name, ())
        columns = [(c, _PG_TYPES[t], n == "NO") for c, t, n in rows if c not in extra]
        key = [
            r[0]
            for r in store.conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary "
                "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                [name],
            )
        ]
        fks = sorted(
            tuple(r)
            for r in store.conn.execute(
                "SELECT kcu.column_name, ccu.table_name, ccu.column_name "
                "FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu "
                "ON kcu.constraint_name = tc.constraint_name "
                "JOIN information_schema.constraint_column_usage ccu "
                "ON ccu.constraint_name = tc.constraint_name "
                "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = ? "
                "AND tc.table_schema = current_schema()",
                [name],
            )
        )
        # Identity columns are NOT NULL in PostgreSQL; SQLite's rowid alias is too, implicitly.
        # (SQLite's text keys may hold NULL; PostgreSQL's never do: the key is compared apart.)
        columns = [(c, t, n and c not in key) for c, t, n in columns]
        tables[name] = (columns, key, fks)
    indexes = {}
    for name, table, definition in store.conn.execute(
        "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = "
        "current_schema() AND indexname NOT LIKE '%_pkey'"
    ):
        if name in EXTRA_INDEXES:
            continue
        body = re.search(r"USING btree \((.*?)\)(?: WHERE (.*))?$", definition)
        assert body, definition
        cols = [c.strip().lower() for c in body.group(1).split(",")]
        where = body.group(2)
        indexes[name] = (table, cols, "UNIQUE INDEX" in definition, where)
    return {"tables": tables, "indexes": indexes}


def _normal_where(where: str | None) -> str | None:
    """PostgreSQL prints a partial index's WHERE its own way; compare the words."""
    if where is None:
        return None
    where = where.replace("ANY (ARRAY[", "IN (").replace("::text", "").replace("])", ")")
    where = where.replace("<>", "!=")
    return re.sub(r"[()\s]+", " ", where.replace("= IN", "IN")).strip().lower()


def test_postgresql_holds_exactly_the_declared_schema(pg_url):
    with Store(pg_url) as store:
        found = postgres_schema(store)
    expected = declared()
    # A key column is NOT NULL in PostgreSQL whether declared so or not: compared apart.
    expected_tables = {
        name: ([(c, t, n and c not in key) for c, t, n in columns], key, fks)
        for name, (columns, key, fks) in expected["tables"].items()
    }
    assert found["tables"] == expected_tables
    norm = {k: (*v[:3], _normal_where(v[3])) for k, v in found["indexes"].items()}
    want = {k: (*v[:3], _normal_where(v[3])) for k, v in expected["indexes"].items()}
    assert norm == want


def test_a_postgresql_database_with_other_tables_is_refused(pg_url):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id integer)")
    with pytest.raises(StoreError) as error:
        Store(pg_url)
    assert str(error.value).startswith(f"{pg_url}: not an earmark database")


def test_an_unreachable_server_is_one_line_naming_where_to_look(pg_server):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://earmark@127.0.0.1:{port}/nowhere"
    with pytest.raises(StoreError) as error:
        Store(url)
    message = str(error.value)
    assert message.startswith(f"{url}: cannot reach the database server (")
    assert "\n" not in message and "PGPASSWORD" in message


# -- the URL and its password ----------------------------------------------------------------

SECRET = "s3cr3t-Pa55word-xyz"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql://ann:{SECRET}@db.example:5433/earmark", "postgresql://ann@db.example:5433/earmark"),
        ("postgresql://db.example/earmark", "postgresql://db.example/earmark"),
        (f"postgres://ann@h/e?password={SECRET}&sslmode=require", "postgres://ann@h/e?sslmode=require"),
    ],
)  # fmt: skip
def test_a_url_is_shown_without_its_password(url, shown):
    assert display_url(url) == shown
    assert SECRET not in display_url(url)
    assert written_password(url) == (SECRET in url)


def test_only_postgresql_urls_leave_sqlite(tmp_path):
    assert is_postgres_url("postgresql://h/d") and is_postgres_url("POSTGRES://h/d")
    assert not is_postgres_url(tmp_path / "e.db") and not is_postgres_url("earmark.db")
    assert not is_postgres_url("sqlite://x")


def test_a_password_in_the_config_is_refused_without_echoing_it(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(f"database: postgresql://ann:{SECRET}@127.0.0.1/earmark\n")
    result = CliRunner().invoke(cli, ["-c", str(config), "config"])
    assert result.exit_code == 1
    assert "database: a password in the database URL is refused" in result.stderr
    assert "EARMARK_DATABASE_URL" in result.stderr
    assert SECRET not in result.output and SECRET not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_password_on_the_command_line_is_refused(tmp_path):
    url = f"postgresql://ann:{SECRET}@127.0.0.1:1/earmark"
    result = CliRunner().invoke(cli, ["--db", url, "runs"])
    assert result.exit_code == 1
    assert "--db: a password in the database URL is refused" in result.stderr
    assert SECRET not in result.stderr


def test_the_password_from_the_environment_never_shows(pg_server, pg_url, tmp_path):
    """EARMARK_DATABASE_URL carries the password; `config` and a failing connection show the
    URL without it (the server does not check it: trust authentication)."""
    import socket

    with_password = pg_url.replace("earmark@", f"earmark:{SECRET}@")
    config = tmp_path / "earmark.yaml"
    config.write_text("topics: [{name: acme, kind: brand, terms: [acme]}]\n")
    env = {"EARMARK_DATABASE_URL": with_password}
    shown = CliRunner().invoke(cli, ["-c", str(config), "config", "-f", "json"], env=env)
    assert shown.exit_code == 0, shown.stderr
    assert pg_url in shown.stdout
    assert SECRET not in shown.output
    listed = CliRunner().invoke(cli, ["-c", str(config), "runs", "-f", "json"], env=env)
    assert listed.exit_code == 0, listed.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"EARMARK_DATABASE_URL": f"postgresql://ann:{SECRET}@127.0.0.1:{port}/x"}
    failed = CliRunner().invoke(cli, ["-c", str(config), "runs"], env=env)
    assert failed.exit_code == 1
    assert f"postgresql://ann@127.0.0.1:{port}/x: cannot reach the database server" in (
        failed.stderr
    )
    assert SECRET not in failed.output


# -- the dialect ------------------------------------------------------------------------------


def test_statements_are_translated_once_for_postgresql():
    sql, returns_id = translate("INSERT INTO events (type, at) VALUES (?, ?)")
    assert (sql, returns_id) == ("INSERT INTO events (type, at) VALUES (%s, %s) RETURNING id", True)
    sql, _ = translate("INSERT OR IGNORE INTO exports (destination) VALUES (?)")
    assert sql.endswith("ON CONFLICT DO NOTHING")
    sql, _ = translate("SELECT strftime('%s', at), 'a?b' FROM t WHERE x IN () AND y = ?")
    assert sql == "SELECT strftime('%%s', at), 'a?b' FROM t WHERE FALSE AND y = %s"
    sql, _ = translate("SELECT id FROM (SELECT id FROM t) UNION ALL SELECT 1 FROM (SELECT 2) top")
    assert (
        sql == "SELECT id FROM (SELECT id FROM t) AS _sub1 UNION ALL SELECT 1 FROM (SELECT 2) top"
    )


_WORDS = "regexp_replace(?, '[^[:alnum:]]+', ' ', 'g')"
_PHRASE = f"phraseto_tsquery('simple', {_WORDS})"
_PREFIX = f"to_tsquery('simple', quote_literal({_WORDS}) || ':*')"


@pytest.mark.parametrize(
    ("fts5", "expression", "params"),
    [
        ('"hub 503"', _PHRASE, ["hub 503"]),
        ("twice OR 503", f"{_PHRASE} || {_PHRASE}", ["twice", "503"]),
        ("charg*", _PREFIX, ["charg"]),
        ("outage NOT planned", f"{_PHRASE} && !! {_PHRASE}", ["outage", "planned"]),
        ("(a OR b) c", f"( {_PHRASE} || {_PHRASE} ) && {_PHRASE}", ["a", "b", "c"]),
        ('"say ""hi"""', _PHRASE, ['say "hi"']),
    ],
)
def test_fts5_queries_become_text_search_expressions(fts5, expression, params):
    assert fts5_to_tsquery(fts5) == (expression, params)


@pytest.mark.parametrize("bad", ['"unclosed', "a OR", "NEAR(a b)", "text:word", "(a", "a)", ""])
def test_fts5_queries_postgresql_cannot_express_are_refused(bad):
    with pytest.raises(FullTextQueryError):
        fts5_to_tsquery(bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcXYZ019-'é ()*", min_size=1, max_size=8), max_size=4))
def test_quoted_words_always_translate_with_one_parameter_each(words):
    query = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    if not words:
        with pytest.raises(FullTextQueryError):
            fts5_to_tsquery(query)
        return
    expression, params = fts5_to_tsquery(query)
    assert params == words  # the words reach the server as parameters, never as SQL
    assert expression.count("?") == len(words)
