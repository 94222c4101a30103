"""The classify stage: label stored posts in batches (used by `classify`, `run` and `demo`)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from classify import CLASSIFIER_VERSION, Classifier, ClassifyError, TextResult, unread_language
from classify.priority import add_context, content_part, to_opportunity
from classify.subject import Subject, decide_subject, parse_matches
from earmark.models import parse_iso
from earmark.progress import NO_PROGRESS, Progress, wants_total
from earmark.settings.classify import ClassifySettings
from earmark.store.classifications import (
    classification_row,
    content_columns,
    outcome_columns,
)

# When a post matches several topics, the kind that decides its opportunity: our own support
# handle first, then the brand, then competitors.
KIND_PRECEDENCE = ("support", "brand", "competitor")


def topic_kind(kinds: list[str]) -> str | None:
    """Pick the kind that decides the opportunity among the topics a post matched."""
    for kind in KIND_PRECEDENCE:
        if kind in kinds:
            return kind
    return None


@lru_cache(maxsize=256)
def kind_of(kinds: str) -> str | None:
    """topic_kind of the comma-separated kinds the store returns ("brand,competitor")."""
    return topic_kind(kinds.split(","))


class ClassifyStream:
    """One Classifier fed batch by batch: its cache of distinct texts spans batches.

    Reposts and copy-paste spam recur across a whole corpus, not only within one batch, so
    each distinct text is scored once per stream (up to the Classifier's cache size). The row
    values that depend on a text's result and the post's topics (their kinds, and for a post
    naming both sides the topic it is about, see classify.subject) are also made once; only
    priority's reach and age are worked out per post.
    """

    def __init__(self, settings: ClassifySettings, now: datetime, cache_size: int = 50_000):
        self._classifier = Classifier(settings, cache_size)
        self._now = now
        self._version = self._classifier.version  # includes the model's identity when one is used

    def rows(self, rows: list[tuple]) -> list[tuple]:
        """Classify store rows (see store.posts.TO_CLASSIFY_COLUMNS); return classification
        row values (see store.posts.classification_values)."""
        content_of = self._classifier.content_and_memo
        now = self._now
        values = []
        for post_id, text, lang, author_reach, created_at, kinds, matches, _rowid in rows:
            content, by_kind = content_of(text, lang)
            # A post naming both sides is keyed by its matches (the subject depends on them).
            key = matches or (kind_of(kinds) if kinds else None)
            parts = by_kind.get(key)
            if parts is None:
                subject = None
                if matches:
                    subject = decide_subject(text, parse_matches(matches), content.intents)
                kind = subject.kind if subject else (kind_of(kinds) if kinds else None)
                parts = by_kind[key] = _row_parts(content, kind, subject, self._version)
            priority = add_context(
                parts.points,
                author_reach,
                parse_iso(created_at) if created_at else None,
                now,
            )
            values.append(classification_row(post_id, parts.head, priority, parts.tail))
        return values


class _RowParts(NamedTuple):
    """A classification row without the post's id, priority and priority reason."""

    head: tuple  # sentiment ... reply_privately
    points: tuple  # priority.content_part: what the text and topic kind are worth
    tail: tuple  # opportunity, its reason, classifier version


def _row_parts(
    content: TextResult,
    kind: str | None,
    subject: Subject | None,
    version: str = CLASSIFIER_VERSION,
) -> _RowParts:
    """Split the row of a post with this content, topic kind and subject (as classify.finish
    does)."""
    return _RowParts(
        content_columns(content, bool(content.pii)),
        content_part(content.intents, content.sentiment, content.compound, kind),
        outcome_columns(
            *to_opportunity(content.intents, kind, unread_language(content), subject), version
        ),
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector; reference counting still frees every object.

    Classifying allocates several short-lived objects per post and no reference cycles, yet the
    allocations keep triggering collections that rescan every live object. Collection resumes
    when the stage ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def classify_posts(
    store,
    settings: ClassifySettings,
    *,
    now: datetime,
    everything: bool = False,
    workers: int = 1,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Progress = NO_PROGRESS,
) -> int:
    """Classify the stored posts not yet labelled (all with everything=True); return how many.

    Each batch is saved in its own transaction, so a killed run resumes where it stopped.
    `should_stop` is checked between batches (run --max-duration). Only this thread reads
    and writes the store; with workers > 1 this process and workers-1 others classify, each
    distinct text always in the same process so it is scored once. settings come from
    Config.classify_settings() (the classify section plus every topic's terms). progress
    hears of each saved batch.
    """
    total = None
    if workers > 1 or wants_total(progress):
        total = store.classifications.count_posts_to_classify(everything=everything)
    if workers > 1 and total is not None and total < MIN_PARALLEL_POSTS:
        workers = 1  # starting another process costs more than it saves on few posts
    batches = store.classifications.iter_posts_to_classify(
        settings.batch_size, everything=everything
    )
    if workers <= 1:
        results: Iterator[list[tuple]] = map(ClassifyStream(settings, now).rows, batches)
    else:
        results = _in_workers(batches, settings, now, workers)
    done = 0
    progress.start("classify", total)
    with collector_paused():
        with closing(results) if hasattr(results, "close") else nullcontext():
            for rows in results:
                saved = store.classifications.save_classification_rows(rows)
                done += saved
                progress.advance(saved)
                if should_stop():
                    break
        # Free the classifier and its caches while the collector is still paused: re-enabled
        # with them alive, its first collection would walk every object the stage allocated
        # (~0.5 s after 100k posts).
        results = rows = None
    progress.finish()
    return done


def _worker(inbox, outbox, settings: ClassifySettings, now: datetime) -> None:
    """Classify (seq, part, rows) tasks from inbox until None; put (seq, part, rows) back."""
    stream = ClassifyStream(settings, now)
    gc.disable()  # as collector_paused: this process only classifies, and exits when done
    while True:
        task = inbox.get()
        if task is None:
            return
        seq, part, rows = task
        try:
            outbox.put((seq, part, stream.rows(rows)))
        except Exception as error:  # the parent raises it; a dead worker would hang the run
            outbox.put((seq, part, ClassifyError(f"classify worker: {error!r}")))


# Below this many posts to classify, --workers runs in this process alone: a worker process
# takes ~0.9 s to start (imports and models): on this 2-core machine workers=2 broke even at
# about 15,000 posts (5k: 0.61 s alone vs 1.08 s with a worker; 20k: 2.33 s vs 2.08 s).
MIN_PARALLEL_POSTS = 20_000
# The calling process classifies this much of an even share itself: it also reads and saves.
PARENT_SHARE = 0.8


def _part_of(text: str, workers: int) -> int:
    """Return which process classifies a text (0: the caller); a text always gets the same one."""
    bucket = hash(text) % 1000
    if bucket < 1000 * PARENT_SHARE / workers:
        return 0
    return 1 + bucket % (workers - 1)


def _in_workers(
    batches: Iterator[list[tuple]], settings: ClassifySettings, now: datetime, workers: int
) -> Iterator[list[tuple]]:
    """Classify batches in this process and workers-1 others; yield each batch's rows in order.

    Each batch's rows are split by text (see _part_of): the other processes get theirs one
    batch ahead, this one classifies its own share meanwhile, then merges and yields.
    """
    import multiprocessing
    import queue

    ctx = multiprocessing.get_context("spawn")
    local = ClassifyStream(settings, now)
    inboxes = {part: ctx.Queue() for part in range(1, workers)}
    outbox = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(inbox, outbox, settings, now), daemon=True)
        for inbox in inboxes.values()
    ]
    for proc in procs:
        proc.start()
    pending: dict[int, dict] = {}  # seq -> positions and rows of each part

    def receive() -> None:
        while True:
            try:
                seq, part, rows = outbox.get(timeout=1)
                break
            except queue.Empty:
                if not all(proc.is_alive() for proc in procs):
                    raise ClassifyError(
                        "classify: a worker process died; run again with --workers 1"
                    ) from None
        if isinstance(rows, Exception):
            raise rows
        pending[seq]["parts"][part] = rows

    def merged(seq: int) -> list[tuple]:
        entry = pending[seq]
        while len(entry["parts"]) < len(entry["order"]):
            receive()
        del pending[seq]
        ordered: list = [None] * entry["size"]
        for part, positions in entry["order"].items():
            for position, row in zip(positions, entry["parts"][part], strict=True):
                ordered[position] = row
        return ordered

    try:
        for seq, rows in enumerate(batches):
            parts: dict[int, list[tuple]] = {}
            order: dict[int, list[int]] = {}
            for position, row in enumerate(rows):
                part = _part_of(row[1], workers)
                parts.setdefault(part, []).append(row)
                order.setdefault(part, []).append(position)
            pending[seq] = {"order": order, "parts": {}, "size": len(rows)}
            for part, part_rows in parts.items():
                if part:
                    inboxes[part].put((seq, part, part_rows))
            if seq - 1 in pending:  # the others work on this batch while the caller saves
                yield merged(seq - 1)
            if 0 in parts:
                pending[seq]["parts"][0] = local.rows(parts[0])
        for seq in sorted(pending):
            yield merged(seq)
    finally:
        for inbox in inboxes.values():
            inbox.put(None)
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
