"""Classification stage: sentiment, language, intents, PII, priority and opportunity per post.

`classify_text` is pure (no I/O, never raises on any text); `classify_many` classifies a stream of
posts, scoring each distinct text once (reposts and copy-paste spam are common).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from classify.errors import ClassifyError
from classify.features import rules_from
from classify.intent import detect_intents
from classify.language import detect_language
from classify.pii import find_pii
from classify.priority import score_priority, to_opportunity
from classify.sentiment import score_sentiment
from classify.subject import Subject, decide_subject, first_kind
from classify.text import compile_terms, to_scoring_text, to_words
from earmark.models import UNSUPPORTED_LANGUAGE, Classification, Post
from earmark.settings.classify import ClassifySettings, IntentRule

if TYPE_CHECKING:
    from classify.learned import ModelLayer

# Bump whenever a rule, lexicon or threshold changes: stored classifications record it.
CLASSIFIER_VERSION = "care-rules-5"

__all__ = [
    "CLASSIFIER_VERSION",
    "Classifier",
    "ClassifyError",
    "ClassifyItem",
    "ClassifySettings",
    "IntentRule",
    "classify_many",
    "classify_text",
]


_DEFAULTS = ClassifySettings()  # read-only: used when a caller passes no settings


@dataclass(slots=True)
class ClassifyItem:
    """One post to classify with the context that changes its priority and opportunity."""

    text: str
    topic_kind: str | None = None
    author_reach: int | None = None
    created_at: datetime | None = None
    lang: str | None = None
    post_id: str | None = None


class _Scores(NamedTuple):
    """What depends on the scoring text alone (links, handles and brand names removed)."""

    sentiment: str
    compound: float
    pos: float
    neu: float
    neg: float
    language: str
    # Tuples only, so the garbage collector stops tracking cached results (a cache of lists is
    # rescanned by every full collection).
    intents: tuple[tuple[str, float], ...]


# What depends on the post's text alone (cached per distinct text by Classifier): the scores
# of its scoring text, and the kinds of personal data in the text itself.
TextResult = NamedTuple("TextResult", [*_Scores.__annotations__.items(), ("pii", tuple[str, ...])])


class RecentCache:
    """A mapping of at most `size` entries that forgets the least recently used one first.

    An OrderedDict, not a dict: evicting a plain dict's oldest key with next(iter(d)) walks over
    every slot deleted before it, so a full cache got slower with every eviction (1M posts:
    the classify step ran at 60% of its 100k speed).
    """

    def __init__(self, size: int):
        self.size = max(1, size)
        self.data: OrderedDict = OrderedDict()

    def get(self, key):
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        if len(self.data) >= self.size:
            self.data.popitem(last=False)
        self.data[key] = value


def _score_clean(
    clean: str,
    words: frozenset[str],
    lang: str | None,
    settings: ClassifySettings,
    layer: ModelLayer | None = None,
) -> _Scores:
    """Score language, sentiment and intents of cleaned text (see to_scoring_text)."""
    supported = [code.lower() for code in settings.languages] or ["en"]
    language = detect_language(clean, hint=lang, languages=supported, words=words)
    lowered = clean.lower()
    custom = settings.intents
    if language in supported:
        score = score_sentiment(clean, settings, words=words, lowered=lowered)
        intents = tuple(
            detect_intents(
                clean, sentiment=score.label, custom=custom, words=words, lowered=lowered
            )
        )
        label = score.label
        if layer is not None:  # the learned layer on top of the rules (classify/learned.py)
            rules = rules_from(score, intents)
            label, intents = layer.decide(clean, rules, settings, words, lowered)
        return _Scores(label, score.compound, score.pos, score.neu, score.neg, language, intents)
    # Rules are English; questions ("?") and custom patterns may still apply.
    intents = detect_intents(
        clean, sentiment="neutral", custom=custom, words=words, lowered=lowered
    )
    return _Scores(UNSUPPORTED_LANGUAGE, 0.0, 0.0, 0.0, 0.0, language, tuple(intents))


def _classify_content(
    text: str,
    lang: str | None,
    settings: ClassifySettings,
    scored: RecentCache | None = None,
    layer: ModelLayer | None = None,
) -> TextResult:
    """Score sentiment, language, intents and PII of one text.

    `scored` caches results by scoring text: posts that differ only in links, @handles or
    brand names ("RT @a: ...", the same complaint to two brands) are scored once.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    clean = to_scoring_text(text, compile_terms(tuple(settings.neutral_terms)))
    words = to_words(clean.lower())
    scores = scored.get((clean, lang)) if scored is not None else None
    if scores is None:
        scores = _score_clean(clean, words, lang, settings, layer)
        if scored is not None:
            scored.put((clean, lang), scores)
    # Personal data is looked for in the whole text: an email may contain a brand name.
    return TextResult(*scores, tuple(find_pii(text, words)))


def unread_language(content: TextResult) -> str | None:
    """Return the language of a text the rules cannot read (None when they can)."""
    return content.language if content.sentiment == UNSUPPORTED_LANGUAGE else None


def finish(
    content: TextResult,
    *,
    topic_kind: str | None,
    author_reach: int | None,
    created_at: datetime | None,
    now: datetime | None,
    post_id: str | None = None,
    version: str = CLASSIFIER_VERSION,
    subject: Subject | None = None,
) -> Classification:
    """Add the context-dependent parts (priority, opportunity) to a text result.

    subject (classify.subject) is the topic a post naming both sides is about: its kind
    replaces topic_kind.
    """
    if subject is not None:
        topic_kind = subject.kind
    priority, reason = score_priority(
        content.intents,
        content.sentiment,
        content.compound,
        topic_kind=topic_kind,
        author_reach=author_reach,
        created_at=created_at,
        now=now,
    )
    opportunity, why = to_opportunity(
        content.intents, topic_kind, unread_language(content), subject
    )
    return Classification(
        sentiment=content.sentiment,
        compound=content.compound,
        pos=content.pos,
        neu=content.neu,
        neg=content.neg,
        language=content.language,
        intents=list(content.intents),
        pii=list(content.pii),
        reply_privately=bool(content.pii),
        priority=priority,
        priority_reason=reason,
        opportunity=opportunity,
        opportunity_reason=why,
        version=version,
        post_id=post_id,
    )


def classify_text(
    text: str,
    *,
    topic_kind: str | None = None,
    author_reach: int | None = None,
    created_at: datetime | None = None,
    lang: str | None = None,
    settings: ClassifySettings | None = None,
    now: datetime | None = None,
    topics: Sequence[tuple[str, str, Sequence[str]]] = (),
) -> Classification:
    """Classify one post's text; `topic_kind`, reach and time only affect priority/opportunity.

    `topics` are the post's topic matches as (topic, kind, matched terms): when they name both
    the brand (or support) and a competitor, the topic the post is about decides the kind.
    """
    return Classifier(settings or _DEFAULTS, cache_size=1).classify(
        text,
        lang=lang,
        topic_kind=topic_kind,
        author_reach=author_reach,
        created_at=created_at,
        now=now,
        topics=topics,
    )


def _to_item(item: ClassifyItem | Post | tuple) -> ClassifyItem:
    """Accept a ClassifyItem, a Post, or a (Post, topic_kind) pair."""
    if isinstance(item, ClassifyItem):
        return item
    kind = None
    if isinstance(item, tuple):
        item, kind = item
    if isinstance(item, Post):
        return ClassifyItem(
            text=item.text,
            topic_kind=kind,
            author_reach=item.author_reach,
            created_at=item.created_at,
            lang=item.lang,
            post_id=item.id,
        )
    raise ClassifyError(
        f"classify: cannot classify a {type(item).__name__}; pass ClassifyItem or Post objects"
    )


class Classifier:
    """Classify posts one at a time, scoring each distinct text once (up to `cache_size`).

    Reposts and copy-paste spam recur all through a big import: the least recently used texts
    are forgotten first, so those stay cached. The classify stage keeps one per run.
    """

    def __init__(self, settings: ClassifySettings | None = None, cache_size: int = 50_000):
        self.settings = settings or ClassifySettings()
        # The learned layer when classify.model names a model file (classify/learned.py).
        self.layer: ModelLayer | None = None
        if self.settings.model:
            from classify.learned import load_layer  # numpy: only when a model is configured

            self.layer = load_layer(self.settings.model, CLASSIFIER_VERSION)
        # Stored with each result: the rules' version, plus the model's identity when one is used.
        self.version = self.layer.version if self.layer else CLASSIFIER_VERSION
        # (text, lang) -> (TextResult, memo): the memo holds what callers derive from it
        self._texts = RecentCache(cache_size)
        self._scored = RecentCache(cache_size)  # (scoring text, lang) -> _Scores

    def content(self, text: str, lang: str | None = None) -> TextResult:
        """Return what a text alone says: scores, language, intents, personal data (cached)."""
        return self.content_and_memo(text, lang)[0]

    def content_and_memo(self, text: str, lang: str | None = None) -> tuple[TextResult, dict]:
        """Return content(text, lang) and a dict kept with it for results derived from it.

        The classify stage keeps each topic kind's row parts there: one lookup per post.
        """
        key = (text, lang)
        cached = self._texts.get(key)
        if cached is None:
            cached = (
                _classify_content(text, lang, self.settings, self._scored, self.layer),
                {},
            )
            self._texts.put(key, cached)
        return cached

    def classify(
        self,
        text: str,
        *,
        lang: str | None = None,
        topic_kind: str | None = None,
        author_reach: int | None = None,
        created_at: datetime | None = None,
        now: datetime | None = None,
        post_id: str | None = None,
        topics: Sequence[tuple[str, str, Sequence[str]]] = (),
    ) -> Classification:
        """Classify one post, as classify_text does."""
        content = self.content(text, lang)
        if topics and topic_kind is None:
            topic_kind = first_kind([kind for _, kind, _ in topics])
        return finish(
            content,
            topic_kind=topic_kind,
            author_reach=author_reach,
            created_at=created_at,
            now=now,
            post_id=post_id,
            version=self.version,
            subject=decide_subject(text, topics, content.intents) if topics else None,
        )


def classify_many(
    items: Iterable[ClassifyItem | Post | tuple],
    settings: ClassifySettings | None = None,
    *,
    now: datetime | None = None,
    cache_size: int = 50_000,
) -> Iterator[Classification]:
    """Yield one Classification per item, in order, scoring each distinct text once."""
    classifier = Classifier(settings, cache_size)
    for raw in items:
        item = _to_item(raw)
        yield classifier.classify(
            item.text,
            lang=item.lang,
            topic_kind=item.topic_kind,
            author_reach=item.author_reach,
            created_at=item.created_at,
            now=now,
            post_id=item.post_id,
        )
