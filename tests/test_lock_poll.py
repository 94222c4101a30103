"""earmark.lock.poll_until: the wait loop shared by the file locks and PostgreSQL's advisory
locks (earmark.store.pglock), with a recording sleep instead of the clock's."""

from __future__ import annotations

from earmark.lock import _POLL, poll_until


def attempts(results: list[bool]):
    calls: list[int] = []

    def attempt() -> bool:
        calls.append(1)
        return results[len(calls) - 1]

    return attempt, calls


def test_first_success_returns_at_once_without_sleeping():
    attempt, calls = attempts([True])
    slept: list[float] = []
    assert poll_until(attempt, 60.0, slept.append) is True
    assert (len(calls), slept) == (1, [])


def test_retries_with_the_poll_interval_until_an_attempt_succeeds():
    attempt, calls = attempts([False, False, True])
    slept: list[float] = []
    assert poll_until(attempt, 3600.0, slept.append) is True
    assert (len(calls), slept) == (3, [_POLL, _POLL])


def test_no_wait_tries_once_and_gives_up():
    attempt, calls = attempts([False, True])
    slept: list[float] = []
    assert poll_until(attempt, 0.0, slept.append) is False
    assert (len(calls), slept) == (1, [])
