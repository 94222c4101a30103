"""The classifications table's row values, in its column order (posts.CLASSIFICATION_COLUMNS).

The classify stage computes the parts of a row once per distinct text and topic kind and joins
them per post; only the store knows how the parts line up with the table's columns.
"""

from __future__ import annotations

from earmark.store.posts import content_values


def content_columns(content, reply_privately: bool) -> tuple:
    """Return a classified text's values for the columns sentiment ... reply_privately."""
    return content_values(content, reply_privately)


def outcome_columns(opportunity: str | None, reason: str | None, version: str) -> tuple:
    """Return the values of the columns opportunity, opportunity_reason and version."""
    return (opportunity, reason, version)


def classification_row(post_id: str, content: tuple, priority: tuple, outcome: tuple) -> tuple:
    """Join one post's parts (priority is (priority, priority_reason)) into its row values,
    all but classified_at."""
    return (post_id, *content, *priority, *outcome)
