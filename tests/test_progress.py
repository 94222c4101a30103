"""Progress on long work: shown on stderr with Rich when stderr is a terminal, never in pipes,
under cron or with --quiet, never on stdout; the stages report per batch, not per post."""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from ptyrun import run_on_pipes, run_on_terminal
from queue_fixtures import NOW, add_post, make_config, make_store
from rich.console import Console

from classify.stage import classify_posts
from earmark.cli.progress import TerminalProgress, make_progress, progress_delay
from earmark.config import Config
from earmark.progress import NO_PROGRESS
from earmark.store import Store
from export.queues.routing import ROUTE_STEP, route_opportunities
from listen.runner import run_listen

ROOT = Path(__file__).resolve().parent.parent
POSTS = 2000
CONFIG = """\
topics:
  - {name: acme, kind: brand, terms: [acme]}
sources:
  file: {path: posts.jsonl}
queues:
  - {name: support, match: {kinds: [brand]}, sla: 1h}
"""
WORDS = "outage down refund still waiting hub router bill charged twice thanks great app".split()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Recorder:
    """A Progress that writes down every call."""

    def __init__(self):
        self.calls: list[tuple] = []

    def start(self, label, total=None):
        self.calls.append(("start", label, total))

    def advance(self, count=1):
        self.calls.append(("advance", count))

    def finish(self):
        self.calls.append(("finish",))

    def steps(self) -> dict[str, list[int]]:
        """Return each step's label with the counts it advanced by."""
        out: dict[str, list[int]] = {}
        label = None
        for call in self.calls:
            if call[0] == "start":
                label = call[1]
                out[label] = []
            elif call[0] == "advance":
                out[label].append(call[1])
        return out


def write_project(tmp_path, count: int = POSTS) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "earmark.yaml").write_text(CONFIG, encoding="utf-8")
    with open(tmp_path / "posts.jsonl", "w", encoding="utf-8") as out:
        for i in range(count):
            text = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(9)) + f" acme {i}"
            record = {"id": f"x:{i}", "text": text, "author": f"u{i % 50}"}
            out.write(json.dumps({**record, "created_at": "2026-11-20T10:00:00Z"}) + "\n")
    return tmp_path


ENV = {"EARMARK_NOW": "2026-11-20T12:00:00Z", "EARMARK_PROGRESS_AFTER": "0"}


@pytest.mark.slow
def test_run_on_a_terminal_shows_progress_and_in_a_pipe_says_only_its_summary(tmp_path):
    first = write_project(tmp_path / "terminal")
    second = write_project(tmp_path / "pipe")
    code, stdout, screen = run_on_terminal(["run"], ENV, first)
    assert code == 0, screen
    plain = ANSI.sub("", screen)
    for label in ("import", "classify", "route"):
        assert label in plain, plain[-2000:]
    assert f"{POSTS}/{POSTS}" in plain or f"/{POSTS}" in plain  # classify knows its total
    summary = [
        f"file: {POSTS} new posts (acme {POSTS})",
        f"classify: {POSTS} posts",
    ]
    for line in summary:
        assert line in plain
    piped = run_on_pipes(["run"], ENV, second)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == stdout == ""
    lines = piped.stderr.splitlines()
    assert lines[:2] == summary and len(lines) == 3 and lines[2].startswith("route: ")
    assert "\x1b" not in piped.stderr and "\r" not in piped.stderr
    # The next run has nothing new: it prints nothing (cron silence).
    again = run_on_pipes(["run"], ENV, second)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


@pytest.mark.slow
def test_classify_with_quiet_on_a_terminal_draws_no_bar(tmp_path):
    project = write_project(tmp_path, count=500)
    code, _, screen = run_on_terminal(["listen", "-q"], ENV, project)
    assert code == 0 and screen.replace("\r", "") == "file: 500 new posts (acme 500)\n"
    code, stdout, screen = run_on_terminal(["-q", "classify"], ENV, project)
    assert code == 0 and stdout == ""
    assert screen.replace("\r", "") == "classified 500 posts\n"  # no escape, no bar


@pytest.mark.slow
def test_classify_on_a_terminal_counts_up_to_its_total(tmp_path):
    project = write_project(tmp_path, count=2000)
    assert run_on_pipes(["listen"], ENV, project).returncode == 0
    code, stdout, screen = run_on_terminal(["classify"], ENV, project)
    assert code == 0 and stdout == ""
    plain = ANSI.sub("", screen)
    assert "classify" in plain and "/2000" in plain
    assert plain.rstrip().endswith("classified 2000 posts")


def test_progress_appears_only_on_a_terminal_and_without_quiet():
    assert make_progress(stderr_is_tty=False, quiet=False, env={}) is NO_PROGRESS
    assert make_progress(stderr_is_tty=True, quiet=True, env={}) is NO_PROGRESS
    assert isinstance(make_progress(stderr_is_tty=True, quiet=False, env={}), TerminalProgress)
    assert progress_delay({}) == 1.0
    assert progress_delay({"EARMARK_PROGRESS_AFTER": "0"}) == 0.0
    assert progress_delay({"EARMARK_PROGRESS_AFTER": "soon"}) == 1.0


def terminal_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=80, color_system=None), out


def test_a_step_shorter_than_the_delay_draws_nothing():
    console, out = terminal_console()
    bars = TerminalProgress(after=3600, console=console)
    bars.start("classify", 10)
    bars.advance(10)
    bars.finish()
    bars.close()
    assert out.getvalue() == ""


def test_a_step_past_the_delay_draws_its_label_and_count():
    console, out = terminal_console()
    bars = TerminalProgress(after=0, console=console)
    bars.start("listen reddit")
    bars.advance(40)
    bars.advance(2)
    bars._bars.refresh()
    bars.close()
    drawn = ANSI.sub("", out.getvalue())
    assert "listen reddit" in drawn and "42/?" in drawn


def test_classify_reports_once_per_batch(tmp_path):
    with make_store(tmp_path) as store:
        for i in range(45):
            add_post(store, str(i), text=f"acme order {i} never arrived")
        store.conn.execute("DELETE FROM classifications")
        recorder = Recorder()
        settings = dataclasses.replace(Config().classify_settings(), batch_size=10)
        done = classify_posts(store, settings, now=NOW, progress=recorder)
    assert done == 45
    assert recorder.calls[0] == ("start", "classify", 45)
    assert recorder.steps() == {"classify": [10, 10, 10, 10, 5]}
    assert recorder.calls[-1] == ("finish",)


def test_listen_reports_each_source_and_batch(tmp_path):
    project = write_project(tmp_path, count=250)
    from earmark.cli.configfile import load_config

    config = load_config(str(project / "earmark.yaml"))
    recorder = Recorder()
    with Store(project / "e.db") as store:
        report = run_listen(store, config.listen_settings(), env={}, progress=recorder)
    assert report.new == 250
    steps = recorder.steps()
    assert list(steps) == ["import"]
    assert sum(steps["import"]) == 250 and 1 <= len(steps["import"]) < 250
    assert recorder.calls[-1] == ("finish",)


def test_route_reports_every_few_hundred_posts(tmp_path):
    with make_store(tmp_path) as store:
        for i in range(ROUTE_STEP + 20):
            add_post(store, str(i))
        recorder = Recorder()
        report = route_opportunities(
            store, make_config().queue_settings(), now=NOW, progress=recorder
        )
    assert report.created == ROUTE_STEP + 20
    assert recorder.steps() == {"route": [ROUTE_STEP, 20]}


def test_the_stages_import_neither_rich_nor_the_command_line():
    for package in ("listen", "classify", "export", "earmark/progress.py"):
        paths = [ROOT / package] if package.endswith(".py") else (ROOT / package).rglob("*.py")
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert not name.startswith(("rich", "earmark.cli", "click")), (path, name)


def test_the_search_spinner_keeps_quiet_with_quiet():
    from earmark.cli.app import App
    from earmark.cli.commands.cmd_run import _progress

    class TerminalApp(App):
        stderr_is_tty = True  # as if a person were watching stderr

    quiet = _progress(TerminalApp(quiet=True))
    with quiet as show:
        show("hackernews")
        assert quiet.status is None
    spinner = _progress(TerminalApp(quiet=False))
    with spinner as show:
        show("hackernews")
        assert spinner.status is not None
