"""`earmark search`: a live one-off query across sources, classified, nothing stored by default."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from earmark.config import Config, Topic
from earmark.configload import ConfigError
from earmark.errors import UsageError

# Sources that answer a search with no account and no settings of their own.
DEFAULT_SOURCES = ("hackernews", "reddit", "stackexchange", "mastodon")
SEARCH_TOPIC = "search"
_WORD = re.compile(r"[^\W_][\w'-]*")
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass
class SearchResult:
    """Classified posts from a live search, and which sources failed."""

    posts: list = field(default_factory=list)  # (Post, TopicMatch list, Classification)
    errors: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def search_config(query: str, config: Config, source_names: list[str]) -> Config:
    """Build the one-topic config a search runs with, reusing configured source settings."""
    from earmark.cli.configfile import check_query
    from listen.registry import SOURCE_NAMES, settings_class

    try:
        check_query(query)  # first, so the error is about QUERY, not a topic named "search"
        topic = Topic(name=SEARCH_TOPIC, kind="brand", query=query)
        topic.validate()
    except (ConfigError, ValueError) as error:
        raise UsageError(f"QUERY: {error}") from None
    for name in source_names:
        if name not in SOURCE_NAMES:
            raise UsageError(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}")
    sources = {}
    for name in source_names:
        settings = config.sources.get(name) or settings_class(name)()
        if name == "mastodon" and not settings.hashtags:
            words = [w for w in _WORD.findall(query) if w.upper() not in _OPERATORS]
            settings = dataclasses.replace(settings, hashtags=[w.lower() for w in words][:3])
        sources[name] = settings
    return Config(topics=[topic], sources=sources, classify=config.classify)


def run_search(
    query: str,
    config: Config,
    *,
    source_names: list[str],
    limit: int | None,
    since: datetime | None,
    now: datetime,
    env: Mapping[str, str],
    on_source: Callable[[str], None] = lambda name: None,
) -> SearchResult:
    """Query the sources live, match locally, classify; store nothing."""
    from classify import classify_many
    from listen.runner import collect

    live = search_config(query, config, source_names)
    result = SearchResult(sources=list(live.sources))
    found = {}
    on_source(result.sources[0])
    for item in collect(live.listen_settings(), limit=limit, since=since, env=env):
        if item.end:
            if item.error:
                result.errors[item.source] = item.error
            following = result.sources.index(item.source) + 1
            if following < len(result.sources):
                on_source(result.sources[following])
            continue
        by_post = {}
        for match in item.matches:
            by_post.setdefault(match.post_id, []).append(match)
        for post in item.posts:
            found.setdefault(post.id, (post, by_post.get(post.id, [])))
    posts = list(found.values())
    settings = live.classify_settings()
    labels = classify_many(((post, "brand") for post, _ in posts), settings, now=now)
    result.posts = [
        (post, matches, label) for (post, matches), label in zip(posts, labels, strict=True)
    ]
    result.posts.sort(key=lambda row: (-row[2].priority, -row[0].created_at.timestamp()))
    return result


def save_search(store, result: SearchResult) -> list[str]:
    """Store what a search found (posts, matches, labels); return the ids that were new."""
    posts = [post for post, _, _ in result.posts]
    matches = [m for _, found, _ in result.posts for m in found]
    new = store.posts.save_posts(posts, matches)
    labels = []
    for post, _, label in result.posts:
        label.post_id = post.id
        labels.append(label)
    store.classifications.save_classifications(labels)
    return new
