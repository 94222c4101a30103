"""Property tests: the import parser and the whole pipeline on random rows and posts.

Whatever a file holds, importing it never raises anything but a one-line error, and the counts
add up: every non-blank line is either a post or a skipped row with its reason, and every post
read is either stored, outside every topic, or already stored.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earmark.cli import cli
from earmark.cli.configfile import parse_config
from earmark.cli.pipeline import run_pipeline
from earmark.models import Post, parse_iso
from earmark.store import Store
from listen.file import FileSettings, FileSource
from listen.fileformats import POST_FIELDS, TWCS_COLUMNS, RowError, to_post

NOW = parse_iso("2026-11-18T13:00:00Z")
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)  # fmt: skip
keys = st.sampled_from([*POST_FIELDS, *TWCS_COLUMNS, "rawContent", "date", "user", "_type"])
rows = st.dictionaries(keys | st.text(max_size=10), json_values, max_size=10)


@FAST
@given(row=rows, layout=st.sampled_from([None, "earmark", "snscrape", "twcs", "mapped"]))
def test_to_post_returns_a_post_or_a_row_error(row, layout):
    mapping = {"body": "text", "when": "created_at", "key": "id"} if layout == "mapped" else None
    try:
        post = to_post(row, layout, "file", mapping)
    except RowError as error:
        assert error.reason and "\n" not in error.reason
        return
    assert isinstance(post, Post)
    assert post.text.strip() == post.text and post.text
    assert post.native_id and post.created_at.tzinfo is not None


# -- the file source on random lines ---------------------------------------------------------------


def good_line(native: int, text: str) -> bytes:
    record = {"id": f"t:{native}", "text": text, "created_at": "2026-11-18T12:00:00Z"}
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


texts = st.text(
    st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=60
) | st.sampled_from(["acme is down", "@acmehelp where is my order?", "globex > acme", "acme"])
garbage = st.binary(max_size=40).map(lambda raw: raw.replace(b"\n", b" "))
lines = st.lists(
    st.one_of(
        st.tuples(st.just("good"), texts),
        st.tuples(st.just("garbage"), garbage),
        st.tuples(st.just("blank"), st.sampled_from([b"", b"   ", b"\t", b"\r"])),
    ),
    max_size=40,
)


def render(items) -> tuple[bytes, int]:
    """Return the file's bytes and how many of its lines are not blank."""
    out, not_blank = [], 0
    for number, (kind, value) in enumerate(items, start=1):
        raw = good_line(number, value) if kind == "good" else value
        out.append(raw)
        text = raw.decode("utf-8", "replace")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if b"\x00" in raw or text.strip():
            not_blank += 1
    return b"\n".join(out) + b"\n", not_blank


@FAST
@given(items=lines)
def test_file_source_accounts_for_every_line(items):
    data, not_blank = render(items)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "posts.jsonl"
        path.write_bytes(data)
        source = FileSource(FileSettings(path=str(path)), env={})
        posts = [post for batch in source.fetch(None, None) for post in batch.posts]
    assert len(posts) + len(source.warnings) == not_blank
    assert all(w.startswith("line ") and "\n" not in w for w in source.warnings)


# -- the whole pipeline on random posts ------------------------------------------------------------

CONFIG = {
    "topics": [
        {"name": "acme", "kind": "brand", "terms": ["acme"]},
        {"name": "acmehelp", "kind": "support", "terms": ["@acmehelp"]},
        {"name": "globex", "kind": "competitor", "terms": ["globex"]},
    ],
    "queues": [
        {"name": "urgent", "match": {"intents": ["outage"]}, "sla": "30m"},
        {"name": "support", "match": {"kinds": ["brand", "support"]}, "sla": "2h"},
    ],
    "agents": [{"name": "alice", "queues": ["urgent", "support"], "capacity": 3}],
}
post_texts = st.lists(
    st.tuples(
        st.sampled_from(["acme ", "@acmehelp ", "globex ", ""]),
        texts,
        st.sampled_from([None, "en", "de", "und", "zz"]),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posts=post_texts, garbage_lines=st.lists(garbage, max_size=3), repeat=st.booleans())
def test_pipeline_counts_add_up_on_random_posts(posts, garbage_lines, repeat):
    raw = []
    for number, (prefix, text, lang) in enumerate(posts, start=1):
        record = {"id": f"t:{number}", "text": prefix + text, "created_at": "2026-11-18T12:00:00Z"}
        if lang:
            record["lang"] = lang
        raw.append(json.dumps(record).encode())
    if repeat and raw:
        raw.append(raw[0])  # the same post twice: stored once
    data, not_blank = render([("garbage", line) for line in raw + garbage_lines])
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "posts.jsonl"
        path.write_bytes(data)
        config = parse_config({**CONFIG, "sources": {"file": {"path": str(path)}}})
        with Store(Path(directory) / "x.db") as store:
            report = run_pipeline(store, config, now=NOW, env={})
            again = run_pipeline(store, config, now=NOW, env={})
            stored = store.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
            labelled = store.conn.execute("SELECT count(*) FROM classifications").fetchone()[0]
            orphans = store.conn.execute(
                "SELECT count(*) FROM opportunities WHERE post_id NOT IN (SELECT id FROM posts)"
            ).fetchone()[0]
    assert report.errors == {}
    source = report.listen.sources["file"]
    assert source.fetched + source.skipped == not_blank  # read = posts + skipped-with-reason
    duplicates = source.fetched - source.unmatched - source.new
    assert duplicates in ((0, 1) if repeat else (0,))  # the repeated line, if it matched
    assert source.new == stored  # stored = read - skipped - outside every topic - duplicates
    assert report.classified == labelled == stored
    assert orphans == 0
    assert not again.changed and again.errors == {}  # nothing new the second time


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posts=post_texts)
def test_earmark_run_never_prints_a_traceback(posts):
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        with open(base / "posts.jsonl", "w", encoding="utf-8") as out:
            for number, (prefix, text, _lang) in enumerate(posts, start=1):
                record = {"id": f"t:{number}", "text": prefix + text, "created_at": "2026-11-18"}
                out.write(json.dumps(record) + "\n")
        config = base / "earmark.yaml"
        config.write_text(
            json.dumps({**CONFIG, "sources": {"file": {"path": "posts.jsonl"}}}), encoding="utf-8"
        )
        args = ["-c", str(config), "--db", str(base / "x.db"), "run"]
        result = CliRunner().invoke(cli, args, env={"EARMARK_NOW": "2026-11-18T13:00:00Z"})
        second = CliRunner().invoke(cli, args, env={"EARMARK_NOW": "2026-11-18T13:00:00Z"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert (result.exit_code, result.stdout) == (0, "")
    assert "Traceback" not in result.stderr
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
