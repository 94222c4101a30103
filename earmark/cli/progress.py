"""Progress bars on stderr for a person at a terminal (earmark.progress.Progress, drawn by Rich).

A step appears only once it has run for EARMARK_PROGRESS_AFTER seconds (default 1), so quick
commands draw nothing; the bars are transient (gone when the command ends) and never touch
stdout. The command line uses this only when stderr is a terminal and --quiet was not given.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from earmark.progress import NO_PROGRESS, Progress

DEFAULT_AFTER = 1.0


def progress_delay(env: Mapping[str, str]) -> float:
    """Seconds a step runs before its bar appears: $EARMARK_PROGRESS_AFTER, else 1."""
    try:
        return max(0.0, float(env.get("EARMARK_PROGRESS_AFTER", DEFAULT_AFTER)))
    except ValueError:
        return DEFAULT_AFTER


class TerminalProgress:
    """Draws each step as a Rich progress bar on stderr once it has run for `after` seconds."""

    def __init__(self, after: float = DEFAULT_AFTER, console: Any = None):
        self.after = after
        self.console = console
        self._lock = threading.Lock()
        self._bars: Any = None  # rich.progress.Progress, made when a step is first shown
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._step: tuple[str, int | None] | None = None
        self._done = 0

    def start(self, label: str, total: int | None = None) -> None:
        self.finish()
        with self._lock:
            self._step, self._done = (label, total), 0
            if self.after <= 0:
                self._show_locked()
            else:
                self._timer = threading.Timer(self.after, self._show)
                self._timer.daemon = True
                self._timer.start()

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self._done += count
            if self._task is not None:
                self._bars.update(self._task, completed=self._done)

    def finish(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._task is not None:
                self._bars.remove_task(self._task)
                self._task = None
            self._step = None

    def close(self) -> None:
        """End the current step and take the bars off the terminal."""
        self.finish()
        with self._lock:
            if self._bars is not None:
                self._bars.stop()
                self._bars = None

    def _show(self) -> None:
        with self._lock:
            self._show_locked()

    def _show_locked(self) -> None:
        if self._step is None or self._task is not None:
            return
        if self._bars is None:
            self._bars = _make_bars(self.console)
            self._bars.start()
        label, total = self._step
        self._task = self._bars.add_task(label, total=total, completed=self._done)


def _make_bars(console: Any) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
        # stdout carries data: Rich must not route it (or anything else) through the display.
        redirect_stdout=False,
        redirect_stderr=False,
    )


def make_progress(*, stderr_is_tty: bool, quiet: bool, env: Mapping[str, str]) -> Progress:
    """Return bars for a person at a terminal, or NO_PROGRESS (cron, pipes, --quiet)."""
    if quiet or not stderr_is_tty:
        return NO_PROGRESS
    return TerminalProgress(progress_delay(env))
