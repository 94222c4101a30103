"""The signals that end a source's fetch early without an error, and how a source says so."""

from __future__ import annotations

import logging


class BudgetExhausted(Exception):  # noqa: N818 - a stop signal, not an error
    """Stop fetching for this run: the request budget or the rate-limit window is used up.

    Not an error: sources catch it, keep what they already yielded and end their fetch.
    Raised only before a fetch starts: a fetch that fails halfway raises SourceError.
    """


class DeadlineReached(BudgetExhausted):
    """Stop fetching for this run: the run's deadline (`--max-duration`) has come.

    Sources stop as for a used-up budget; the deadline's `hit` flag lets the run say so.
    """


def note_stop(log: logging.Logger, stop: BudgetExhausted) -> None:
    """Say why a source stopped early: a used-up budget always (no -v needed), the deadline
    only at -v (the run itself says it stopped at --max-duration)."""
    if isinstance(stop, DeadlineReached):
        log.info("%s", stop)
    else:
        log.warning("%s", stop)


__all__ = ["BudgetExhausted", "DeadlineReached", "note_stop"]
