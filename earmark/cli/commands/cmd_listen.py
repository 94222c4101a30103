"""Commands: listen (fetch new posts), sources (what can listen, and how it went), topics test."""

from __future__ import annotations

import sys

import click

from earmark.cli.app import App, pass_app
from earmark.cli.output import format_option, resolve_format, write_records
from earmark.cli.table_specs import SOURCES
from earmark.errors import UsageError

MAX_WARNINGS_SHOWN = 10


@click.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Only this source (repeat for several) [default: every configured source].",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="NAME",
    help="Only fetch for this topic (repeat for several); posts are still matched to all.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="At most N posts per source and topic.",
)
@click.option(
    "--since", default=None, metavar="DURATION", help="Only posts newer than this (2h, 1d)."
)
@click.option(
    "--file",
    "file_path",
    default=None,
    metavar="PATH",
    help="Import this JSONL/CSV file (or - for stdin) with the file source, instead of the "
    "configured sources.",
)
@click.pass_context
@pass_app
def listen(
    app: App,
    ctx: click.Context,
    sources: tuple[str, ...],
    topics: tuple[str, ...],
    limit: int | None,
    since: str | None,
    file_path: str | None,
) -> None:
    """Fetch new posts from the configured sources and store those that match a topic.

    Prints nothing when nothing is new; otherwise one line per source on stderr. Exit 3 when
    some sources failed, 1 when all failed.
    """
    from listen.runner import run_listen

    config = app.require_config()
    if file_path:
        config = _with_file_source(config, file_path, sources)
        sources = ("file",)
    since_at = None
    if since:
        from earmark.models import parse_duration

        try:
            since_at = app.now() - parse_duration(since)
        except ValueError as error:
            raise UsageError(f"--since: {error}") from None
    with app.progress() as progress:
        report = run_listen(
            app.store,
            config.listen_settings(),
            source_names=list(sources) or None,
            topic_names=list(topics) or None,
            limit=limit,
            since=since_at,
            env=app.env,
            now=app.now(),
            progress=progress,
        )
    for source in report.sources.values():
        if source.error or source.new or source.skipped:
            app.say(source.summary_line())
        for warning in source.warnings[:MAX_WARNINGS_SHOWN]:
            app.say(f"{source.source}: {warning} (skipped)")
        if len(source.warnings) > MAX_WARNINGS_SHOWN:
            app.say(f"{source.source}: ... and {len(source.warnings) - MAX_WARNINGS_SHOWN} more")
    code = report.exit_code()
    if code:
        ctx.exit(code)


def _with_file_source(config, path: str, sources: tuple[str, ...]):
    import dataclasses

    from listen.file import FileSettings

    if sources and set(sources) != {"file"}:
        raise UsageError("--file reads only the file source: drop --source")
    current = config.sources.get("file")
    settings = (
        dataclasses.replace(current, path=path) if current is not None else FileSettings(path=path)
    )
    return dataclasses.replace(config, sources={**config.sources, "file": settings})


@click.command("sources")
@format_option()
@pass_app
def sources_command(app: App, fmt: str | None) -> None:
    """List every source: configured or not, credentials set or unset (never their values),
    last run, last error and cursors."""
    from listen.registry import SOURCE_NAMES

    config = app.config
    fmt = resolve_format(fmt)
    health = app.store.health.source_health()
    cursors: dict[str, list[str]] = {}
    for row in app.store.posts.cursors():
        value = _short_cursor(row["value"]) if fmt == "table" else row["value"]
        cursors.setdefault(row["source"], []).append(f"{row['topic']}={value}")
    records = []
    for name in SOURCE_NAMES:
        state = health.get(name, {})
        configured = name in config.sources
        credentials, note = _describe(name, config.sources.get(name), app.env)
        records.append(
            {
                "source": name,
                "configured": "yes" if configured else "no",
                "credentials": credentials,
                "last_run": state.get("last_attempt_at"),
                "last_new": state.get("last_new_at"),
                "last_error": state.get("last_error"),
                "cursors": cursors.get(name, []),
                "note": note,
            }
        )
    # sys.stdout, not output.py's default click.get_text_stream (deprecated in click 8.5).
    write_records(records, fmt, SOURCES, title="sources", out=sys.stdout)


def _short_cursor(value: str) -> str:
    """Shorten a cursor for a table: the file source's becomes `line N`."""
    import json

    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if isinstance(data, dict) and "line" in data and "offset" in data:
        return f"line {data['line']}"
    return value if len(value) <= 32 else value[:31] + "…"


def _describe(name: str, settings, env) -> tuple[str, str]:
    """Return (credentials as NAME=set/unset, note) for a source, without reading any value."""
    from listen.registry import source_class

    try:
        cls = source_class(name)
    except Exception as error:  # a source that cannot load is still listed
        return "", f"unavailable ({type(error).__name__}: {error})"
    flags: dict[str, bool] = {}
    try:
        if settings is None:
            settings = cls.settings_class()
        flags = cls(settings, env=env).credentials()
    except Exception:  # settings with required keys, or a source that checks on start
        flags = {key: bool(env.get(key)) for key in getattr(cls, "env_keys", ())}
    text = ", ".join(f"{key}={'set' if ok else 'unset'}" for key, ok in flags.items())
    return text or "none needed", getattr(cls, "note", "")


@click.group("topics")
def topics_group() -> None:
    """Check the configured topics."""


@topics_group.command("test")
@click.pass_context
@pass_app
def topics_test(app: App, ctx: click.Context) -> None:
    """Check every topic's should_match / should_not_match examples; exit 1 if any fail."""
    from listen.matcher import check_examples

    config = app.require_config()
    checked, failures = check_examples(config.topics)
    for failure in failures:
        click.echo(failure.describe())
    if not checked:
        app.say("no golden examples: add should_match / should_not_match to your topics")
        return
    if failures:
        app.say(f"{len(failures)} of {checked} examples failed")
        ctx.exit(1)
    app.say(f"all {checked} examples pass")


COMMANDS = [listen, sources_command, topics_group]
