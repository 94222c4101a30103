"""README.md's command examples run as written, in order, in a temporary directory, offline.

Every command of the README's sh, console and crontab blocks is either run here (see RUN) or
listed in SKIPPED with the reason; a new README command that is neither fails
test_every_readme_command_is_run_or_skipped. Console examples run on a pseudo-terminal (what
the README shows is what a terminal showed) and what the README shows must be there, in order
("..." stands for lines left out). The demo database comes from `earmark demo`; `$EDITOR
earmark.yaml` is an editor that points the sources and Slack at a server on 127.0.0.1, so
`earmark run` and the cron lines deliver there. A README example that is known to be wrong is
in STALE with the exact fix: its test is an expected failure while the README still says it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from httpserver import LocalServer
from readme_examples import Example, Ran, read_examples, run_in_terminal, run_piped, shown_in_order
from smtpserver import LocalSMTP

pytestmark = pytest.mark.slow  # about 25 earmark processes

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLES = read_examples(README)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

# Commands not run, each with why (a regular expression matching the README command).
SKIPPED = {
    r"python3 -m venv \.venv && \.venv/bin/pip install \. && \.venv/bin/earmark demo": (
        "installs from the package index into a new virtualenv; `earmark demo --db demo.db` runs"
    ),
    r"python3 -m venv \.venv && \.venv/bin/pip install -e '\.\[test\]' && \.venv/bin/pytest": (
        "installs from the package index and runs this test suite itself"
    ),
    r"cd /srv/earmark && \.venv/bin/earmark run": (
        "a crontab line for an installation in /srv/earmark; the same `earmark run` runs here"
    ),
    r"earmark export --new --dest email -f email \| ifne /usr/sbin/sendmail -t": (
        "needs moreutils' ifne and a local mail system (/usr/sbin/sendmail); the email format "
        "is tested in test_export_formats.py and SMTP delivery in test_notify_email.py"
    ),
    r"earmark search 'acme NEAR/3 refund' -f jsonl \| jq -r \.url": (
        "a live search of the real platforms (no config, so no source can point at 127.0.0.1); "
        "search is tested against local servers in test_search.py"
    ),
}
# An example the README gets wrong: (README text, the fix, why). Its test is an expected
# failure while README.md still contains that text, and must pass once it is fixed.
STALE: list[tuple[str, str, str]] = []


class Session:
    """The README's commands run in order in one directory, as one person would type them."""

    def __init__(self, workdir: Path, server: LocalServer, smtp: LocalSMTP):
        self.workdir = workdir
        self.server = server
        self.smtp = smtp
        home = workdir / "home"
        home.mkdir()
        self.env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(home),
            "XDG_STATE_HOME": str(home / "state"),
            "LANG": "C.UTF-8",
            "TERM": "xterm",
            "COLUMNS": "200",  # a terminal wide enough for the README's tables
            "EDITOR": str(self._editor()),
            "EARMARK_SLACK_WEBHOOK": server.url("/slack"),
            # Anything that still tried the internet would reach only this closed local port.
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        self.results: dict[int, Ran] = {}

    def _editor(self) -> Path:
        """An "editor" making the edit the README asks for: the sources and the mail server are
        ours, here on 127.0.0.1 (Slack already comes from $EARMARK_SLACK_WEBHOOK)."""
        script = self.workdir / "edit-config"
        sources = f'sources:\n  rss:\n    feeds: ["{self.server.url("/feed.xml")}"]\n'
        script.write_text(
            f"#!{sys.executable}\n"
            "import re, sys\n"
            "path = sys.argv[1]\n"
            "text = open(path, encoding='utf-8').read()\n"
            "start = text.index('\\nsources:') + 1\n"
            "end = re.search(r'\\n[a-z]', text[start:]).start() + start + 1\n"
            f"text = text[:start] + {sources!r} + text[end:]\n"
            "text = text.replace('smtp_host: localhost', 'smtp_host: 127.0.0.1')\n"
            f"text = text.replace('smtp_port: 25', 'smtp_port: {self.smtp.port}')\n"
            "open(path, 'w', encoding='utf-8').write(text)\n"
        )
        script.chmod(0o755)
        return script

    def run(self, example: Example) -> Ran:
        how = _how(example)
        command = example.command
        for old, new in how.get("rewrite", {}).items():
            command = command.replace(old, new)
        if command.startswith("export ") and "=" in command:  # a shell builtin: this session
            name, value = command[len("export ") :].split("=", 1)
            self.env[name] = value
            ran = Ran(0, "")
        elif how["on"] == "terminal":
            ran = run_in_terminal(command, self.workdir, self.env)
            ran = Ran(ran.code, _ANSI.sub("", ran.output))
        else:
            ran = run_piped(command, self.workdir, self.env)
        self.results[example.line] = ran
        return ran


def _feed() -> str:
    items = [
        ("1", "acme broadband down in leeds again, third time this week"),
        ("2", "thinking of leaving globex, their billing is a mess. is acme any better?"),
    ]
    entries = "".join(
        f"<item><guid>post-{guid}</guid><title>{title}</title><link>https://news.example/{guid}"
        "</link><pubDate>Fri, 20 Nov 2026 11:00:00 GMT</pubDate></item>"
        for guid, title in items
    )
    channel = f"<channel><title>t</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def _contains(*texts: str) -> Callable[[Session, Ran], None]:
    def check(session: Session, ran: Ran) -> None:
        for text in texts:
            assert text in ran.output, f"{text!r} not in the output:\n{ran.output[-2000:]}"

    return check


def _file_written(name: str, text: str) -> Callable[[Session, Ran], None]:
    def check(session: Session, ran: Ran) -> None:
        assert text in (session.workdir / name).read_text(encoding="utf-8")

    return check


def _delivered_by_curl(session: Session, ran: Ran) -> None:
    """curl posted what export printed (the Slack message JSON) to the webhook."""
    posts = [r for r in session.server.requests_to("/slack") if r.method == "POST"]
    last = posts[-1]
    assert last.headers.get("User-Agent", "").startswith("curl/"), last.headers
    body = last.body.decode()
    assert body == "" or "blocks" in json.loads(body) or "text" in json.loads(body), body


def _ran_once(session: Session, ran: Ran) -> None:
    """`earmark run` read the feed and delivered the new work to Slack and by email."""
    assert session.server.requests_to("/feed.xml"), "earmark run did not read the local feed"
    assert [r for r in session.server.requests_to("/slack") if r.method == "POST"]
    assert session.smtp.messages, "earmark run sent no email"


def _silent(session: Session, ran: Ran) -> None:
    """Nothing new since `earmark run` delivered it all: cron mails nothing."""
    assert (ran.output, ran.errors) == ("", "")


# How each command runs (a regular expression matching the README command): on a terminal
# (typed by a person) or piped (cron), with what else its result must show.
RUN: dict[str, dict] = {
    r"earmark demo --db demo\.db": {"on": "terminal"},
    r"export EARMARK_NOW=\S+": {"on": "terminal"},
    r"earmark --db demo\.db next --agent alice": {"on": "terminal"},
    r"earmark --db demo\.db (claim|respond) \d+ --agent alice": {"on": "terminal"},
    r"earmark --db demo\.db resolve \d+ --agent alice --note 'hub replaced'": {"on": "terminal"},
    r"earmark --db demo\.db explain \d+": {"on": "terminal"},
    r"earmark --db demo\.db queue support": {"on": "terminal", "check": _contains("support")},
    r"earmark --db demo\.db export -f markdown": {"on": "terminal", "check": _contains("# ")},
    r"earmark --db demo\.db stats --by agent": {"on": "terminal", "check": _contains("alice")},
    r"earmark --db demo\.db posts --match outage": {"on": "terminal", "check": _contains("outage")},
    r"earmark init": {"on": "terminal", "check": _file_written("earmark.yaml", "topics:")},
    r"\$EDITOR earmark\.yaml": {"on": "terminal", "check": _file_written("earmark.yaml", "rss:")},
    r"earmark config": {"on": "terminal", "check": _contains("127.0.0.1")},
    r"earmark topics test": {"on": "terminal"},
    r"earmark sources": {"on": "terminal", "check": _contains("rss")},
    r"earmark run": {"on": "terminal", "check": _ran_once},
    r"earmark queue": {"on": "terminal", "check": _contains("acme broadband down in leeds")},
    r"earmark notify slack": {"on": "cron", "check": _silent},
    r"earmark export --new --dest slack -f slack \| curl .*\"\$EARMARK_SLACK_WEBHOOK\"": {
        "on": "cron",
        "check": _delivered_by_curl,
    },
    r"earmark export --queue urgent -f html > /var/www/care/urgent\.html": {
        "on": "cron",
        "rewrite": {"/var/www/care/urgent.html": "urgent.html"},  # a directory we may write
        "check": _file_written("urgent.html", "<html"),
    },
}


def _how(example: Example) -> dict:
    matches = [how for pattern, how in RUN.items() if re.fullmatch(pattern, example.command)]
    assert len(matches) == 1, f"README line {example.line}: {len(matches)} RUN entries match"
    return matches[0]


def _skipped(example: Example) -> str | None:
    for pattern, reason in SKIPPED.items():
        if re.fullmatch(pattern, example.command):
            return reason
    return None


RUNNABLE = [example for example in EXAMPLES if _skipped(example) is None]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Run every runnable README command once, in README order; tests then read the results."""
    with LocalServer() as server, LocalSMTP() as smtp:
        server.add("/feed.xml", _feed(), content_type="application/rss+xml")
        server.add("/slack", "ok")
        ran = Session(tmp_path_factory.mktemp("readme"), server, smtp)
        for example in RUNNABLE:
            if all(re.fullmatch(p, example.command) is None for p in RUN):
                continue  # test_every_readme_command_is_run_or_skipped reports it
            ran.run(example)
        yield ran


def test_the_readme_has_shell_examples():
    assert len(EXAMPLES) >= 20
    assert any(example.shown for example in EXAMPLES)


def test_every_readme_command_is_run_or_skipped():
    """A command added to the README must be run here or listed in SKIPPED with the reason."""
    neither = [
        f"README.md:{e.line}: {e.command}"
        for e in EXAMPLES
        if _skipped(e) is None and all(re.fullmatch(p, e.command) is None for p in RUN)
    ]
    assert not neither, "add these to RUN or SKIPPED in this file:\n" + "\n".join(neither)
    unused = [
        pattern
        for pattern in [*RUN, *SKIPPED]
        if all(re.fullmatch(pattern, e.command) is None for e in EXAMPLES)
    ]
    assert not unused, f"entries that match no README command any more: {unused}"


def _stale(example: Example) -> list[tuple[str, str, str]]:
    shown = "\n".join([example.command, *example.shown])
    return [entry for entry in STALE if entry[0] in shown]


@pytest.mark.parametrize("example", RUNNABLE, ids=lambda e: f"line{e.line}")
def test_readme_example_runs_as_written(example, session, request):
    for _text, fix, why in _stale(example):
        request.applymarker(
            pytest.mark.xfail(strict=True, reason=f"README.md:{example.line} {why}: {fix!r}")
        )
    ran = session.results[example.line]
    assert ran.code == 0, f"exit {ran.code}:\n{ran.output[-3000:]}\n{ran.errors[-2000:]}"
    missing = shown_in_order(example.shown, ran.output)
    assert not missing, "not shown:\n" + "\n".join(missing) + "\n--- got:\n" + ran.output[-4000:]
    check = _how(example).get("check")
    if check is not None:
        check(session, ran)


def test_tools_the_cron_lines_pipe_into_exist():
    """curl is part of the Slack pipe that runs here (jq and ifne are in skipped examples)."""
    assert shutil.which("curl"), "curl is needed for the README's Slack pipe example"
