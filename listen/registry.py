"""Sources by name. Modules are imported only when a source is used (snscrape is heavy)."""

from __future__ import annotations

import importlib

_SOURCES = {
    "file": "listen.file:FileSource",
    "hackernews": "listen.hackernews:HackerNewsSource",
    "rss": "listen.rss:RssSource",
    "telegram": "listen.telegram:TelegramSource",
    "stackexchange": "listen.stackexchange:StackExchangeSource",
    "mastodon": "listen.mastodon:MastodonSource",
    "reddit": "listen.reddit:RedditSource",
    "bluesky": "listen.bluesky:BlueskySource",
    "x": "listen.x:XSource",
}
SOURCE_NAMES = list(_SOURCES)


def source_class(name: str) -> type:
    """Import and return the source class registered under name."""
    module_name, _, class_name = _SOURCES[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def settings_class(name: str) -> type:
    """Return the settings dataclass of a source (its module must import without snscrape)."""
    return source_class(name).settings_class
