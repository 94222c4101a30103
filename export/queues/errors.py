"""The error of queue actions (kept apart so every queue module can raise it)."""

from __future__ import annotations

from earmark.errors import EarmarkError


class QueueError(EarmarkError):
    """An opportunity or agent action that cannot be done (unknown id, invalid transition)."""


class NeedsForceError(QueueError):
    """An action the routing rules refuse (queue, language, capacity) that a lead's --force
    would override: says so, and keeps the parts for a caller that words the hint its own way
    (`next --claim` has no --force)."""

    def __init__(self, action: str, ident: int, problem: str) -> None:
        self.action = action
        self.ident = ident
        self.problem = problem
        super().__init__(f"{action} {ident}: {problem}; add --force to {action} anyway")
