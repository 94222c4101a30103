"""The broadest server-side search a source can send for a topic (the exact match runs locally)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from earmark.config import Topic


def search_terms(topic: Topic) -> list[str]:
    """Return the topic's positive terms (any-of terms, or the words of its query), deduplicated.

    Sources OR these together; the runner applies the topic's full rules to what comes back.
    Wildcards are cut to their stem (`refund*` -> `refund`), which only widens the search.
    """
    terms = list(topic.terms or [])
    if topic.query:
        from listen.query import parse_query, query_terms

        terms.extend(query_terms(parse_query(topic.query)))
    seen: set[str] = set()
    unique = []
    for term in terms:
        term = term.replace("*", " ").replace("?", " ").strip()
        term = " ".join(term.split())
        if term and term.lower() not in seen:
            seen.add(term.lower())
            unique.append(term)
    return unique


def plain_terms(terms: list[str]) -> list[str]:
    """Return terms without their leading `@`/`#`, for platforms that search words only."""
    return [term.lstrip("@#") for term in terms if term.lstrip("@#")]
