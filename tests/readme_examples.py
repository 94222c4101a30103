"""Read README.md's shell examples and run them as a user would (see test_readme_examples.py).

A `console` block is a terminal session: `$ command` lines, each followed by what the terminal
showed. `sh` blocks are commands (a trailing `# comment` is not part of them); `crontab` blocks
are crontab lines, whose command follows the five time fields.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SHELL_BLOCKS = ("sh", "console", "crontab")
_FENCE = re.compile(r"^```(\w*)\s*$")
# An elided part of a shown output: "...", "...  (4 more of alice's items ...)".
ELISION = re.compile(r"^\.\.\.(\s|$)")


@dataclass
class Example:
    """One command of the README, where it is, and the output the README shows for it."""

    command: str
    block: str  # sh | console | crontab
    line: int  # 1-based line of the command in README.md
    shown: list[str] = field(default_factory=list)  # console blocks only


def _strip_comment(line: str) -> str:
    """Drop a trailing shell comment (a # after whitespace, outside quotes)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def read_examples(readme: Path) -> list[Example]:
    """Return every command of README.md's sh, console and crontab blocks, in order."""
    examples: list[Example] = []
    block: str | None = None
    for number, line in enumerate(readme.read_text(encoding="utf-8").splitlines(), 1):
        fence = _FENCE.match(line)
        if fence:
            block = None if block is not None else fence.group(1) or "text"
            continue
        if block not in SHELL_BLOCKS:
            continue
        if block == "console":
            if line.startswith("$ "):
                examples.append(Example(line[2:].strip(), block, number))
            elif examples and examples[-1].line < number and examples[-1].block == "console":
                examples[-1].shown.append(line)
            continue
        command = _strip_comment(line.strip())
        if not command:
            continue
        if block == "crontab":
            command = command.split(None, 5)[5]
        examples.append(Example(command, block, number))
    return examples


@dataclass
class Ran:
    """What running one example gave."""

    code: int
    output: str  # stdout (and, on a terminal, stderr interleaved as a person sees it)
    errors: str = ""  # stderr, when not on a terminal


def run_in_terminal(command: str, cwd: Path, env: dict, timeout: float = 300) -> Ran:
    """Run a shell command on a pseudo-terminal, as typed in a terminal; return what it showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                raise TimeoutError(f"{command!r} ran for more than {timeout} s")
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
    code = process.wait(timeout=30)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return Ran(code, text)


def run_piped(command: str, cwd: Path, env: dict, timeout: float = 300) -> Ran:
    """Run a shell command with its output piped (as cron runs it)."""
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Ran(result.returncode, result.stdout, result.stderr)


_BORDER = re.compile(r"^[\s\u2500-\u257f]*$")  # a table rule: box-drawing characters only
_CELL_EDGE = re.compile(r"[\u2502\u2503]")  # the vertical bars between table cells


def _item(line: str) -> tuple | None:
    """What a line says, without its layout: a table row as its cells, other text with its
    spaces collapsed; None for a table rule or a blank line."""
    line = line.strip()
    if not line or _BORDER.match(line):
        return None
    if _CELL_EDGE.search(line):
        cells = [cell.strip() for cell in _CELL_EDGE.split(line)]
        if _CELL_EDGE.match(line[0]) and _CELL_EDGE.match(line[-1]):
            cells = cells[1:-1]  # the table's outer edges
        return ("row", *cells)
    return ("text", " ".join(line.split()))


def _same_cell(expected: str, actual: str) -> bool:
    """Equal, or one is the other cut short with an ellipsis (tables cut text to fit)."""
    if expected == actual:
        return True
    for cut, whole in ((expected, actual), (actual, expected)):
        if cut.endswith("\u2026") and whole.startswith(cut[:-1].rstrip()):
            return True
    return False


def _same(expected: tuple, actual: tuple) -> bool:
    if expected[0] != actual[0] or len(expected) != len(actual):
        return False
    if expected[0] == "text":
        return expected == actual
    return all(_same_cell(e, a) for e, a in zip(expected[1:], actual[1:], strict=True))


def shown_in_order(shown: list[str], output: str) -> list[str]:
    """Return the shown lines whose substance is missing from output, in order.

    Each shown line must come after the one before it; "..." stands for any lines. Layout does
    not count: table rules, padding, alignment and column widths may differ, and a cell cut
    short with "…" matches the longer text (so a table drawn for another terminal width still
    matches), but every shown cell and every word of other lines must be there.
    """
    actual = [item for item in map(_item, output.splitlines()) if item is not None]
    missing = []
    at = 0
    for line in shown:
        if ELISION.match(line.strip()):
            continue
        expected = _item(line)
        if expected is None:
            continue
        found = next((i for i in range(at, len(actual)) if _same(expected, actual[i])), None)
        if found is None:
            missing.append(line.rstrip())
        else:
            at = found + 1
    return missing
