"""The error of queue actions (kept apart so every queue module can raise it)."""

from __future__ import annotations

from earmark.errors import EarmarkError


class QueueError(EarmarkError):
    """An opportunity or agent action that cannot be done (unknown id, invalid transition)."""
