"""Commands: run (the cron line), runs, search (live, no config) and posts (stored)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import click

from earmark.cli.app import App, pass_app
from earmark.cli.output import format_option, resolve_format, write_records
from earmark.cli.table_specs import POSTS, RUNS, SEARCH
from earmark.errors import EarmarkError, UsageError
from earmark.models import INTENTS, SENTIMENTS, format_duration, parse_duration, parse_iso, to_iso


def since_option(help_text: str = "Only what is newer than this (15m, 2h, 1d).") -> callable:
    return click.option("--since", default=None, help=help_text)


def since_to_iso(app: App, since: str | None) -> str | None:
    """Turn a --since duration into the ISO timestamp it means now."""
    if not since:
        return None
    try:
        return to_iso(app.now() - parse_duration(since))
    except ValueError as error:
        raise UsageError(f"--since: {error}") from None


def to_post_record(row: dict, now) -> dict:
    """Shape a stored post (with its labels) for output."""
    intents = json.loads(row["intents"]) if row.get("intents") else []
    return {
        "id": row["id"],
        "age": format_duration(now - parse_iso(row["created_at"])),
        "platform": row["platform"],
        "author": row["author"],
        "sentiment": row.get("sentiment"),
        "intent": row.get("primary_intent"),
        "intents": [name for name, _ in intents],
        "priority": row.get("priority"),
        "topics": (row.get("topics") or "").split(",") if row.get("topics") else [],
        "text": row["text"],
        "url": row["url"],
        "created_at": row["created_at"],
    }


def to_text_query(text: str) -> str:
    """Return an FTS5 query matching every word or code of text as text (`HUB-503`, `it's`)."""
    words = text.split()
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


@click.command()
@click.option(
    "--match",
    "match",
    default=None,
    help="Posts containing all these words or codes, as text (HUB-503, it's, 50%).",
)
@click.option(
    "--fts",
    is_flag=True,
    help="Read --match as SQLite FTS5 syntax instead (outage OR down, refund*, NEAR(...)).",
)
@click.option("--topic", default=None, help="Only posts matching this topic.")
@click.option(
    "--intent",
    default=None,
    metavar="INTENT",
    help="Only posts with this intent (built-in or from classify.intents in the config).",
)
@click.option("--sentiment", type=click.Choice([*SENTIMENTS, "unsupported_language"]), default=None)
@since_option()
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_option()
@pass_app
def posts(app: App, match, fts, topic, intent, sentiment, since, limit, fmt) -> None:
    """Search the stored posts (full-text), newest first."""
    import sqlite3

    from earmark.store.faults import StoreQueryError
    from earmark.store.pgsql import FullTextQueryError

    if intent is not None:
        known = set(INTENTS) | {rule.name for rule in app.config.classify.intents}
        if intent not in known:
            raise UsageError(
                f"--intent: unknown intent {intent!r} (known: {', '.join(sorted(known))})"
            )
    if fts and not match:
        raise UsageError("--fts: give the full-text query with --match")
    if match is not None and not fts:
        match = to_text_query(match) or None
    try:
        rows = app.existing_store.posts.search_posts(
            match=match,
            topic=topic,
            intent=intent,
            sentiment=sentiment,
            since=since_to_iso(app, since),
            limit=limit,
        )
    except (sqlite3.OperationalError, StoreQueryError, FullTextQueryError) as error:
        # SQLite's FTS5 parser, or PostgreSQL's text search (pgsql.fts5_to_tsquery) refused it.
        raise UsageError(f"--match: invalid full-text query ({error}); see --help") from None
    now = app.now()
    fmt = resolve_format(fmt)
    records = [to_post_record(row, now) for row in rows]
    if fmt == "table":
        write_records(records, fmt, POSTS, title=f"{len(records)} posts")
    else:
        write_records(records, fmt)


@click.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@format_option()
@pass_app
def runs(app: App, limit: int, fmt: str | None) -> None:
    """Show the recent runs: when, how long, what they did, what failed."""
    records = []
    for run in app.existing_store.runs.recent_runs(limit):
        took = None
        if run["ended_at"]:
            took = format_duration(parse_iso(run["ended_at"]) - parse_iso(run["started_at"]))
        records.append(
            {
                "id": run["id"],
                "started_at": run["started_at"],
                "took": took,
                "status": run["status"],
                "counts": run["counts"],
                "errors": run["errors"],
            }
        )
    fmt = resolve_format(fmt)
    write_records(records, fmt, RUNS if fmt == "table" else None, title="recent runs")


@click.command()
@click.option(
    "--max-duration",
    default=None,
    help="Stop cleanly at a batch boundary after this long (e.g. 4m); resumes next run.",
)
@pass_app
def run(app: App, max_duration: str | None) -> None:
    """Listen, classify, route, notify and check alerts: the line for cron.

    Silent when nothing is new; otherwise a short summary on stderr. One run at a time per
    database: an overlapping start exits at once with code 75.
    """
    from earmark.cli.pipeline import run_pipeline
    from earmark.lock import EXIT_LOCKED, LockedError, run_lock

    config = app.require_config()
    seconds = None
    if max_duration:
        try:
            seconds = parse_duration(max_duration).total_seconds()
        except ValueError as error:
            raise UsageError(f"--max-duration: {error}") from None
    lock = run_lock(app.db_path)
    try:
        lock.acquire()
    except LockedError as error:
        app.say(f"earmark run: {error}")
        raise SystemExit(EXIT_LOCKED) from None
    try:
        if lock.took_over_from:
            app.debug(f"run: took over the lock of pid {lock.took_over_from}, which is gone")
        store = app.store
        now = app.now()
        started = time.monotonic()
        run_id = store.runs.start_run("run", now)
        try:
            with app.progress() as progress:
                report = run_pipeline(
                    store, config, now=now, env=app.env, max_duration=seconds, progress=progress
                )
        except Exception as error:  # e.g. the database locked by another process, or a bug
            # Never leave the run "running": record why it failed, then let the CLI say it.
            _record_failure(store, run_id, now, started, error)
            raise
        code = report.exit_code()
        status = {0: "ok", 1: "failed", 3: "partial"}[code]
        ended = now + timedelta(seconds=time.monotonic() - started)
        store.runs.finish_run(run_id, status, report.counts(), report.errors, ended_at=ended)
    finally:
        lock.release()
    if report.changed or report.errors or report.stopped_early:
        for line in report.lines():
            app.say(line)
    if code:
        raise SystemExit(code)


def _record_failure(store, run_id: int, now, started: float, error: Exception) -> None:
    """Mark the run failed if the database lets us (the next run marks it otherwise)."""
    from earmark.store import StoreError

    ended = now + timedelta(seconds=time.monotonic() - started)
    text = " ".join(str(error).split())
    if not isinstance(error, EarmarkError):
        text = f"unexpected {type(error).__name__}" + (f": {text}" if text else "")
    try:
        store.runs.finish_run(run_id, "failed", {}, {"run": text}, ended_at=ended)
    except StoreError:
        pass


COMMANDS = [posts, runs, run]


@click.command()
@click.argument("query")
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Source to query (repeatable) [default: hackernews, reddit, stackexchange, "
    "mastodon: the ones that need no account].",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Posts per source."
)
@since_option("Only posts newer than this (15m, 2h, 1d).")
@click.option("--save", is_flag=True, help="Store the results in the database.")
@format_option()
@pass_app
def search(app: App, query, sources, limit, since, save, fmt) -> None:
    """Search the sources live for QUERY, classify, and show posts by priority.

    QUERY uses the topic query syntax: words, "phrases", AND, OR, NOT, NEAR/n, refund*,
    author:, lang:, site:, platform:. No config file is needed; nothing is stored unless --save.
    """
    from earmark.cli.search import DEFAULT_SOURCES, run_search, save_search

    config = app.config
    since_at = parse_iso(since_to_iso(app, since)) if since else None
    now = app.now()
    names = list(sources) or list(DEFAULT_SOURCES)
    with _progress(app) as show:
        result = run_search(
            query,
            config,
            source_names=names,
            limit=limit,
            since=since_at,
            now=now,
            env=app.env,
            on_source=show,
        )
    for name, error in result.errors.items():
        app.say(f"{name}: error: {error}")
    records = [_search_record(post, label, now) for post, _, label in result.posts]
    fmt = resolve_format(fmt)
    if records:
        if fmt == "table":
            write_records(records, fmt, SEARCH, title=f"{len(records)} posts for {query}")
        else:
            write_records(records, fmt)
    if save and result.posts:
        new = save_search(app.store, result)
        app.say(f"saved {len(new)} new posts to {app.db_path}")
    if result.errors:
        raise SystemExit(1 if len(result.errors) == len(result.sources) else 3)


def _search_record(post, label, now) -> dict:
    return {
        "id": post.id,
        "priority": label.priority,
        "sentiment": label.sentiment,
        "intent": label.primary_intent,
        "intents": label.intent_names,
        "opportunity": label.opportunity,
        "reply_privately": label.reply_privately,
        "platform": post.platform,
        "author": post.author,
        "age": format_duration(now - post.created_at),
        "created_at": to_iso(post.created_at),
        "text": post.text if len(post.text) <= 280 else post.text[:279] + "…",
        "url": post.url,
    }


class _progress:
    """A spinner on stderr naming the source being queried, only when stderr is a terminal
    (and not with --quiet)."""

    def __init__(self, app: App):
        self.app = app
        self.status = None

    def __enter__(self):
        if self.app.stderr_is_tty and not self.app.quiet:
            from rich.console import Console

            self.status = Console(stderr=True).status("searching…")
            self.status.start()
        return self.show

    def show(self, name: str) -> None:
        if self.status is not None:
            self.status.update(f"searching {name}…")

    def __exit__(self, *exc) -> None:
        if self.status is not None:
            self.status.stop()


COMMANDS.append(search)
