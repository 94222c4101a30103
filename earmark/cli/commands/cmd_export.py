"""Commands: export (formats for pipes and people) and notify (Slack, email, JSON webhooks)."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click

from earmark.cli.app import App, pass_app
from earmark.errors import UsageError
from earmark.models import CLOSED_STATUSES, OPEN_STATUSES, parse_duration

EXPORT_FORMATS = ("table", "json", "jsonl", "csv", "markdown", "html", "slack", "email")
STATUS_CHOICES = (*OPEN_STATUSES, *CLOSED_STATUSES, "all")


def _since(app: App, since: str | None):
    if since is None:
        return None
    try:
        return app.now() - parse_duration(since)
    except ValueError as error:
        raise UsageError(f"--since: {error}") from None


def write_export_table(rows, columns, *, title=None, out=None) -> None:
    """Draw the export's rows (columns: export.formats.records.TABLE_COLUMNS) as its table."""
    from earmark.cli.output import write_table
    from earmark.cli.table_specs import EXPORT

    write_table(rows, EXPORT, title=title, out=out)


@click.command()
@click.option("--queue", "queues", multiple=True, help="Only this queue (repeatable).")
@click.option("--agent", help="Only items assigned to this agent.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUS_CHOICES),
    help="Only this status (repeatable; `all` for every status) [default: open ones].",
)
@click.option("--min-priority", type=click.IntRange(0, 100), help="Only priority N or more.")
@click.option("--since", help="Only opportunities created within this time, e.g. 2h, 1d.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default=None,
    help="Output format [default: table on a terminal, jsonl when piped].",
)
@click.option("--new", is_flag=True, help="Only what was not yet exported to --dest.")
@click.option("--dest", help="Destination name that --new remembers, e.g. slack.")
@click.option("--redact", is_flag=True, help="Mask personal data (emails, phones, order numbers).")
@pass_app
def export(
    app: App,
    queues: tuple[str, ...],
    agent: str | None,
    statuses: tuple[str, ...],
    min_priority: int | None,
    since: str | None,
    fmt: str | None,
    new: bool,
    dest: str | None,
    redact: bool,
) -> None:
    """Export support opportunities as a table, data, or a digest for Slack and email.

    With --new --dest NAME only what has not reached NAME yet is written, and it is recorded
    only once the output was fully written: a failed pipe sends it again next time. Nothing
    new prints nothing. One --new export (or notify) at a time per database: another one
    waits up to $EARMARK_LOCK_WAIT seconds (default 60), then exits 75. Digests: markdown,
    html, slack (a Block Kit payload for `curl -d @- $WEBHOOK`), email (a MIME message for
    `sendmail -t`).
    """
    from earmark.cli.output import resolve_format
    from earmark.lock import EXIT_LOCKED, LockedError
    from export.formats.writer import ExportFilters, write_export
    from export.notify import delivery_lock

    if new != bool(dest):
        raise UsageError("--new and --dest go together: --new --dest NAME")
    if dest is not None and not dest.strip():
        raise UsageError("--dest: give a destination name, e.g. --dest slack")
    status = None if "all" in statuses else (list(statuses) or list(OPEN_STATUSES))
    filters = ExportFilters(
        queue=list(queues) or None,
        agent=agent,
        status=status,
        min_priority=min_priority,
        since=_since(app, since),
    )
    out = sys.stdout
    fmt = resolve_format(fmt, out)
    email = app.config.notify.email if fmt == "email" else None
    store = app.existing_store  # exporting never creates a database
    # --new: one process at a time selects, writes and records for the database, so three
    # exports started together write each item once between them.
    try:
        with delivery_lock(store, app.env) if dest else nullcontext():
            result = write_export(
                store,
                out,
                fmt=fmt,
                now=app.now(),
                filters=filters,
                destination=dest,
                redact=redact,
                email=email,
                render_table=write_export_table,
                at_risk_fraction=app.config.routing.at_risk_fraction,
            )
    except LockedError as error:
        app.say(f"earmark export: {error}")
        raise SystemExit(EXIT_LOCKED) from None
    if dest and result.written:
        app.debug(f"export: {len(result.written)} written, recorded for {dest}")


@click.command()
@click.argument("channel", type=click.Choice(["slack", "email", "webhook"]))
@click.option("--queue", "queues", multiple=True, help="Only this queue (repeatable).")
@click.option("--min-priority", type=click.IntRange(0, 100), help="Only priority N or more.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option("--redact", is_flag=True, help="Mask personal data in what is sent.")
@click.pass_context
@pass_app
def notify(
    app: App,
    ctx: click.Context,
    channel: str,
    queues: tuple[str, ...],
    min_priority: int | None,
    dry_run: bool,
    redact: bool,
) -> None:
    """Deliver new opportunities to Slack, email or a JSON webhook, each exactly once.

    An item is recorded as delivered only when the destination accepted it; failures are
    retried with backoff and left for the next run. Exit 3 when only part was delivered, 75
    when another earmark process kept delivering from the database ($EARMARK_LOCK_WAIT,
    default 60 s).
    """
    from earmark.lock import EXIT_LOCKED, LockedError
    from export.notify import NotifyError, notify_new

    config = app.require_config()
    try:
        report = notify_new(
            app.existing_store,
            config.notify,
            channel,
            now=app.now(),
            dry_run=dry_run,
            queue=list(queues) or None,
            min_priority=min_priority,
            redact=redact,
            env=app.env,
            out=sys.stdout,
            at_risk_fraction=config.routing.at_risk_fraction,
        )
    except LockedError as error:
        app.say(f"earmark notify: {error}")
        raise SystemExit(EXIT_LOCKED) from None
    if report.errors and not report.delivered:
        raise NotifyError(report.errors[0])
    for error in report.errors:
        app.say(f"error: {error}")
    if report.delivered and not dry_run:
        app.say(report.summary())
    if report.errors:
        ctx.exit(3)


COMMANDS = [export, notify]
