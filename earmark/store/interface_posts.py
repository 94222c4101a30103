"""The store's typed interface, part 1: posts and their classifications."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from earmark.models import Classification, Post, TopicMatch
from earmark.store.posts import CursorUpdate


class PostStore(Protocol):
    """Posts, their topic matches and the sources' cursors."""

    def existing_post_ids(self, ids: Iterable[str]) -> set[str]:
        """Return which of these post ids are already stored."""

    def save_posts(
        self,
        posts: Sequence[Post],
        matches: Sequence[TopicMatch] = (),
        cursors: Sequence[CursorUpdate] = (),
    ) -> list[str]:
        """Insert new posts, their topic matches and cursor moves in one transaction."""

    def get_cursor(self, source: str, topic: str) -> str | None:
        """Return the stored cursor of (source, topic), or None before the first run."""

    def set_cursor(self, source: str, topic: str, value: str) -> None:
        """Store the cursor of (source, topic)."""

    def cursors(self) -> list[dict]:
        """Return every cursor row."""

    def count_posts(self) -> int:
        """Return how many posts are stored."""

    def get_post(self, post_id: str) -> Post | None:
        """Return one stored post, or None."""

    def search_posts(
        self,
        *,
        match: str | None = None,
        topic: str | None = None,
        intent: str | None = None,
        sentiment: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[dict]:
        """Return stored posts with their labels, newest first, filtered (FTS for match)."""

    def label_counts(self) -> dict[str, dict[str, int]]:
        """Count stored posts by topic, sentiment and primary intent, and opportunities by queue."""


class ClassificationStore(Protocol):
    """The labels of posts (classifications) and people's corrections of them (feedback)."""

    def iter_posts_to_classify(
        self, batch_size: int, *, everything: bool = False
    ) -> Iterator[list[tuple]]:
        """Yield batches of posts needing classification, as rows of TO_CLASSIFY_COLUMNS."""

    def count_posts_to_classify(self, *, everything: bool = False) -> int:
        """Return how many posts lack labels (every post with everything=True)."""

    def save_classifications(self, results: Sequence[Classification]) -> int:
        """Insert or replace classification rows in one transaction; return how many."""

    def save_classification_rows(self, rows: Sequence[tuple]) -> int:
        """Insert or replace rows made by classification_values in one transaction."""

    def save_feedback(
        self, post_id: str, sentiment: str | None, intents: list[str], actor: str
    ) -> int:
        """Store a person's correction of a post's labels; return its id."""

    def iter_feedback(self) -> Iterator[dict]:
        """Yield the latest correction per post joined with the post text."""
