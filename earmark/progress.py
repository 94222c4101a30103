"""How a long stage reports its progress, without knowing who (if anyone) shows it.

The stages (listen, classify, route) take a Progress and call it once per batch, never per
post; the command line passes one that draws on a terminal, everything else gets NO_PROGRESS.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives a stage's progress: start a step, advance it batch by batch, finish it."""

    def start(self, label: str, total: int | None = None) -> None:
        """Begin a step (e.g. `listen reddit`, `classify`); total is None when unknown."""

    def advance(self, count: int = 1) -> None:
        """Count count more items done in the current step."""

    def finish(self) -> None:
        """End the current step."""


class NoProgress:
    """Shows nothing: the default under cron, in pipes and in tests."""

    def start(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


NO_PROGRESS = NoProgress()


def wants_total(progress: Progress) -> bool:
    """Whether counting the work beforehand is worth it (someone is watching)."""
    return not isinstance(progress, NoProgress)
