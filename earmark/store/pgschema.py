"""PostgreSQL's schema, generated from the declaration in tables.py, and its migrations.

A new PostgreSQL database gets the whole declared schema in one step and records every
migration version up to SCHEMA_VERSION in the same migrations table SQLite uses. A database
made at an earlier version is brought up by the steps in UPGRADES (one per SQLite migration
after BASELINE_VERSION; a test requires one for each).

Besides the declared schema PostgreSQL has what SQLite has built in: a `rowid` on posts (the
order posts arrived, which classification reads in batches), the full-text GIN index, and the
few SQLite functions the store's SQL calls, as small SQL functions (COMPAT_FUNCTIONS).
"""

from __future__ import annotations

from earmark.store.pgsql import PG_DOCUMENT
from earmark.store.tables import INDEXES, MIGRATIONS_TABLE, TABLES, Index, Table

# Text compares byte by byte, as in SQLite (ISO times, names and ids sort the same on both).
PG_TYPES = {"text": 'text COLLATE "C"', "integer": "bigint", "real": "double precision"}
# The version whose schema tables.py declared when PostgreSQL support began.
BASELINE_VERSION = 12
# version -> statements bringing a PostgreSQL database from version - 1 to version.
UPGRADES: dict[int, tuple[str, ...]] = {}
# What PostgreSQL has beyond the declared schema (left out of the comparison with SQLite).
EXTRA_COLUMNS = {"posts": ("rowid",)}
EXTRA_INDEXES = ("idx_posts_rowid", "idx_posts_fts")

COMPAT_FUNCTIONS = (
    # strftime('%s', time): seconds since the epoch, as text (the store casts it).
    """CREATE OR REPLACE FUNCTION strftime(fmt text, value text) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT CASE WHEN fmt = '%s'
        THEN floor(extract(epoch FROM value::timestamptz))::bigint::text END
    $$""",
    # json_extract(json, '$.key' | '$[n]'): a string unquoted, anything else as JSON text.
    """CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT AS $$
      SELECT CASE json_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'null' THEN NULL
        ELSE v::text END
      FROM (SELECT doc::json #> regexp_split_to_array(trim(BOTH '.' FROM
        regexp_replace(substr(path, 2), '\\[(\\d+)\\]', '.\\1', 'g')), '\\.') AS v) AS found
    $$""",
    # json_each(array): one row per element (key, value); value as json_extract gives it.
    """CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE (key text, value text)
    LANGUAGE sql IMMUTABLE STRICT AS $$
      SELECT (n - 1)::text, CASE json_typeof(e) WHEN 'string' THEN e #>> '{}' ELSE e::text END
      FROM json_array_elements(doc::json) WITH ORDINALITY AS t(e, n)
    $$""",
    """CREATE OR REPLACE FUNCTION _earmark_jga_step(state jsonb, value anyelement)
    RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT state || jsonb_build_array(value) $$""",
    """CREATE OR REPLACE FUNCTION _earmark_jga_final(state jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT state::text $$""",
    """CREATE OR REPLACE AGGREGATE json_group_array(anyelement) (SFUNC = _earmark_jga_step,
    STYPE = jsonb, FINALFUNC = _earmark_jga_final, INITCOND = '[]')""",
    """CREATE OR REPLACE FUNCTION _earmark_gc_step(state text, value text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE WHEN value IS NULL THEN state WHEN state IS NULL THEN value
        ELSE state || ',' || value END
    $$""",
    """CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = _earmark_gc_step, STYPE = text)""",
    # printf with %s, %d, %Nd, %0Nd and %%: what the store's sort keys use.
    """CREATE OR REPLACE FUNCTION _earmark_printf(fmt text, args text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE
      result text := ''; rest text := fmt; m text[]; arg int := 0; piece text;
    BEGIN
      LOOP
        m := regexp_match(rest, '^(.*?)%(0?)(\\d*)([sd%])(.*)$');
        EXIT WHEN m IS NULL;
        result := result || m[1];
        IF m[4] = '%' THEN
          result := result || '%';
        ELSE
          arg := arg + 1;
          piece := coalesce(args[arg], '');
          IF m[3] <> '' AND length(piece) < m[3]::int THEN
            piece := lpad(piece, m[3]::int, CASE WHEN m[2] = '0' THEN '0' ELSE ' ' END);
          END IF;
          result := result || piece;
        END IF;
        rest := m[5];
      END LOOP;
      RETURN result || rest;
    END $$""",
    # The sort key of earmark.store.ordering spelled out (an inlined SQL function: ranking a
    # backlog calls it once per item), any other format through _earmark_printf.
    """CREATE OR REPLACE FUNCTION printf(fmt text, a bigint, b text, c bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE WHEN fmt = '%04d|%s|%012d' AND a BETWEEN 0 AND 9999 AND c >= 0
        THEN lpad(a::text, 4, '0') || '|' || b || '|' || lpad(c::text, 12, '0')
        ELSE _earmark_printf(fmt, ARRAY[a::text, b, c::text]) END
    $$""",
    # round(double, digits): PostgreSQL rounds to digits only numerics.
    """CREATE OR REPLACE FUNCTION round(value double precision, digits integer)
    RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
      SELECT round(value::numeric, digits)::double precision
    $$""",
)


def create_table(declared: Table) -> str:
    """Return the CREATE TABLE of a declared table."""
    lines = []
    for column in declared.columns:
        if declared.identity and column.name == "id":
            lines.append('"id" bigint GENERATED BY DEFAULT AS IDENTITY')
            continue
        null = " NOT NULL" if column.not_null else ""
        lines.append(f'"{column.name}" {PG_TYPES[column.type]}{null}')
    for extra in EXTRA_COLUMNS.get(declared.name, ()):
        lines.append(f'"{extra}" bigint GENERATED BY DEFAULT AS IDENTITY')
    lines.append(f"PRIMARY KEY ({', '.join(declared.primary_key)})")
    for name, parent, key in declared.foreign_keys:
        lines.append(f"FOREIGN KEY ({name}) REFERENCES {parent} ({key})")
    return f'CREATE TABLE "{declared.name}" (\n  ' + ",\n  ".join(lines) + "\n)"


def create_index(index: Index) -> str:
    """Return the CREATE INDEX of a declared index."""
    unique = "UNIQUE " if index.unique else ""
    where = f" WHERE {index.where}" if index.where else ""
    return f"CREATE {unique}INDEX {index.name} ON {index.table} ({', '.join(index.columns)}){where}"


def baseline() -> list[str]:
    """Return every statement that creates the schema at SCHEMA_VERSION in an empty database."""
    statements = list(COMPAT_FUNCTIONS)
    statements += [create_table(t) for t in TABLES]
    statements += [create_index(i) for i in INDEXES]
    statements.append("CREATE UNIQUE INDEX idx_posts_rowid ON posts (rowid)")
    statements.append(f"CREATE INDEX idx_posts_fts ON posts USING gin ({PG_DOCUMENT})")
    return statements


__all__ = ["BASELINE_VERSION", "MIGRATIONS_TABLE", "UPGRADES", "baseline"]
