"""`earmark posts`: --match searches words and codes as text, --fts takes FTS5 syntax, and
--intent accepts the config's custom intents (through the CLI, on posts the pipeline stored)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from earmark.cli import cli

CONFIG = """
topics:
  - {name: acme, kind: brand, terms: [acme]}
sources:
  file: {path: posts.jsonl}
classify:
  intents:
    - {name: billing, patterns: ['\\bbill(ed|ing)?\\b', '\\bcharged?\\b']}
"""
POSTS = [
    ("1", "acme hub shows error HUB-503 again"),
    ("2", "acme charged me twice this month"),
    ("3", "acme 503 times a day, error on my HUB"),
    ("4", "acme: it's 50% off? NOT true"),
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def project(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("posts")
    db = str(tmp_path / "e.db")
    if request.param == "postgres":
        db = request.getfixturevalue("pg_server").new_database("posts")
    (tmp_path / "earmark.yaml").write_text(CONFIG, encoding="utf-8")
    with open(tmp_path / "posts.jsonl", "w", encoding="utf-8") as out:
        for native_id, text in POSTS:
            record = {"id": f"x:{native_id}", "platform": "x", "native_id": native_id}
            record.update(text=text, created_at="2026-11-20T10:00:00Z", author=f"u{native_id}")
            out.write(json.dumps(record) + "\n")
    args = ["-c", str(tmp_path / "earmark.yaml"), "--db", db]
    for command in ("listen", "classify"):
        assert CliRunner().invoke(cli, [*args, command]).exit_code == 0
    return args


def _ids(project, *options):
    result = CliRunner().invoke(cli, [*project, "posts", *options, "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    return sorted(json.loads(line)["id"] for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("HUB-503", ["x:1"]),  # the code as text: 'hub 503' in that order, not column 503
        ("hub-503", ["x:1"]),
        ("error HUB", ["x:1", "x:3"]),  # every word, anywhere
        ("it's 50%", ["x:4"]),
        ("NOT", ["x:4"]),  # an FTS operator is just a word here
        ('"unclosed', []),
    ],
)
def test_match_searches_plain_words_and_codes_as_text(project, query, expected):
    assert _ids(project, "--match", query) == expected


def test_fts_flag_keeps_the_full_text_syntax(project):
    assert _ids(project, "--match", "twice OR 503", "--fts") == ["x:1", "x:2", "x:3"]
    assert _ids(project, "--match", "charg*", "--fts") == ["x:2"]
    bad = CliRunner().invoke(cli, [*project, "posts", "--match", '"unclosed', "--fts"])
    assert bad.exit_code == 2
    assert "--match: invalid full-text query" in bad.stderr


def test_intent_accepts_custom_intents_from_the_config(project):
    assert _ids(project, "--intent", "billing") == ["x:2"]
    unknown = CliRunner().invoke(cli, [*project, "posts", "--intent", "rant"])
    assert unknown.exit_code == 2
    assert "--intent: unknown intent 'rant' (known: " in unknown.stderr
    assert "billing" in unknown.stderr
