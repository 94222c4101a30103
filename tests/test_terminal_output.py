"""What people read on a terminal never carries a control, escape or bidi character from a post,
and Rich never reads post text (or a title built from it) as markup.

The renderers write to a stream that says it is a terminal, at the width $COLUMNS gives (Rich
reads it), with TERM=dumb so Rich adds no colour sequences of its own: any ESC in the output
came from the data. One test keeps Rich's colours on and checks that its SGR sequences are the
only escapes. The forbidden characters are listed from the Unicode standard here, not imported
from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import unicodedata
from contextlib import contextmanager

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from queue_fixtures import add_post, make_store

from earmark.cli import cli
from earmark.cli.output import write_records, write_table
from earmark.cli.queue_tables import render_item, render_stats
from export.formats.records import RECORD_COLUMNS
from export.formats.records import write_table as write_export_table
from export.queues.views import QUEUE_COLUMNS, for_table, render_explanation

# PropList.txt, Bidi_Control (Unicode 15): ALM, LRM, RLM, LRE..RLO, LRI..PDI.
BIDI_CONTROL = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F))}
BIDI_CONTROL |= set(map(chr, range(0x2066, 0x206A)))
PIECES = [
    "\x1b]0;pwned\x07",  # OSC: set the window title
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[31m",
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x9b31m",  # 8-bit CSI
    "\x1bP+q\x1b\\",  # DCS
    "\x07\x08\x00\x7f",
    "\r",
    "\r\n",
    "\n",
    "\t",
    "\x85",
    "\u2028",
    "\u202e",
    "\u2066",
    "\u200f",
    "[bold]",
    "[/bold]",
    "[link=http://evil.example/]x[/link]",
    "[/]",
    ":smile:",
    "\ud800",
    "acme",
    " ",
]
hostile = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Mn"]),
        st.text(max_size=20),
    ),
    max_size=12,
).map("".join)
WIDTHS = st.sampled_from([12, 33, 80, 200])


def unsafe_characters(output: str) -> list[str]:
    """Return the characters a terminal would act on, or that lie about direction."""
    return [
        char
        for char in output
        if (unicodedata.category(char) == "Cc" and char != "\n")
        or char in BIDI_CONTROL
        or unicodedata.category(char) == "Cs"
    ]


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as sys.stdout does in an interactive shell."""

    def isatty(self) -> bool:
        return True


@contextmanager
def terminal_env(width: int, term: str = "dumb"):
    saved = {key: os.environ.get(key) for key in ("COLUMNS", "LINES", "TERM")}
    os.environ.update(COLUMNS=str(width), LINES="40", TERM=term)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def render(width: int, draw) -> str:
    out = Terminal()
    with terminal_env(width):
        draw(out)
    return out.getvalue()


def queue_record(text: str, other: str) -> dict:
    return {
        "id": 7,
        "queue": other,
        "status": "open",
        "agent": other,
        "priority": 50,
        "sla": "at_risk",
        "sla_left": "-5m",
        "sla_due": "2026-01-01T00:00:00Z",
        "age": "2h",
        "created_at": "2026-01-01T00:00:00Z",
        "platform": other,
        "author": other,
        "url": other,
        "sentiment": other,
        "intents": [other, "complaint"],
        "reply_privately": True,
        "text": text,
    }


settings_for_rendering = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@settings_for_rendering
@given(text=hostile, other=hostile, title=hostile, width=WIDTHS)
def test_list_tables_show_no_control_or_bidi_characters(text, other, title, width):
    record = {"id": 1, "text": text, "author": other, "topics": [other], "detail": {"k": other}}
    output = render(width, lambda out: write_records([record], "table", title=title, out=out))
    assert unsafe_characters(output) == []
    queue = [queue_record(text, other)]
    output = render(width, lambda out: write_table(for_table(queue), QUEUE_COLUMNS, out=out))
    assert unsafe_characters(output) == []


@settings_for_rendering
@given(text=hostile, other=hostile, title=hostile, width=WIDTHS)
def test_export_and_next_tables_show_no_control_or_bidi_characters(text, other, title, width):
    record = {column: other for column in RECORD_COLUMNS}
    record.update(id=1, text=text, reply_privately=True)
    output = render(
        width, lambda out: write_export_table([record], out, title=title, render_table=write_table)
    )
    assert unsafe_characters(output) == []
    item = queue_record(text, other)
    output = render(width, lambda out: render_item(item, mine=False, out=out))
    assert unsafe_characters(output) == []


@settings_for_rendering
@given(name=hostile, title=hostile, width=WIDTHS)
def test_stats_table_shows_no_control_or_bidi_characters(name, title, width):
    record = {
        "queue": name,
        "volume": 3,
        "backlog": 1,
        "assign_p50": 60,
        "assign_p90": None,
        "response_p50": 120,
        "response_p90": 300,
        "breaches": 0,
        "resolution_rate": 0.5,
    }
    output = render(width, lambda out: render_stats([record], "queue", title=title, out=out))
    assert unsafe_characters(output) == []


@settings(max_examples=60, deadline=None)
@given(text=hostile, other=hostile)
def test_explain_lines_are_single_safe_lines(text, other):
    record = queue_record(text, other)
    record["posts"] = ["x:1", other]
    record["events"] = [
        {"at": "2026-01-01T00:00:00Z", "type": "dismissed", "actor": other, "why": other},
    ]
    record["waiting"] = {
        "strategy": "least_loaded",
        "candidates": [{"agent": other, "load": 1, "capacity": 2, "rejected": other}],
    }
    for line in render_explanation(record):
        assert "\n" not in line
        assert unsafe_characters(line) == []


def test_markup_in_post_text_and_titles_is_shown_literally():
    out = Terminal()
    record = {"text": "[bold]hi[/bold] [link=http://evil.example/]x[/link] :smile:"}
    with terminal_env(200):
        write_records([record], "table", ["text"], title="[red]3 posts for [b]acme", out=out)
    output = out.getvalue()
    assert "[bold]hi[/bold] [link=http://evil.example/]x[/link] :smile:" in output
    assert "[red]3 posts for [b]acme" in output
    assert "😄" not in output


def test_with_colours_on_the_only_escapes_are_richs_own_styles():
    out = Terminal()
    text = "a\x1b]0;pwned\x07b\x1b[2Jc\x9bd\u202ee [bold]f[/bold]"
    with terminal_env(120, term="xterm-256color"):
        write_records([{"text": text}], "table", ["text"], title="posts", out=out)
    output = out.getvalue()
    assert "\x1b[" in output  # the header is bold: Rich did style this output
    assert re.findall(r"\x1b(?!\[[0-9;]*m)", output) == []
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    assert unsafe_characters(plain) == []
    assert "a]0;pwnedb[2Jcde [bold]f[/bold]" in plain


# --- end to end: hostile posts in the database, every command people read -----------------

HOSTILE_POST = "\x1b]0;pwned\x07acme \x1b[31mdown\x1b[0m \u202etxt.exe [bold]x[/bold]\r\nBcc: y"
CONFIG = """
topics:
  - {name: acme, kind: brand, terms: [acme]}
queues:
  - {name: support, match: {kinds: [brand]}, sla: 1h}
agents:
  - {name: ana, queues: [support]}
"""


def test_every_human_command_prints_hostile_posts_safely(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG)
    with make_store(tmp_path) as store:
        add_post(store, "1", text=HOSTILE_POST, author="\x1b[2Jeve\u202e")
    base = ["-c", str(config), "--db", str(tmp_path / "queues.db")]
    env = {"EARMARK_NOW": "2024-05-01T12:00:00Z", "EARMARK_AGENT": "ana"}
    runner = CliRunner()
    routed = runner.invoke(cli, [*base, "route"], env=env)
    assert routed.exit_code == 0, routed.output
    for args in (
        ["posts", "-f", "table"],
        ["posts", "--match", "acme", "-f", "table"],
        ["queue", "-f", "table"],
        ["next", "-f", "table"],
        ["explain", "1", "-f", "table"],
        ["export", "-f", "table"],
    ):
        result = runner.invoke(cli, [*base, *args], env=env)
        assert result.exit_code == 0, (args, result.output)
        assert "txt.exe" in result.stdout, args  # the post is shown...
        assert unsafe_characters(result.stdout) == [], args  # ...without what it hid
    # Data formats keep the text exactly.
    jsonl = runner.invoke(cli, [*base, "posts", "-f", "jsonl"], env=env)
    assert [json.loads(line)["text"] for line in jsonl.stdout.splitlines()] == [HOSTILE_POST]
    exported = runner.invoke(cli, [*base, "posts", "-f", "csv"], env=env)
    # CliRunner.stdout turns "\r\n" into "\n": read the bytes.
    rows = list(csv.DictReader(io.StringIO(exported.stdout_bytes.decode(), newline="")))
    assert [row["text"] for row in rows] == [HOSTILE_POST]


def test_messages_on_stderr_carry_no_control_or_bidi_characters(capsys):
    # Errors, summaries and log lines quote posts, paths and servers: the same cleaning applies.
    from earmark.cli import redact
    from earmark.cli.app import App

    hostile = "a\x1b]0;title\x07b\x1b[31mc\u202ed\x9be"
    assert redact(hostile) == "a]0;titleb[31mcde"
    app = App(verbose=1)
    app.configure_logging()
    app.say(hostile)
    logging.getLogger("earmark").warning("log: %s", hostile)
    err = capsys.readouterr().err
    assert err == "a]0;titleb[31mcde\nlog: a]0;titleb[31mcde\n"
    assert unsafe_characters(err.replace("\n", "")) == []
