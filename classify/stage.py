"""The classify stage: label stored posts in batches (used by `classify`, `run` and `demo`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from classify import ClassifyItem, classify_many
from classify.settings import ClassifySettings
from earmark.models import Classification, parse_iso

# When a post matches several topics, the kind that decides its opportunity: our own support
# handle first, then the brand, then competitors.
KIND_PRECEDENCE = ("support", "brand", "competitor")
_TERM_DECORATION = re.compile(r'^[@#"\']+|["\'*]+$')


def effective_settings(config) -> ClassifySettings:
    """Return the classify settings with every topic's terms added as neutral terms."""
    settings = config.classify
    terms = list(settings.neutral_terms)
    for topic in config.topics:
        for term in [*topic.terms, *topic.all]:
            bare = _TERM_DECORATION.sub("", term).strip()
            if bare and bare.lower() not in (t.lower() for t in terms):
                terms.append(bare)
    return dataclasses.replace(settings, neutral_terms=terms)


def topic_kind(kinds: list[str]) -> str | None:
    """Pick the kind that decides the opportunity among the topics a post matched."""
    for kind in KIND_PRECEDENCE:
        if kind in kinds:
            return kind
    return None


def to_items(rows: Iterable[dict]) -> list[ClassifyItem]:
    """Map rows from the store to classifier inputs."""
    return [
        ClassifyItem(
            text=row["text"],
            topic_kind=topic_kind(row["kinds"]),
            author_reach=row["author_reach"],
            created_at=parse_iso(row["created_at"]) if row["created_at"] else None,
            lang=row["lang"],
            post_id=row["id"],
        )
        for row in rows
    ]


def _classify_batch(args: tuple[list[ClassifyItem], ClassifySettings, datetime]) -> list:
    items, settings, now = args
    return list(classify_many(items, settings, now=now))


def classify_posts(
    store,
    config,
    *,
    now: datetime,
    everything: bool = False,
    workers: int = 1,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Classify the stored posts not yet labelled (all with everything=True); return how many.

    Each batch is saved in its own transaction, so a killed run resumes where it stopped.
    `should_stop` is checked between batches (run --max-duration).
    """
    settings = effective_settings(config)
    batches = (
        to_items(rows)
        for rows in store.iter_posts_to_classify(settings.batch_size, everything=everything)
    )
    done = 0
    for results in _map_batches(batches, settings, now, workers):
        done += store.save_classifications(results)
        if should_stop():
            break
    return done


def _map_batches(
    batches: Iterator[list[ClassifyItem]],
    settings: ClassifySettings,
    now: datetime,
    workers: int,
) -> Iterator[list[Classification]]:
    if workers <= 1:
        for items in batches:
            yield list(classify_many(items, settings, now=now))
        return
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        # imap keeps order and only a few batches in flight, so memory stays flat.
        yield from pool.imap(_classify_batch, ((b, settings, now) for b in batches), chunksize=1)
