"""Every export format: a golden file per format, and exact safety properties on hostile posts.

Regenerate the golden files after an intended change with EARMARK_UPDATE_GOLDEN=1 and review
the diff. The data is fixed (tests/exportdata.py) and EARMARK_NOW is pinned.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from email import policy
from email.parser import Parser
from pathlib import Path

import pytest
from click.testing import CliRunner
from exportdata import NOW, add_calm, add_hostile, add_many

from earmark.cli import cli
from earmark.store import Store

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("EARMARK_UPDATE_GOLDEN") == "1"
EXTENSIONS = {
    "table": "txt",
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "markdown": "md",
    "html": "html",
    "slack": "json",
    "email": "eml",
}
CONFIG = """\
notify:
  email:
    from: care@acme.example
    to: [team@acme.example, lead@acme.example]
    subject: "earmark: {count} new opportunities"
"""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "x.db"
    with Store(path) as store:
        add_calm(store)
        add_hostile(store)
    return path


def run(tmp_path, db, *args, env=None):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG)
    result = CliRunner().invoke(
        cli,
        ["-c", str(config), "--db", str(db), "export", *args],
        env={"EARMARK_NOW": NOW, **(env or {})},
    )
    return result


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_bytes(text.encode("utf-8"))
        if not UPDATE:
            pytest.fail(f"wrote missing golden file {name}; review it and run again")
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} differs (EARMARK_UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_each_format_matches_its_golden_file(tmp_path, db, fmt):
    result = run(tmp_path, db, "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    check_golden(f"export.{fmt}.{EXTENSIONS[fmt]}", result.stdout)


def test_piped_output_defaults_to_jsonl(tmp_path, db):
    result = run(tmp_path, db)
    lines = result.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [2, 5, 3, 1, 6, 7, 4]  # most urgent first


def test_records_carry_every_column_in_order(tmp_path, db):
    lines = run(tmp_path, db, "-f", "jsonl", "--queue", "urgent").stdout.splitlines()
    (record,) = [r for r in map(json.loads, lines) if r["id"] == 1]
    assert record == {
        "id": 1,
        "queue": "urgent",
        "priority": 92,
        "status": "open",
        "agent": None,
        "kind": "support",
        "platform": "reddit",
        "author": "jo_d",
        "author_name": "Jo D",
        "author_reach": 100,
        "sentiment": "negative",
        "compound": -0.5,
        "primary_intent": "outage",
        "intents": ["outage", "complaint"],
        "topics": ["acme"],
        "language": "en",
        "reply_privately": False,
        "pii": [],
        "age": "30m",
        "sla_left": "10m",
        "sla_due": "2026-03-02T12:10:00Z",
        "first_response_at": None,
        "posted_at": "2026-03-02T11:30:00Z",
        "created_at": "2026-03-02T11:31:00Z",
        "url": "https://reddit.example/p/a1",
        "text": "Acme checkout is down again, cannot pay!",
        "post_id": "reddit:a1",
        "priority_reason": "test",
    }


def test_jsonl_and_json_keep_hostile_text_exactly(tmp_path, db):
    from exportdata import HOSTILE_TEXT, LONG_TEXT

    by_id = {r["id"]: r for r in json.loads(run(tmp_path, db, "-f", "json").stdout)}
    assert by_id[5]["text"] == HOSTILE_TEXT
    assert by_id[6]["text"] == LONG_TEXT and len(LONG_TEXT) == 10240
    assert by_id[5]["author_name"] == "Eve\r\nBcc: victim@example.com\u202e"


def test_csv_neutralises_every_formula_and_keeps_rows_intact(tmp_path, db):
    rows = list(csv.reader(io.StringIO(run(tmp_path, db, "-f", "csv").stdout)))
    header, body = rows[0], rows[1:]
    assert len(body) == 7 and all(len(row) == len(header) for row in body)
    for row in body:
        for cell in row:
            if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                continue  # a negative number (compound score) is a value, not a formula
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_id["7"]["text"] == '\'=HYPERLINK("http://x","y")'
    assert by_id["5"]["author"] == "'=cmd|' /C calc'!A0"
    assert by_id["7"]["author"] == "'@here"
    assert by_id["7"]["author_name"] == "'+1 555 0100"
    assert by_id["2"]["sla_left"] == "'-20m"
    assert by_id["5"]["text"].startswith("<script>")  # not a formula: kept as is


def test_html_escapes_everything_and_links_only_http(tmp_path, db):
    page = run(tmp_path, db, "-f", "html").stdout
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "javascript:" not in page.replace("&lt;script&gt;", "")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert len(hrefs) == 6  # seven items, the javascript: one is not linked
    assert all(h.startswith("https://") for h in hrefs)
    assert 'href="https://reddit.example/p/l1?a=1&amp;b=&lt;&quot;x&quot;&gt;|y"' in page
    assert "\u202e" not in page and "\r" not in page
    assert "<!channel>" not in page and "&lt;!channel&gt;" in page
    # Only our own tags: every "<" opens a tag from a fixed set.
    assert set(re.findall(r"<(/?[a-zA-Z0-9!]+)", page)) <= {
        "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "body", "/body",
        "h1", "/h1", "h2", "/h2", "h3", "/h3", "p", "/p", "table", "/table", "tr", "/tr", "td",
        "/td", "a", "/a", "span", "/span", "bdi", "/bdi",
    }  # fmt: skip
    assert "@import" not in page and "<style" not in page  # inline CSS only


def test_markdown_cannot_inject_html_links_or_structure(tmp_path, db):
    text = run(tmp_path, db, "-f", "markdown").stdout
    assert "<" not in text.replace("&lt;", "")
    assert "[Open post](javascript" not in text
    assert "&lt;http://evil.example\\|click here&gt;" in text
    lines = text.splitlines()
    # Every item is exactly: meta line, optional flag, quote, link line; nothing else starts a line.
    for line in lines:
        assert line == "" or line.startswith(("# ", "_Generated", "## ", "### ", "- **", "  ")), (
            line
        )
    assert len(max(lines, key=len)) < 1400  # the 10 kB post is cut


def test_slack_payload_escapes_and_respects_block_kit_limits(tmp_path, db):
    payload = json.loads(run(tmp_path, db, "-f", "slack").stdout)
    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    everything = "\n".join(texts)
    for sequence in ("<!channel>", "<!here>", "<@U123>", "<@U999>", "<!everyone>", "<http://evil"):
        assert sequence not in everything
    assert "&lt;!channel&gt;" in everything and "@\u2060channel" in everything
    assert "@here" not in everything  # the author "@here" is defused too
    # The only "<" are our own links to the posts.
    links = re.findall(r"<([^>]*)>", everything)
    assert all(re.fullmatch(r"https://[^|<>]+\|Open post", link) for link in links), links
    assert len(links) == 6
    assert all(len(t.encode("utf-16-le")) // 2 <= 3000 for t in texts)
    assert len(payload["blocks"]) <= 50
    assert "\u202e" not in everything


def test_slack_export_sends_one_payload_and_records_only_what_it_carried(tmp_path):
    db = tmp_path / "many.db"
    with Store(db) as store:
        ids = add_many(store, 60)
    result = run(tmp_path, db, "-f", "slack", "--new", "--dest", "slack")
    payload = json.loads(result.stdout)
    assert len(payload["blocks"]) == 50
    assert payload["blocks"][-1]["elements"][0]["text"] == (
        "13 less urgent not shown; the next run sends them."
    )
    with Store(db) as store:
        # Oldest first within a priority: the 47 oldest went out.
        assert store.exports.exported_ids("slack") == set(ids[13:])
    second = json.loads(run(tmp_path, db, "-f", "slack", "--new", "--dest", "slack").stdout)
    assert second["text"] == "earmark: 13 new support opportunities"
    assert run(tmp_path, db, "-f", "slack", "--new", "--dest", "slack").stdout == ""


def test_email_is_a_complete_message_with_no_header_injection(tmp_path, db):
    raw = run(tmp_path, db, "-f", "email").stdout
    assert "\r" not in raw  # local line endings for sendmail -t
    message = Parser(policy=policy.default).parsestr(raw)
    assert sorted(message.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "Content-Type",
            "MIME-Version",
        ]
    )
    assert message["To"] == "team@acme.example, lead@acme.example"
    assert message["Subject"] == "earmark: 7 new opportunities"
    assert message["Bcc"] is None
    plain = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    assert "Eve Bcc: victim@example.com" in plain  # the CR/LF became a space, in the body only
    assert "<script" not in html_part.lower()
    assert message.get_body(("plain",)).get_content_type() == "text/plain"


def test_email_without_recipients_fails_with_a_clear_message(tmp_path, db):
    (tmp_path / "bare.yaml").write_text("notify: {}\n")
    result = CliRunner().invoke(
        cli, ["-c", str(tmp_path / "bare.yaml"), "--db", str(db), "export", "-f", "email"]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: notify.email.to: no recipients; list them in the config to export or send email\n"
    )
    assert result.stdout == ""


def test_table_shows_one_clean_line_per_field(tmp_path, db):
    table = run(tmp_path, db, "-f", "table").stdout
    assert "\x1b" not in table and "\u202e" not in table
    assert "<script>" in table  # shown literally, never interpreted


def test_redact_masks_personal_data_in_every_format(tmp_path, db):
    for fmt in ("jsonl", "markdown", "html", "slack", "csv"):
        out = run(tmp_path, db, "-f", fmt, "--redact").stdout
        assert "jo@example.com" not in out, fmt
        assert "12345678" not in out, fmt
