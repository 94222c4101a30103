"""Command: report — one self-contained HTML page of the queues, charts and urgent work."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from earmark.cli.app import App, pass_app
from earmark.errors import EarmarkError, UsageError
from earmark.models import parse_duration


@click.command()
@click.option(
    "-o",
    "--output",
    default="-",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the page to this file [default: - (stdout)].",
)
@click.option(
    "--since", default="7d", show_default=True, help="The charts' window (2h, 1d, 1w...)."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="List at most N open items, most urgent first.",
)
@pass_app
def report(app: App, output: str, since: str, limit: int) -> None:
    """Write an HTML report: open work per queue, charts, then the most urgent open items.

    One self-contained file (inline CSS and SVG, no script, nothing fetched), for a browser,
    an attachment or a shared folder. At the top: open, breached and at-risk items per queue,
    the most urgent queue first. Then charts of the posts of the --since window (posts per
    hour or day by sentiment, primary intents, share of voice by topic) and of every open
    item (backlog by SLA state, first-response and waiting times per queue), each with its
    numbers as a table. Then the --limit most urgent open items, in the order of `queue`.
    """
    from export.report import write_store_report

    try:
        window = parse_duration(since)
    except ValueError as error:
        raise UsageError(f"--since: {error}") from None
    if window.total_seconds() <= 0:
        raise UsageError("--since: give a positive duration, e.g. 7d")
    if output == "-" and sys.stdout.isatty():
        raise UsageError("report: the page is HTML; pass -o report.html or redirect stdout")
    store = app.existing_store  # a report only reads: it never creates a database
    config = app.config
    options = {
        "now": app.now(),
        "since": window,
        "at_risk_fraction": config.routing.at_risk_fraction,
        "queue_names": [q.name for q in config.queues],
        "limit": limit,
    }
    if output == "-":
        write_store_report(store, sys.stdout, **options)
        sys.stdout.flush()
        return
    target = Path(output)
    # Written beside the target, then renamed: a reader never sees half a page.
    try:
        handle = tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=target.parent if str(target.parent) else ".",
            prefix=f".{target.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as error:
        raise EarmarkError(f"{output}: cannot write the report ({error.strerror})") from None
    try:
        with handle:
            write_store_report(store, handle, **options)
        os.replace(handle.name, target)
    except OSError as error:
        raise EarmarkError(f"{output}: cannot write the report ({error.strerror})") from None
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
    app.debug(f"report: wrote {output}")


COMMANDS = [report]
