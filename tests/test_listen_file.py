"""The file source: earmark JSONL, snscrape JSONL, Customer Support on Twitter CSV, mappings,
bad rows, cursors over appended files, stdin, batches and flat memory."""

from __future__ import annotations

import io
import json
import shutil
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import pytest

from earmark.configload import ConfigError, load_dataclass
from listen.base import SourceError
from listen.file import BATCH_SIZE, FileSettings, FileSource
from listen.fileformats import ThreadIndex, parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "file"


def read(path, cursor=None, **settings) -> tuple[list, list[str], str | None, FileSource]:
    """Fetch everything; return (posts, bad-row warnings, last cursor, source)."""
    source = FileSource(FileSettings(path=str(path), **settings))
    posts, last = [], cursor
    for batch in source.fetch(None, cursor):
        posts.extend(batch.posts)
        last = batch.cursor
    return posts, source.warnings, last, source


def fields(post) -> tuple:
    return (
        post.id,
        post.text,
        post.created_at.isoformat(),
        post.url,
        post.author,
        post.author_name,
        post.author_reach,
        post.lang,
        post.parent_id,
        post.thread_id,
    )


def test_earmark_jsonl_posts():
    posts, warnings, _, _ = read(FIXTURES / "earmark_posts.jsonl")
    assert warnings == []
    assert [fields(p) for p in posts] == [
        (
            "bluesky:3kabc",
            "Acme support chat keeps looping me back to the FAQ",
            "2026-11-18T12:10:27+00:00",
            "https://bsky.example/profile/ana.bsky.example/post/3kabc",
            "ana.bsky.example",
            "Ana",
            260,
            "en",
            None,
            None,
        ),
        (
            "x:200",
            "@ana Sorry about that, please DM us",
            "2026-11-18T13:15:42+00:00",
            "https://x.example/AcmeHelp/status/200",
            "AcmeHelp",
            "Acme Help",
            84200,
            None,
            "x:100",
            "x:100",
        ),
        # Only id/text/created_at given: the platform comes from the id, "und" means unknown.
        ("mastodon:300", "Globex fibre is down again in Leeds", "2026-11-18T13:00:00+00:00")
        + (None,) * 7,
    ]
    assert all(p.source == "file" for p in posts)
    assert posts[0].raw["author_reach"] == 260


def test_the_bundled_sample_posts_read_cleanly():
    sample = Path(__file__).parent.parent / "earmark" / "data" / "sample_posts.jsonl"
    posts, warnings, _, _ = read(sample)
    lines = [line for line in sample.read_text("utf-8").splitlines() if line.strip()]
    assert warnings == []
    assert [p.id for p in posts] == [json.loads(line)["id"] for line in lines]


def test_snscrape_jsonl_tweets():
    """snscrape `--jsonl` output. The fixture follows snscrape's published Tweet and User
    dataclasses (snscrape/modules/twitter.py in JustAnotherArchivist/snscrape, confirmed in the
    code corpus: url, date, rawContent, renderedContent, id, user{username, displayname,
    followersCount}, conversationId, lang, inReplyToTweetId, plus the deprecated `content`
    property and the `_type`/`_snscrape` keys its JSON serialiser adds). The third line is an
    older release's shape, with `content` and no rawContent."""
    posts, warnings, _, _ = read(FIXTURES / "snscrape_tweets.jsonl")
    assert warnings == []
    assert [fields(p) for p in posts] == [
        (
            "x:1601234567890123456",
            "@AcmeHelp my Acme hub has been offline since this morning",
            "2022-12-09T10:15:00+00:00",
            "https://twitter.com/kim_dev/status/1601234567890123456",
            "kim_dev",
            "Kim",
            310,
            "en",
            None,
            None,
        ),
        (
            "x:1601239999999999999",
            "@kim_dev Sorry Kim, we're looking into it. ^JP",
            "2022-12-09T10:31:00+00:00",
            "https://twitter.com/AcmeHelp/status/1601239999999999999",
            "AcmeHelp",
            "Acme Help",
            84200,
            "en",
            "x:1601234567890123456",
            "x:1601234567890123456",
        ),
        (
            "x:1234567890",
            "Globex outage? nothing loads",
            "2021-03-01T08:00:00+00:00",
            "https://twitter.com/lee/status/1234567890",
            "lee",
            "Lee",
            12,
            None,
            None,
            None,
        ),
    ]


def test_customer_support_on_twitter_csv_keeps_reply_threads():
    """The fixture's rows are invented, in the layout of the public "Customer Support on
    Twitter" dataset (Kaggle, thoughtvector): its published header
    tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id,
    Twitter-style created_at, float-formatted reply ids ("3.0"), quoted comma lists of
    responses, a text spanning two lines, and replies listed before the tweets they answer."""
    posts, warnings, _, _ = read(FIXTURES / "twcs_sample.csv")
    assert warnings == []
    assert [
        (p.id, p.author, p.created_at.isoformat(), p.parent_id, p.thread_id) for p in posts
    ] == [
        ("x:1", "AcmeHelp", "2017-10-31T22:10:47+00:00", "x:3", "x:5"),
        ("x:2", "115712", "2017-10-31T22:11:45+00:00", "x:1", "x:5"),
        ("x:3", "115712", "2017-10-31T22:08:27+00:00", "x:4", "x:5"),
        ("x:4", "AcmeHelp", "2017-10-31T21:54:49+00:00", "x:5", "x:5"),
        ("x:5", "115712", "2017-10-31T21:49:35+00:00", None, None),  # the thread's first tweet
        ("x:6", "GlobexCares", "2017-11-01T09:00:00+00:00", "x:7", None),  # root not in file
        ("x:8", "115714", "2017-11-01T10:00:00+00:00", None, None),
    ]
    assert posts[3].text == (
        "@115712 Please send us a private message so we can assist.\n"
        "Just click ‘Message’ at the top of your profile."
    )
    assert posts[0].raw["response_tweet_id"] == "2,9"
    assert {p.platform for p in posts} == {"x"}


def test_customer_support_csv_from_stdin_resolves_threads_seen_so_far():
    data = (FIXTURES / "twcs_sample.csv").read_bytes()
    source = FileSource(FileSettings(path="-"), stdin=io.BytesIO(data))
    batches = list(source.fetch(None, None))
    assert [b.cursor for b in batches] == [None]  # stdin has no cursor
    posts = batches[0].posts
    # Read once, top to bottom: a reply before its parent cannot know its thread yet.
    assert [(p.id, p.thread_id) for p in posts][:5] == [
        ("x:1", None),
        ("x:2", None),
        ("x:3", None),
        ("x:4", None),
        ("x:5", None),
    ]


def test_bad_rows_are_reported_with_line_numbers_and_skipped():
    posts, warnings, _, source = read(FIXTURES / "bad_rows.jsonl")
    assert [p.id for p in posts] == ["x:1", "x:11"]
    assert warnings == [
        "line 2: invalid JSON (Expecting value at column 48)",
        "line 3: missing text",
        "line 4: missing id",
        "line 5: missing created_at",
        "line 6: not a JSON object",
        "line 8: invalid created_at 'yesterday'",
        "line 9: invalid UTF-8 at byte 29",
        "line 10: contains a NUL byte",
    ]
    non_blank = [line for line in (FIXTURES / "bad_rows.jsonl").read_bytes().splitlines() if line]
    assert len(posts) + source.skipped == len(non_blank)


def test_bad_csv_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        b"id,text,created_at\n"
        b"1,acme ok,2026-11-18T12:00:00Z\n"
        b"2,too,many,columns\n"
        b"3,\xff bad bytes,2026-11-18T12:00:00Z\n"
        b'4,"never closed,2026-11-18T12:00:00Z\n'
    )
    posts, warnings, _, _ = read(path, platform="tool")
    assert [p.id for p in posts] == ["tool:1"]
    assert warnings == [
        "line 3: expected 3 columns, found 4",
        "line 4: invalid UTF-8 at byte 3",
        "line 5: unterminated quoted field at the end of the file",
    ]


def test_a_mapping_reads_other_tools_exports(tmp_path):
    path = tmp_path / "brandwatch.csv"
    path.write_text(
        "Mention Id,Date,Full Text,Author,Url,Language\n"
        "m-1,2026-11-18 09:30:00,Acme broke my heart,@sam,https://example.org/m-1,en\n",
        encoding="utf-8",
    )
    mapping = {
        "Mention Id": "native_id",
        "Date": "created_at",
        "Full Text": "text",
        "Author": "author",
        "Url": "url",
        "Language": "lang",
    }
    posts, warnings, _, _ = read(path, mapping=mapping, platform="brandwatch")
    assert warnings == []
    assert [fields(p) for p in posts] == [
        (
            "brandwatch:m-1",
            "Acme broke my heart",
            "2026-11-18T09:30:00+00:00",
            "https://example.org/m-1",
            "@sam",
            None,
            None,
            "en",
            None,
            None,
        )
    ]
    assert posts[0].raw["Mention Id"] == "m-1"


def test_a_mapping_reads_nested_json(tmp_path):
    path = tmp_path / "dump.jsonl"
    row = {"msg": {"id": 7, "body": "globex!"}, "ts": 1763467200, "who": {"name": "kim"}}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    mapping = {"msg.id": "native_id", "msg.body": "text", "ts": "created_at", "who.name": "author"}
    posts, warnings, _, _ = read(path, mapping=mapping)
    assert warnings == []
    assert [(p.id, p.text, p.created_at.isoformat(), p.author) for p in posts] == [
        ("file:7", "globex!", "2025-11-18T12:00:00+00:00", "kim")
    ]


def test_the_cursor_reads_only_appended_lines(tmp_path):
    path = tmp_path / "posts.jsonl"
    shutil.copy(FIXTURES / "earmark_posts.jsonl", path)
    posts, _, cursor, _ = read(path)
    assert len(posts) == 3
    assert json.loads(cursor)["line"] == 3
    assert read(path, cursor)[0] == []  # unchanged: nothing read
    with path.open("a", encoding="utf-8") as out:
        out.write('{"id": "x:4", "text": "appended", "created_at": "2026-11-19T00:00:00Z"}\n')
    posts, _, cursor2, _ = read(path, cursor)
    assert [p.id for p in posts] == ["x:4"]
    assert json.loads(cursor2)["line"] == 4


def test_a_replaced_or_truncated_file_is_read_again(tmp_path):
    path = tmp_path / "posts.jsonl"
    shutil.copy(FIXTURES / "earmark_posts.jsonl", path)
    _, _, cursor, _ = read(path)
    path.write_text(
        '{"id": "x:9", "text": "new file", "created_at": "2026-11-19T00:00:00Z"}\n' * 40,
        encoding="utf-8",
    )  # longer than before, but the first bytes differ
    assert len(read(path, cursor)[0]) == 40
    path.write_text('{"id": "x:9", "text": "short", "created_at": "2026-11-19T00:00:00Z"}\n')
    assert [p.text for p in read(path, cursor)[0]] == ["short"]


def test_resuming_a_csv_keeps_its_header(tmp_path):
    path = tmp_path / "twcs.csv"
    shutil.copy(FIXTURES / "twcs_sample.csv", path)
    _, _, cursor, _ = read(path)
    with path.open("a", encoding="utf-8") as out:
        out.write("9,AcmeHelp,False,Wed Nov 01 11:00:00 +0000 2017,@115714 Welcome!,,8\n")
    posts, warnings, _, _ = read(path, cursor)
    assert warnings == []
    assert [(p.id, p.parent_id, p.thread_id) for p in posts] == [("x:9", "x:8", "x:8")]


def test_batches_of_a_thousand_and_limits(tmp_path):
    path = tmp_path / "many.jsonl"
    line = '{{"id": "x:{0}", "text": "acme {0}", "created_at": "2026-11-18T12:00:00Z"}}\n'
    path.write_text("".join(line.format(i) for i in range(2500)), encoding="utf-8")
    source = FileSource(FileSettings(path=str(path)))
    assert [len(b.posts) for b in source.fetch(None, None)] == [BATCH_SIZE, BATCH_SIZE, 500]
    batches = list(source.fetch(None, None, limit=3))
    assert [[p.id for p in b.posts] for b in batches] == [["x:0", "x:1", "x:2"]]
    rest = list(source.fetch(None, batches[0].cursor, limit=2))
    assert [[p.id for p in b.posts] for b in rest] == [["x:3", "x:4"]]


def test_since_skips_older_posts_without_calling_them_bad():
    since = datetime(2026, 11, 18, 13, 0, tzinfo=timezone.utc)
    source = FileSource(FileSettings(path=str(FIXTURES / "earmark_posts.jsonl")))
    posts = [p for b in source.fetch(None, None, since=since) for p in b.posts]
    assert [p.id for p in posts] == ["x:200", "mastodon:300"]
    assert source.warnings == []


def test_format_is_sniffed_when_the_name_does_not_say(tmp_path):
    jsonl = tmp_path / "export.txt"
    shutil.copy(FIXTURES / "earmark_posts.jsonl", jsonl)
    assert len(read(jsonl)[0]) == 3
    csv_file = tmp_path / "export.dat"
    shutil.copy(FIXTURES / "twcs_sample.csv", csv_file)
    assert len(read(csv_file)[0]) == 7


def test_stdin():
    data = (FIXTURES / "earmark_posts.jsonl").read_bytes()
    source = FileSource(FileSettings(path="-"), stdin=io.BytesIO(data))
    batches = list(source.fetch(None, "ignored"))
    assert [len(b.posts) for b in batches] == [3]
    assert batches[0].cursor is None


def test_a_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError) as error:
        read(tmp_path / "nope.jsonl")
    assert (
        str(error.value)
        == f"file: {tmp_path / 'nope.jsonl'}: no such file (check sources.file.path)"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "sources.file: missing required key 'path'"),
        ({"path": "x", "format": "xml"},
         "sources.file.format: must be one of auto, jsonl, csv, not 'xml'"),
        ({"path": "x", "mapping": {"Body": "body"}},
         "sources.file.mapping.Body: unknown post field 'body'; known: id, platform, native_id, "
         "url, author, author_name, author_reach, text, lang, created_at, parent_id, thread_id"),
    ],
)  # fmt: skip
def test_settings_are_validated(options, message):
    with pytest.raises(ConfigError) as error:
        load_dataclass(FileSettings, options, "sources.file")
    assert str(error.value) == message


def test_relative_paths_are_taken_from_the_config_directory():
    settings = FileSettings(path="posts.jsonl")
    assert FileSource.resolve_settings(settings, "/etc/earmark").path == "/etc/earmark/posts.jsonl"
    assert FileSource.resolve_settings(FileSettings(path="-"), "/etc/earmark").path == "-"
    assert FileSource.resolve_settings(settings, None).path == "posts.jsonl"


def test_memory_stays_flat_on_a_large_import(tmp_path):
    path = tmp_path / "big.jsonl"
    text = "acme " * 40
    line = '{{"id": "x:{0}", "text": "{1}{0}", "created_at": "2026-11-18T12:00:00Z"}}\n'
    with path.open("w", encoding="utf-8") as out:
        for i in range(30_000):
            out.write(line.format(i, text))
    size = path.stat().st_size  # about 7 MB
    source = FileSource(FileSettings(path=str(path)))
    tracemalloc.start()
    count = 0
    for batch in source.fetch(None, None):
        count += len(batch.posts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 30_000
    assert peak < size / 3  # a batch at a time, never the whole file


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-18T12:00:00Z", "2026-11-18T12:00:00+00:00"),
        ("2026-11-18T13:00:00+01:00", "2026-11-18T12:00:00+00:00"),
        ("2026-11-18 12:00:00", "2026-11-18T12:00:00+00:00"),
        ("Tue Oct 31 22:10:47 +0000 2017", "2017-10-31T22:10:47+00:00"),
        (1763467200, "2025-11-18T12:00:00+00:00"),
        ("1763467200000", "2025-11-18T12:00:00+00:00"),  # milliseconds
    ],
)
def test_times(value, expected):
    assert parse_time(value).isoformat() == expected


@pytest.mark.parametrize("first_id", [1, 10**15])  # dense ids use the array, sparse a dict
def test_thread_index_finds_roots_in_long_files(first_id):
    index = ThreadIndex()
    # Chains of five, each reply listed before the tweet it answers, as in the dataset.
    for i in range(first_id, first_id + 10_000):
        offset = i - first_id
        index.add(str(i), None if offset % 5 == 4 else str(i + 1))
    assert (index._by_id is not None) is (first_id == 1)
    assert index.root(str(first_id)) == str(first_id + 4)
    assert index.root(str(first_id + 9_999)) == str(first_id + 9_999)
    assert index.root(str(first_id + 20_000)) is None  # not in the file
    index.add("x-1", "x-2")
    assert index.root("x-1") is None  # its parent is not in the file
