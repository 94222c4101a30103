"""`earmark db`: move a store between SQLite and PostgreSQL, and look it over."""

from __future__ import annotations

import json
import os

import click

from earmark.cli.app import App, pass_app
from earmark.dburl import DATABASE_URL_ENV, display_url, is_postgres_url, refuse_written_password
from earmark.errors import EarmarkError


@click.group()
def db() -> None:
    """Copy a store between SQLite and PostgreSQL, or check one."""


def _location(app: App, given: str, what: str) -> str:
    """Resolve SRC/DEST: an SQLite path, or a PostgreSQL URL without a password (the URL in
    $EARMARK_DATABASE_URL, password and all, when it names the same database)."""
    if not is_postgres_url(given):
        return given
    refuse_written_password(given, what)
    from_env = app.env.get(DATABASE_URL_ENV) or ""
    if from_env and display_url(from_env) == display_url(given):
        from earmark.dburl import url_password
        from earmark.redaction import register_secret

        register_secret(url_password(from_env))
        return from_env
    return given


@db.command("copy")
@click.argument("source", metavar="SRC")
@click.argument("dest", metavar="DEST")
@pass_app
def copy(app: App, source: str, dest: str) -> None:
    """Copy every table of the store SRC into DEST, then compare them row by row.

    SRC and DEST are SQLite files or PostgreSQL URLs (postgresql://host/db; the password from
    $EARMARK_DATABASE_URL, PGPASSWORD or ~/.pgpass). Rows already in DEST are updated, never
    duplicated, so the copy is safe to re-run. Prints each table's row count; exits 1 when a
    table differs after the copy.
    """
    from earmark.store import Store
    from earmark.store.copy import copy_store

    source = _location(app, source, "SRC")
    dest = _location(app, dest, "DEST")
    if not is_postgres_url(source) and not os.path.exists(source):
        raise EarmarkError(f"{source}: no such database (SRC)")
    with Store(source) as src, Store(dest) as dst:
        report = copy_store(src, dst)
        shown_from, shown_to = src.path, dst.path
    for name, count in report.counts.items():
        click.echo(f"{name}\t{count}")
    total = sum(report.counts.values())
    if not report.ok:
        where = "; ".join(f"{name}: {what}" for name, what in report.differences.items())
        raise EarmarkError(
            f"db copy: {shown_to} differs from {shown_from} after the copy ({where}); copy "
            "into an empty database, or check what else writes to it"
        )
    app.say(
        f"db copy: {total} rows in {len(report.counts)} tables copied from {shown_from} to "
        f"{shown_to}; every row compared equal"
    )


def _lock_state(lock) -> str:
    from earmark.lock import LockedError

    try:
        lock.acquire()
    except LockedError as error:
        return f"held ({error})"
    lock.release()
    return "free"


@db.command("check")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def check(app: App, fmt: str) -> None:
    """Show the store's engine, schema version, row counts, and whether it can be locked.

    Exits 1 when the store cannot be opened or its schema is newer than this earmark.
    """
    from earmark.lock import run_lock
    from earmark.store import StoreLockedError
    from earmark.store.copy import row_counts
    from earmark.store.schema import SCHEMA_VERSION

    store = app.existing_store
    try:
        with store.transaction():
            write = "ok"
    except StoreLockedError as error:
        write = f"busy ({error})"
    report = {
        "engine": store.engine,
        "database": store.path,
        "schema_version": store.schema_version(),
        "schema_version_supported": SCHEMA_VERSION,
        "rows": row_counts(store),
        "write_lock": write,
        "run_lock": _lock_state(run_lock(app.db_path)),
        "delivery_lock": _lock_state(store.delivery_lock(0.0)),
    }
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        if key == "rows":
            for name, count in value.items():
                click.echo(f"rows.{name}: {count}")
        else:
            click.echo(f"{key}: {value}")


COMMANDS = [db]
