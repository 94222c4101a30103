"""The listen stage: fetch every configured source, match topics locally, store what matched.

`collect` is the pure part (fetch + match, nothing stored: used by `earmark search`);
`run_listen` saves each batch with its cursor in one transaction, so a crash never skips or
duplicates posts, and records each source's health. One failing source never stops the others.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from earmark.errors import EarmarkError, UsageError
from earmark.models import Post, TopicMatch, utcnow
from earmark.progress import NO_PROGRESS, Progress
from earmark.settings.listen import ListenSettings
from listen import registry
from listen.base import SourceError
from listen.matcher import CompiledTopic, compile_topics, match_topics
from listen.records import save_batch, screen_posts

# The cursor key of sources that read everything once for all topics (the file source).
ALL_TOPICS = "*"


@dataclass
class Collected:
    """One batch from a source, matched; or (end=True) the end of that source, with its error."""

    source: str
    topic: str | None = None  # the cursor's topic key (ALL_TOPICS for topic-independent sources)
    posts: list[Post] = field(default_factory=list)  # posts that matched at least one topic
    matches: list[TopicMatch] = field(default_factory=list)
    cursor: str | None = None
    fetched: int = 0
    warnings: list[str] = field(default_factory=list)  # bad rows skipped, one line each
    end: bool = False
    error: str | None = None


@dataclass
class SourceReport:
    """What one source did in a run."""

    source: str
    fetched: int = 0
    new: int = 0
    unmatched: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    topics: Counter = field(default_factory=Counter)  # new posts per topic
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary_line(self) -> str:
        """Return e.g. `hackernews: 12 new posts (acme 10, globex 3)`."""
        if self.error:
            return f"{self.source}: error: {self.error}"
        noun = "post" if self.new == 1 else "posts"
        line = f"{self.source}: {self.new} new {noun}"
        if self.topics:
            line += " (" + ", ".join(f"{t} {n}" for t, n in self.topics.most_common()) + ")"
        if self.skipped:
            line += f"; {self.skipped} bad {'row' if self.skipped == 1 else 'rows'} skipped"
        return line


@dataclass
class ListenReport:
    """What `earmark listen` did, per source."""

    sources: dict[str, SourceReport] = field(default_factory=dict)
    stopped: bool = False  # should_stop() ended the run early; the rest is read next run

    def source(self, name: str) -> SourceReport:
        return self.sources.setdefault(name, SourceReport(name))

    @property
    def new(self) -> int:
        return sum(r.new for r in self.sources.values())

    @property
    def failed(self) -> list[SourceReport]:
        return [r for r in self.sources.values() if r.error]

    @property
    def topics(self) -> Counter:
        total: Counter = Counter()
        for report in self.sources.values():
            total.update(report.topics)
        return total

    def exit_code(self) -> int:
        """Return 0 when every source ran, 3 when some failed, 1 when all failed."""
        failed = len(self.failed)
        if not failed:
            return 0
        return 1 if failed == len(self.sources) else 3

    def summary_line(self) -> str:
        """Return one line for the whole run, e.g. `245 posts read, 180 new (acme 150, ...)`."""
        fetched = sum(r.fetched for r in self.sources.values())
        line = f"{fetched} posts read, {self.new} new"
        if self.topics:
            line += " (" + ", ".join(f"{t} {n}" for t, n in self.topics.most_common()) + ")"
        skipped = sum(r.skipped for r in self.sources.values())
        if skipped:
            line += f", {skipped} bad rows skipped"
        if self.failed:
            line += ", failed: " + ", ".join(r.source for r in self.failed)
        return line


def select_sources(config: ListenSettings, names: Sequence[str] | None) -> list[str]:
    """Return the configured sources to run (all of them, or the named ones)."""
    configured = list(config.sources)
    if not names:
        if not configured:
            raise EarmarkError(
                "no sources configured: list at least one under `sources:` in the config "
                f"(known: {', '.join(registry.SOURCE_NAMES)})"
            )
        return configured
    chosen = []
    for name in names:
        if name not in registry.SOURCE_NAMES:
            raise UsageError(
                f"unknown source {name!r}; known sources: {', '.join(registry.SOURCE_NAMES)}"
            )
        if name not in config.sources:
            listed = ", ".join(configured) or "none"
            raise UsageError(
                f"source {name!r} is not configured: add it under `sources:` (configured: {listed})"
            )
        if name not in chosen:
            chosen.append(name)
    return chosen


def select_topics(config: ListenSettings, names: Sequence[str] | None) -> list:
    """Return the topics to fetch (all of them, or the named ones)."""
    if not config.topics:
        raise EarmarkError("no topics configured: add at least one under `topics:` in the config")
    if not names:
        return list(config.topics)
    known = {t.name: t for t in config.topics}
    for name in names:
        if name not in known:
            raise UsageError(f"unknown topic {name!r}; known topics: {', '.join(known)}")
    return [known[name] for name in dict.fromkeys(names)]


def match_posts(
    posts: Sequence[Post], topics: Sequence[CompiledTopic]
) -> tuple[list[Post], list[TopicMatch]]:
    """Match posts against every topic; return the posts that matched and all their matches."""
    kept, matches = [], []
    for post in posts:
        found = match_topics(post, topics)
        if found:
            kept.append(post)
            matches.extend(found)
    return kept, matches


def one_line(error: BaseException) -> str:
    """Turn an exception into one line, without a traceback."""
    text = " ".join(str(error).split())
    if isinstance(error, EarmarkError):
        return text or type(error).__name__
    return f"unexpected {type(error).__name__}" + (f": {text}" if text else "")


def collect(
    config: ListenSettings,
    *,
    source_names: Sequence[str] | None = None,
    topic_names: Sequence[str] | None = None,
    limit: int | None = None,
    since: datetime | None = None,
    source_factory: Callable[[str], type] = registry.source_class,
    env: Mapping[str, str] = os.environ,
    get_cursor: Callable[[str, str], str | None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    last_read: Callable[[str], Mapping[str, str]] | None = None,
    progress: Progress = NO_PROGRESS,
) -> Iterator[Collected]:
    """Fetch and match posts, yielding each batch, then an `end` item per source; store nothing.

    last_read(source) gives, per topic, when its cursor last moved: topics are then fetched
    longest-waiting first, so a request budget used up by the first topics of one run serves
    the others first in the next (never-read topics first; config order among equals).
    Without get_cursor every source starts from scratch (a live search). When should_stop()
    turns true, fetching ends between two batches (sources not started are left out).
    progress hears of each source (`listen NAME`, `import` for the file source) and each batch.
    """
    stop = should_stop or (lambda: False)
    names = select_sources(config, source_names)
    topics = select_topics(config, topic_names)
    compiled = compile_topics(config.topics)  # every post is matched against every topic
    base_dir = _config_dir(config)
    for name in names:
        if stop():
            return
        error = None
        progress.start("import" if name == "file" else f"listen {name}")
        batches = _collect_source(
            name, config.sources[name], topics, compiled, limit, since,
            source_factory, env, get_cursor, base_dir, stop, last_read,
        )  # fmt: skip
        try:
            for batch in batches:
                progress.advance(batch.fetched)
                yield batch
        except _SourceFailed as failure:
            error = failure.message
        finally:
            batches.close()  # also when our reader stops early: the source lets go at once
            progress.finish()
        yield Collected(source=name, end=True, error=error)


class _SourceFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _collect_source(
    name,
    settings,
    topics,
    compiled,
    limit,
    since,
    source_factory,
    env,
    get_cursor,
    base_dir,
    stop,
    last_read=None,
) -> Iterator[Collected]:
    try:
        cls = source_factory(name)
        resolve = getattr(cls, "resolve_settings", None)
        if resolve is not None:
            settings = resolve(settings, base_dir)
        source = cls(settings, env=env)
    except Exception as error:  # a source must never take the run down with a traceback
        raise _SourceFailed(_strip_name(name, one_line(error))) from None
    if getattr(cls, "topic_independent", False):
        plan = [(None, ALL_TOPICS)]
    else:
        plan = [(topic, topic.name) for topic in topics]
        if last_read is not None:
            moved = last_read(name)
            plan.sort(key=lambda item: moved.get(item[1], ""))  # stable: config order on ties
    for topic, key in plan:
        if stop():
            return
        cursor = get_cursor(name, key) if get_cursor else None
        batches = None
        while True:
            if batches is not None and stop():
                close = getattr(batches, "close", None)
                if close is not None:
                    close()  # a source generator releases its file or connection now
                return
            try:
                if batches is None:
                    batches = iter(source.fetch(topic, cursor, since=since, limit=limit))
                batch = next(batches, None)
            except Exception as error:  # SourceError, or anything a source let escape
                raise _SourceFailed(_strip_name(name, one_line(error))) from None
            warnings = _drain(source)
            if batch is None:
                if warnings:
                    yield Collected(source=name, topic=key, warnings=warnings)
                break
            checked = getattr(source, "posts_checked", False)
            usable = screen_posts(batch.posts, name, warnings, checked=checked)
            kept, matches = match_posts(usable, compiled)
            yield Collected(
                source=name,
                topic=key,
                posts=kept,
                matches=matches,
                cursor=batch.cursor,
                fetched=len(usable),
                warnings=warnings,
            )


def _drain(source) -> list[str]:
    warnings = getattr(source, "warnings", None)
    if not warnings:
        return []
    drained = list(warnings)
    warnings.clear()
    return drained


def _strip_name(name: str, message: str) -> str:
    # Sources already say who they are ("reddit: 429 ..."); the report adds the name itself.
    return message.removeprefix(f"{name}: ")


def _config_dir(config: ListenSettings) -> str | None:
    path = getattr(config, "path", None)
    if not path or path.startswith("<") or not Path(path).exists():
        return None
    return str(Path(path).resolve().parent)


def run_listen(
    store,
    config: ListenSettings,
    *,
    source_names: Sequence[str] | None = None,
    topic_names: Sequence[str] | None = None,
    limit: int | None = None,
    since: datetime | None = None,
    source_factory: Callable[[str], type] = registry.source_class,
    env: Mapping[str, str] = os.environ,
    now: datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Progress = NO_PROGRESS,
) -> ListenReport:
    """Fetch, match and store new posts from the configured sources; return what happened.

    should_stop (e.g. a --max-duration deadline) is checked between batches, once the run has
    saved a batch or finished a source: what was saved stays saved with its cursor, and the
    next run goes on from there. report.stopped says whether it cut the run short.
    """
    from earmark.store.posts import CursorUpdate

    report = ListenReport()
    progressed = False  # a batch was saved or a source finished: stopping now is progress

    def stop() -> bool:
        # Only after some progress, so even a deadline already past moves the run forward.
        if progressed and should_stop is not None and should_stop():
            report.stopped = True
            return True
        return False

    for item in collect(
        config,
        source_names=source_names,
        topic_names=topic_names,
        limit=limit,
        since=since,
        source_factory=source_factory,
        env=env,
        get_cursor=store.posts.get_cursor,
        last_read=lambda source: {
            row["topic"]: row["updated_at"] or ""
            for row in store.posts.cursors()
            if row["source"] == source
        },
        should_stop=stop,
        progress=progress,
    ):
        source = report.source(item.source)
        progressed = True
        if item.end:
            source.error = item.error
            store.health.save_source_health(
                item.source, ok=item.error is None, new=source.new, error=item.error,
                at=now or utcnow(),
            )  # fmt: skip
            continue
        source.warnings.extend(item.warnings)
        source.skipped += len(item.warnings)
        cursors = []
        if item.cursor is not None:
            cursors.append(CursorUpdate(item.source, item.topic, item.cursor))
        if item.posts or cursors:
            new_ids, refused = save_batch(store, item.posts, item.matches, cursors)
            source.warnings.extend(refused)
            source.skipped += len(refused)
            item.fetched -= len(refused)
        else:
            new_ids = set()
        source.fetched += item.fetched
        source.unmatched += item.fetched - len(item.posts)
        source.new += len(new_ids)
        source.topics.update(m.topic for m in item.matches if m.post_id in new_ids)
    return report


__all__ = [
    "ALL_TOPICS",
    "Collected",
    "ListenReport",
    "SourceError",
    "SourceReport",
    "collect",
    "match_posts",
    "run_listen",
    "select_sources",
    "select_topics",
]
