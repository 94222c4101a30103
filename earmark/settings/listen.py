"""What the listen stage reads: the sources with their settings, the topics, where the config is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the topic type is defined with the config it comes from
    from earmark.config import Topic


@dataclass(frozen=True)
class ListenSettings:
    """The config sections listening and collector health use."""

    sources: dict[str, Any]  # source name -> that source's settings dataclass
    topics: list[Topic]
    path: str | None = None  # the config file: relative source paths are read from its folder
