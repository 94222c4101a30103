"""Commands: alerts."""

from __future__ import annotations

import sys

import click

from earmark.cli.app import App, pass_app
from earmark.cli.output import format_option, resolve_format, write_records

# Distinct from 1 (error), 2 (usage) and 3 (partial failure): cron can chain on it.
ALERT_EXIT_CODE = 4


@click.command("alerts")
@format_option(("table", "json", "jsonl"))
@click.option(
    "--dry-run", is_flag=True, help="Evaluate and print; send nothing and change no alert state."
)
@click.option(
    "--explain",
    is_flag=True,
    help="Print every check (counts, baseline, z, warm-up, state) and send nothing.",
)
@pass_app
@click.pass_context
def alerts_command(
    ctx: click.Context, app: App, fmt: str | None, dry_run: bool, explain: bool
) -> None:
    """Check topics for spikes and queues for thresholds; print and send the alerts.

    Each topic's last window (e.g. 1h) is compared with its baseline (e.g. the 12h before, as
    12 buckets of 1h): an alert fires when the count is k standard deviations above the
    baseline mean and at least min_count. One incident sends one alert, and an all-clear
    when it ends. Alerts go to the notifiers of the config (alerts.notify).

    --explain shows the numbers behind every check, to tune sensitivity and min_count.

    Exit codes: 0 no alert fired (all-clears alone exit 0), 4 an alert fired,
    3 an alert could not be delivered (it is retried next run), 1 error.
    """
    from earmark.cli.table_specs import ALERTS
    from export.alerts.messages import render_row
    from export.alerts.stage import explain_alerts, run_alerts

    config = app.require_config()
    if explain:
        checks = explain_alerts(app.existing_store, config.alert_settings(), now=app.now())
        if checks:
            write_records(checks, resolve_format(fmt), title="Alert checks", out=sys.stdout)
        return
    run = run_alerts(
        app.existing_store, config.alert_settings(), now=app.now(), dry_run=dry_run, env=app.env
    )
    fmt = resolve_format(fmt)
    if run:
        if fmt == "table":
            rows = [render_row(alert) for alert in run]
            write_records(rows, fmt, ALERTS, title="Alerts", out=sys.stdout)
        else:
            # sys.stdout, not click.get_text_stream (deprecated in click 8.5).
            write_records([alert.to_record() for alert in run], fmt, out=sys.stdout)
    for alert in run:
        sent = ", ".join(alert.delivered) or "nobody"
        app.debug(f"alerts: {alert.key} {alert.status}, sent to {sent}")
    for error in run.errors:
        app.say(f"Error: {error}")
    if run.errors:
        ctx.exit(3)
    if run.fired:
        ctx.exit(ALERT_EXIT_CODE)


COMMANDS = [alerts_command]
