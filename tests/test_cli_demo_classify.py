"""The demo, and the classify / feedback / evaluate / posts commands through the CLI."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from dbconn import db_connect

from earmark.cli import cli

CONFIG = """
topics:
  - {name: acme, kind: brand, terms: [acme]}
  - {name: acmehelp, kind: support, terms: ["@acmehelp"]}
sources:
  file: {path: posts.jsonl}
"""
POSTS = [
    ("1", "@AcmeHelp my broadband has been down since Monday, still waiting for an engineer"),
    ("2", "thanks acme, the new hub is brilliant"),
    ("3", "how do I change the wifi password on my acme hub?"),
]


def write_project(tmp_path):
    (tmp_path / "earmark.yaml").write_text(CONFIG, encoding="utf-8")
    with open(tmp_path / "posts.jsonl", "w", encoding="utf-8") as out:
        for native_id, text in POSTS:
            record = {
                "id": f"x:{native_id}",
                "platform": "x",
                "native_id": native_id,
                "text": text,
                "created_at": "2026-11-20T10:00:00Z",
                "author": "u",
            }
            out.write(json.dumps(record) + "\n")
    return ["-c", str(tmp_path / "earmark.yaml"), "--db", str(tmp_path / "e.db")]


def test_demo_shows_queues_of_several_agents_and_a_summary(tmp_path):
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "fictional sample data" in result.stderr
    for title in ("summary", "stats by queue", "stats by topic"):
        assert title in result.stdout
    with db_connect(db) as conn:
        holders = conn.execute(
            "SELECT agent, count(*) FROM opportunities WHERE agent IS NOT NULL GROUP BY agent"
        ).fetchall()
        posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    assert len(holders) >= 2 and all(count > 0 for _, count in holders)
    assert posts >= 150
    for agent, _ in holders:
        assert f"{agent}: " in result.stdout  # each agent's queue table is shown


def test_demo_without_db_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "(database: temporary)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_classify_labels_new_posts_once_and_is_then_silent(tmp_path):
    args = write_project(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, [*args, "listen"]).exit_code == 0
    first = runner.invoke(cli, [*args, "classify"])
    assert (first.exit_code, first.stdout, first.stderr) == (0, "", "classified 3 posts\n")
    second = runner.invoke(cli, [*args, "classify"])
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    again = runner.invoke(cli, [*args, "classify", "--all"])
    assert again.stderr == "classified 3 posts\n"
    with db_connect(tmp_path / "e.db") as conn:
        rows = dict(conn.execute("SELECT post_id, primary_intent FROM classifications"))
    assert rows["x:1"] in ("outage", "complaint")
    assert rows["x:2"] == "praise"
    assert rows["x:3"] == "question"


def test_feedback_is_stored_and_exported_as_labeled_csv_that_evaluate_reads(tmp_path):
    args = write_project(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, [*args, "listen"])
    runner.invoke(cli, [*args, "classify"])
    done = runner.invoke(
        cli,
        [
            *args,
            "feedback",
            "x:1",
            "--sentiment",
            "negative",
            "--intent",
            "outage",
            "--intent",
            "complaint",
            "--as",
            "alice",
        ],
    )
    assert (done.exit_code, done.stderr) == (0, "x:1: correction stored\n")
    labels = tmp_path / "labels.csv"
    exported = runner.invoke(cli, [*args, "feedback", "--export", str(labels)])
    assert exported.stderr == "exported 1 corrections\n"
    with labels.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {"id": "x:1", "text": POSTS[0][1], "sentiment": "negative", "intents": "outage|complaint"}
    ]
    measured = runner.invoke(
        cli, [*args, "evaluate", str(labels), "--task", "sentiment", "-f", "json"]
    )
    assert measured.exit_code == 0, measured.output
    report = json.loads(measured.stdout)
    assert report["rows"] == 1
    assert report["sentiment"]["ours"]["n"] == 1


def test_feedback_errors_are_usage_errors(tmp_path):
    args = write_project(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, [*args, "listen"])
    unknown = runner.invoke(cli, [*args, "feedback", "x:1", "--intent", "rant"])
    assert unknown.exit_code == 2
    assert "unknown intent 'rant'" in unknown.stderr
    missing = runner.invoke(cli, [*args, "feedback", "x:99", "--sentiment", "negative"])
    assert missing.exit_code == 2
    assert f"no post 'x:99' in {tmp_path / 'e.db'}" in missing.stderr
    mixed = runner.invoke(
        cli, [*args, "feedback", "x:1", "--intent", "other", "--intent", "question"]
    )
    assert "'other' is never combined with another intent" in mixed.stderr


def test_posts_full_text_search_and_filters(tmp_path):
    args = write_project(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, [*args, "listen"])
    runner.invoke(cli, [*args, "classify"])
    found = runner.invoke(cli, [*args, "posts", "--match", "wifi", "-f", "jsonl"])
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == ["x:3"]
    praise = runner.invoke(cli, [*args, "posts", "--intent", "praise", "-f", "json"])
    assert [r["id"] for r in json.loads(praise.stdout)] == ["x:2"]
    bad = runner.invoke(cli, [*args, "posts", "--match", '"unclosed', "--fts"])
    assert bad.exit_code == 2
    assert "--match: invalid full-text query" in bad.stderr
