"""Run `earmark` in a real subprocess whose stderr is a pseudo-terminal (stdout stays a pipe),
as a person at a terminal runs it; or with both on pipes, as cron and scripts do."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

DEADLINE = 300  # seconds: a safety net for a hung child, not a measurement


def _env(extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30", **extra})
    return env


def run_on_terminal(args: list[str], extra_env: dict, cwd) -> tuple[int, str, str]:
    """Run earmark with stderr on a pty; return (exit code, stdout, what the terminal got)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "earmark", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=cwd,
        env=_env(extra_env),
    )
    os.close(follower)
    screen = bytearray()
    assert proc.stdout is not None
    stdout = bytearray()
    streams = {leader: screen, proc.stdout.fileno(): stdout}
    while streams:
        ready, _, _ = select.select(list(streams), [], [], DEADLINE)
        if not ready:
            proc.kill()
            raise AssertionError(f"earmark {args} hung; terminal so far: {bytes(screen)!r}")
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the pty reports EIO once the child closed it
                chunk = b""
            if chunk:
                streams[fd].extend(chunk)
            else:
                del streams[fd]
    os.close(leader)
    proc.stdout.close()
    code = proc.wait(timeout=DEADLINE)
    return code, stdout.decode(), screen.decode("utf-8", "replace")


def run_with_stdout_on_terminal(args: list[str], extra_env: dict, cwd) -> tuple[int, str]:
    """Run earmark with stdout on a pty (stderr discarded); return (exit code, what it printed)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "earmark", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=_env(extra_env),
    )
    os.close(follower)
    screen = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], DEADLINE)
        if not ready:
            proc.kill()
            raise AssertionError(f"earmark {args} hung; terminal so far: {bytes(screen)!r}")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO once the child closed the terminal
            break
        if not chunk:
            break
        screen.extend(chunk)
    os.close(leader)
    code = proc.wait(timeout=DEADLINE)
    return code, screen.decode("utf-8", "replace").replace("\r\n", "\n")


def run_on_pipes(args: list[str], extra_env: dict, cwd) -> subprocess.CompletedProcess:
    """Run earmark with stdout and stderr captured by pipes (as under cron)."""
    return subprocess.run(
        [sys.executable, "-m", "earmark", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(extra_env),
        timeout=DEADLINE,
    )
