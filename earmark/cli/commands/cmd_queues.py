"""Commands: route, queue, next, claim, respond, resolve, dismiss, reassign, escalate, reopen,
explain, stats, agents."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from earmark.cli.app import App, pass_app
from earmark.cli.output import format_option, resolve_format, write_records
from earmark.errors import UsageError
from earmark.models import OPEN_STATUSES, parse_duration


def actor_option(
    help_text: str = "Who is acting [default: $EARMARK_AGENT, else $USER].",
) -> callable:
    return click.option("--agent", "--as", "actor", default=None, metavar="NAME", help=help_text)


def _actor(app: App, option: str | None) -> str:
    from export.queues.actions import resolve_actor

    return resolve_actor(option, app.env)


def _synced(app: App):
    """Return the queue settings after mirroring the agents into the DB (actions need them)."""
    from export.queues.routing import sync_agents

    config = app.config
    store = app.existing_store  # acting on or reading items never creates a database
    if config.agents:
        with store.transaction():
            sync_agents(store, config.queue_settings(), now=app.now())
    return config.queue_settings()


def _act(
    app: App, action: Callable[..., dict], opportunity_id: int, actor: str | None, **options
) -> None:
    """Run one agent action of export.queues.actions (claim, respond, ...) on the item, as the
    acting agent, now; then say on stderr where the item is (`claim 12: now claimed (ann)`)."""
    item = action(
        app.existing_store,
        _synced(app),
        opportunity_id,
        actor=_actor(app, actor),
        now=app.now(),
        **options,
    )
    holder = f" ({item['agent']})" if item["agent"] else ""
    app.say(f"{action.__name__} {item['id']}: now {item['status']}{holder}")


@click.command()
@pass_app
def route(app: App) -> None:
    """Turn classified opportunities into queued items and assign them to agents.

    Also syncs agents from the config, re-prioritises items near or past their SLA and
    returns unanswered assignments to the pool. Silent when nothing changed.
    """
    from export.queues.routing import route_opportunities

    settings = app.require_config().queue_settings()
    with app.progress() as progress:
        report = route_opportunities(app.store, settings, now=app.now(), progress=progress)
    if report.changed:
        app.say(report.summary())
    elif report.unrouted:
        app.debug(f"route: {report.unrouted} opportunities match no queue")


@click.command()
@click.argument("queue_name", metavar="[QUEUE]", required=False)
@click.option("--agent", default=None, metavar="NAME", help="Only items held by this agent.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(OPEN_STATUSES),
    help="Only these statuses (repeatable) [default: every open status].",
)
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@format_option()
@pass_app
def queue(
    app: App,
    queue_name: str | None,
    agent: str | None,
    statuses: tuple,
    limit: int,
    fmt: str | None,
) -> None:
    """List open work most urgent first (SLA breached, at risk, then priority and age).

    Queues come in the order of their most urgent item; each row shows the time left to its SLA.
    """
    from earmark.cli.table_specs import QUEUE
    from export.queues.views import for_table, item_record

    config = app.config
    known = {q.name for q in config.queues}
    if queue_name and known and queue_name not in known:
        raise UsageError(f"unknown queue {queue_name!r} (queues: {', '.join(sorted(known))})")
    now = app.now()
    fraction = config.routing.at_risk_fraction
    items = app.existing_store.queues.urgent_items(
        queue=queue_name,
        agent=agent,
        statuses=statuses or OPEN_STATUSES,
        limit=limit,
        now=now,
        at_risk_fraction=fraction,
    )
    records = [item_record(i, now, fraction) for i in items]
    fmt = resolve_format(fmt)
    if fmt == "table":
        if records:
            write_records(for_table(records), fmt, QUEUE, out=sys.stdout)
        return
    write_records(records, fmt, out=sys.stdout)


@click.command(name="next")
@actor_option("The agent asking [default: $EARMARK_AGENT, else $USER].")
@click.option(
    "--claim",
    "take",
    is_flag=True,
    help="Claim the item shown, in the same transaction that picks it (never one item to two "
    "agents at once).",
)
@format_option(("table", "json", "jsonl"))
@pass_app
def next_(app: App, actor: str | None, take: bool, fmt: str | None) -> None:
    """Show the agent's single most urgent item: their own first, else the top of a pool.

    With --claim, the item is also claimed (an item assigned to you is accepted), so agents
    looping `next --claim` at once each get a different item.
    """
    from earmark.cli.queue_tables import render_item
    from export.queues.next_claim import next_and_claim
    from export.queues.views import next_item

    name = _actor(app, actor)
    pick = next_and_claim if take else next_item
    found = pick(app.existing_store, _synced(app), name, app.now())
    if found is None:
        app.say(f"next: nothing waiting for {name}")
        return
    record, mine = found
    fmt = resolve_format(fmt)
    if fmt == "table":
        render_item(record, mine=mine, out=sys.stdout)
    else:
        write_records([{**record, "mine": mine}], fmt, out=sys.stdout)


def _id_argument(func):
    return click.argument("opportunity_id", metavar="ID", type=int)(func)


def _force_option(func):
    return click.option(
        "--force",
        is_flag=True,
        help="A lead's override of the routing rules (holder, queue, language, capacity); "
        "recorded in the event.",
    )(func)


@click.command()
@_id_argument
@actor_option("The agent claiming it [default: $EARMARK_AGENT, else $USER].")
@_force_option
@pass_app
def claim(app: App, opportunity_id: int, actor: str | None, force: bool) -> None:
    """Take an item from the pool, or accept one assigned to you.

    A pool item needs an agent who works its queue, speaks its language and has capacity,
    as routing does; a lead's --force overrides (recorded in the event).
    """
    from export.queues.actions import claim as do_claim

    _act(app, do_claim, opportunity_id, actor, force=force)


@click.command()
@_id_argument
@actor_option("The agent who answered [default: $EARMARK_AGENT, else $USER].")
@_force_option
@pass_app
def respond(app: App, opportunity_id: int, actor: str | None, force: bool) -> None:
    """Record that you answered the customer (the first answer stops the SLA clock)."""
    from export.queues.actions import respond as do_respond

    _act(app, do_respond, opportunity_id, actor, force=force)


@click.command()
@_id_argument
@click.option("--note", default=None, help="What was done, kept in the event log.")
@actor_option()
@_force_option
@pass_app
def resolve(
    app: App, opportunity_id: int, note: str | None, actor: str | None, force: bool
) -> None:
    """Close an item as handled.

    Only its holder may (a lead's --force overrides, recorded in the event). Resolving an
    unanswered item counts as its first response unless routing.resolve_counts_as_response
    is false.
    """
    from export.queues.actions import resolve as do_resolve

    _act(app, do_resolve, opportunity_id, actor, note=note, force=force)


@click.command()
@_id_argument
@click.option("--reason", required=True, help="Why it needs no answer (spam, duplicate, ...).")
@actor_option()
@_force_option
@pass_app
def dismiss(app: App, opportunity_id: int, reason: str, actor: str | None, force: bool) -> None:
    """Close an item that needs no answer, saying why (only its holder, unless --force)."""
    from export.queues.actions import dismiss as do_dismiss

    _act(app, do_dismiss, opportunity_id, actor, reason=reason, force=force)


@click.command()
@_id_argument
@click.option("--to", "to", required=True, metavar="NAME", help="The agent taking it over.")
@actor_option()
@_force_option
@pass_app
def reassign(app: App, opportunity_id: int, to: str, force: bool, actor: str | None) -> None:
    """Hand an open item to another agent."""
    from export.queues.actions import reassign as do_reassign

    _act(app, do_reassign, opportunity_id, actor, to=to, force=force)


@click.command()
@_id_argument
@click.option("--to", "to", default=None, metavar="EXPERT", help="The expert [default: best fit].")
@actor_option()
@_force_option
@pass_app
def escalate(app: App, opportunity_id: int, to: str | None, actor: str | None, force: bool) -> None:
    """Hand an item to an expert (the named one, or the least-loaded expert with the skill)."""
    from export.queues.actions import escalate as do_escalate

    _act(app, do_escalate, opportunity_id, actor, to=to, force=force)


@click.command()
@_id_argument
@actor_option()
@pass_app
def reopen(app: App, opportunity_id: int, actor: str | None) -> None:
    """Reopen a resolved or dismissed item (back to its agent if still active)."""
    from export.queues.actions import reopen as do_reopen

    _act(app, do_reopen, opportunity_id, actor)


@click.command()
@_id_argument
@format_option(("table", "json", "jsonl"))
@pass_app
def explain(app: App, opportunity_id: int, fmt: str | None) -> None:
    """Show why an item is where it is: the rule that matched, every assignment and its
    candidates, and every event since."""
    from earmark.cli.model_explain import model_reasons, render_model_reasons
    from export.queues.views import explain as do_explain
    from export.queues.views import render_explanation

    settings = _synced(app)
    record = do_explain(app.existing_store, settings, opportunity_id, app.now())
    reasons = model_reasons(app.config, record["text"]) if app.config_path else None
    if reasons is not None:  # classify.model: which features decided the labels
        record["model"] = reasons
    fmt = resolve_format(fmt)
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
    elif fmt == "jsonl":
        click.echo(json.dumps(record, ensure_ascii=False, default=str))
    else:
        lines = render_explanation(record)
        if reasons is not None:
            lines += render_model_reasons(reasons)
        click.echo("\n".join(lines))


@click.command()
@click.option("--since", default="7d", show_default=True, help="The window (15m, 2h, 1d, 1w).")
@click.option("--by", type=click.Choice(["queue", "agent", "topic", "platform"]), default=None)
@format_option()
@pass_app
def stats(app: App, since: str, by: str | None, fmt: str | None) -> None:
    """Team metrics from the event log: volume, backlog, time to assignment and first
    response (median, p90), SLA breaches, resolution rate and agent load."""
    from earmark.cli.queue_tables import render_stats
    from export.queues.metrics import compute_stats

    try:
        window = parse_duration(since)
    except ValueError as error:
        raise UsageError(f"--since: {error}") from None
    now = app.now()
    records = compute_stats(
        app.existing_store, app.config.queue_settings(), now=now, since=now - window, by=by
    )
    fmt = resolve_format(fmt)
    if fmt == "table":
        title = f"earmark stats, last {since}" + (f", by {by}" if by else "")
        render_stats(records, by, title=title, out=sys.stdout)
    else:
        write_records(records, fmt, out=sys.stdout)


@click.command()
@format_option()
@pass_app
def agents(app: App, fmt: str | None) -> None:
    """List agents with their open load against their effective capacity."""
    from earmark.cli.table_specs import AGENTS
    from export.queues.views import agent_records

    records = agent_records(app.existing_store, _synced(app))
    fmt = resolve_format(fmt)
    if fmt == "table":
        for record in records:
            record["load"] = f"{record['load']}/{record['capacity']}"
        write_records(records, fmt, AGENTS, out=sys.stdout)
    else:
        write_records(records, fmt, out=sys.stdout)


COMMANDS = [
    route,
    queue,
    next_,
    claim,
    respond,
    resolve,
    dismiss,
    reassign,
    escalate,
    reopen,
    explain,
    stats,
    agents,
]
