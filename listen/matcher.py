"""Local topic matching: every post from every source obeys the same rules.

A topic matches a post when any of its `terms` (or its `query`) matches, every one of `all`
matches, none of `exclude` matches, and the post's language is one of `languages` (a post with
no known language passes). Matching is case- and accent-insensitive on whole words; see
listen/textnorm.py for terms and listen/query.py for queries. Compile topics once with
`compile_topics`, then call `match_topics` per post.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from earmark.configload import ConfigError
from earmark.models import Post, TopicMatch, utcnow
from listen.query import Node, PostView, QueryError, parse_query, query_literals
from listen.textnorm import display_term, term_literal, term_pattern


@dataclass
class CompiledTopic:
    """A topic with its regexes built once (matching runs on millions of posts)."""

    name: str
    kind: str
    terms: list[tuple[str, re.Pattern]]
    any_regex: re.Pattern | None  # every term in one alternation: a fast first test
    all: list[tuple[str, re.Pattern]]
    exclude: re.Pattern | None
    languages: frozenset[str]
    query: Node | None = None
    # Substrings of which a matching text holds at least one: `in` tests are ~100x faster
    # than a regex search, and most posts match no topic. None: no such pre-test.
    literals: tuple[str, ...] | None = None
    source: object = field(default=None, repr=False)

    def match(self, view: PostView) -> list[str] | None:
        """Return the terms of this topic that matched the post, or None when it does not match."""
        if self.literals is not None:
            text = view.text
            if not any(literal in text for literal in self.literals):
                return None
        if self.languages:
            lang = view.lang
            if lang and lang.split("-")[0] not in self.languages:
                return None
        if self.query is not None:
            found = self.query.evaluate(view)
            if found is None:
                return None
            terms = sorted(found)
        else:
            if self.any_regex is None or self.any_regex.search(view.text) is None:
                return None
            terms = [term for term, regex in self.terms if regex.search(view.text)]
        for term, regex in self.all:
            if regex.search(view.text) is None:
                return None
            terms.append(term)
        if self.exclude is not None and self.exclude.search(view.text):
            return None
        return terms


class TopicError(ConfigError):
    """A topic cannot be compiled (a term with nothing to search for, a bad query)."""


def _compile_terms(topic_name: str, key: str, terms: Iterable[str]) -> list[tuple[str, str]]:
    compiled = []
    for term in terms:
        try:
            compiled.append((display_term(term), term_pattern(term)))
        except ValueError as error:
            raise TopicError(f"topics.{topic_name}.{key}: {error}") from None
    return compiled


def _alternation(patterns: Sequence[str]) -> re.Pattern | None:
    if not patterns:
        return None
    # Longest first, so a phrase is preferred over a word it starts with.
    ordered = sorted(patterns, key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in ordered))


def compile_topic(topic) -> CompiledTopic:
    """Build the regexes (or query tree) of one config Topic."""
    query = literals = None
    if topic.query:
        try:
            query = parse_query(topic.query)
        except QueryError as error:
            raise TopicError(f"topics.{topic.name}.query: {error}") from None
        found = query_literals(query)
        literals = tuple(sorted(found)) if found is not None else None
    else:
        literals = tuple(sorted({term_literal(term) for term in topic.terms}))
    terms = _compile_terms(topic.name, "terms", topic.terms)
    all_terms = _compile_terms(topic.name, "all", topic.all)
    exclude = _compile_terms(topic.name, "exclude", topic.exclude)
    return CompiledTopic(
        name=topic.name,
        kind=topic.kind,
        terms=[(term, re.compile(pattern)) for term, pattern in terms],
        any_regex=_alternation([pattern for _, pattern in terms]),
        all=[(term, re.compile(pattern)) for term, pattern in all_terms],
        exclude=_alternation([pattern for _, pattern in exclude]),
        languages=frozenset(lang.lower().split("-")[0] for lang in topic.languages),
        query=query,
        literals=literals,
        source=topic,
    )


def compile_topics(topics: Iterable) -> list[CompiledTopic]:
    """Compile every topic once."""
    return [compile_topic(topic) for topic in topics]


def match_topics(post: Post, topics: Sequence[CompiledTopic]) -> list[TopicMatch]:
    """Return a TopicMatch for every topic the post matches, with the terms that matched."""
    view = PostView(post)
    matches = []
    for topic in topics:
        terms = topic.match(view)
        if terms is not None:
            matches.append(TopicMatch(post.id, topic.name, topic.kind, terms))
    return matches


@dataclass
class ExampleFailure:
    """A golden example a topic gets wrong."""

    topic: str
    text: str
    expected: bool  # True: should match but did not; False: should not match but did

    def describe(self) -> str:
        verb = "should match but does not" if self.expected else "should not match but does"
        return f"{self.topic}: {verb}: {self.text!r}"


def check_examples(topics: Iterable) -> tuple[int, list[ExampleFailure]]:
    """Check every topic's should_match/should_not_match; return (examples checked, failures)."""
    checked, failures = 0, []
    now = utcnow()
    for topic in topics:
        compiled = compile_topic(topic)
        for expected, examples in ((True, topic.should_match), (False, topic.should_not_match)):
            for i, text in enumerate(examples):
                checked += 1
                post = Post(platform="example", native_id=str(i), text=text, created_at=now)
                matched = compiled.match(PostView(post)) is not None
                if matched != expected:
                    failures.append(ExampleFailure(topic.name, text, expected))
    return checked, failures
