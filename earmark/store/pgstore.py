"""Opening and migrating a PostgreSQL store (Store calls these for a postgresql:// URL)."""

from __future__ import annotations

from earmark.dburl import display_url, url_password
from earmark.models import to_iso, utcnow
from earmark.redaction import register_secret
from earmark.store.faults import StoreError
from earmark.store.pgconn import PgConnection, connect
from earmark.store.pgschema import BASELINE_VERSION, UPGRADES, baseline
from earmark.store.schema import SCHEMA_VERSION
from earmark.store.tables import MIGRATIONS_TABLE


def open_connection(url: str) -> PgConnection:
    """Connect to the database at url; its password (if any) is scrubbed from all output."""
    register_secret(url_password(url))
    where = display_url(url)
    return PgConnection(where, connect(url, where))


def schema_version(connection: PgConnection) -> int:
    """Return how many migrations this database has applied (0: none, or no earmark tables)."""
    if MIGRATIONS_TABLE not in connection.db.table_names():
        return 0
    row = connection.pg.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone()
    return row[0] or 0


def ensure_schema(connection: PgConnection) -> int:
    """Apply the migrations this database lacks; return how many. Under the write lock, so
    of several processes opening a new database one migrates and the others find it done."""
    if schema_version(connection) == SCHEMA_VERSION:
        return 0
    with connection.transaction():
        return _migrate(connection)


def _migrate(connection: PgConnection) -> int:
    where = connection.path
    existing = set(connection.db.table_names())
    current = schema_version(connection)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{where}: database schema version {current} is newer than this earmark "
            f"supports ({SCHEMA_VERSION}); upgrade earmark"
        )
    if current == 0 and existing - {MIGRATIONS_TABLE}:
        raise StoreError(
            f"{where}: not an earmark database (its schema has other tables); point the URL at "
            "an empty database or schema"
        )
    raw = connection.pg.raw
    now = to_iso(utcnow())
    if current == 0:
        for statement in baseline():
            _run(connection, statement)
        versions = range(1, SCHEMA_VERSION + 1)
    else:
        versions = range(max(current, BASELINE_VERSION) + 1, SCHEMA_VERSION + 1)
        for version in versions:
            for statement in UPGRADES[version]:
                _run(connection, statement)
    with raw.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {MIGRATIONS_TABLE} (version, applied_at) VALUES (%s, %s)",
            [(version, now) for version in versions],
        )
    return len(versions)


def _run(connection: PgConnection, statement: str) -> None:
    """Run one DDL statement as written (no placeholder translation)."""
    import psycopg

    from earmark.store.pgconn import explain_pg_fault

    try:
        connection.pg.raw.execute(statement)
    except psycopg.Error as error:
        raise explain_pg_fault(connection.path, error) from error
