"""Hypothesis: hostile records through every importer and source parser, to an exported post.

Records are recorded API items (tests/fixtures/) or file rows with fields replaced by hostile
values: any JSON, lone surrogates, control characters, numbers beyond 64 bits or negative,
odd dates, nesting hundreds deep. Whatever they hold, the run completes with no error, every
record is stored or skipped with a one-line reason, the untouched record beside them is stored,
and what was stored is classified, routed and exported in every format as valid UTF-8.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classify.stage import classify_posts
from earmark.config import parse_config
from earmark.models import OPEN_STATUSES, parse_iso
from earmark.store import Store
from export.formats.writer import ExportFilters, write_export
from export.routing import route_opportunities
from listen import bluesky, hackernews, mastodon, reddit_parse, rss, stackexchange, telegram, x
from listen.base import Batch
from listen.file import FileSettings, FileSource
from listen.records import parse_each
from listen.runner import run_listen

NOW = parse_iso("2026-11-18T13:00:00Z")
FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ("table", "json", "jsonl", "csv", "markdown", "html", "slack")
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
CONFIG = {
    "topics": [{"name": "acme", "kind": "brand", "terms": ["acme", "#acme"]}],
    "queues": [{"name": "support", "match": {"kinds": ["brand"]}, "sla": "2h"}],
    "agents": [{"name": "alice", "queues": ["support"], "capacity": 5}],
}

# -- hostile values -------------------------------------------------------------------------------


def nest(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


hostile_text = st.text(max_size=20) | st.sampled_from(
    ["acme \ud800", "\udfff", "\x00acme", "\x1b[2J acme", "\u202eacme", "acme\r\n\t", " "]
)
hostile_number = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**64),
    st.sampled_from([10**30, -(10**30), -1, 2**63, -(2**63) - 1]),
    st.floats(),
)
odd_date = st.sampled_from(
    [
        "0999-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "10000-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-18T12:00:00.1234567891Z",
        "",
        "yesterday",
        "2026-11-18",
    ]
) | st.integers(min_value=-(10**20), max_value=10**20)
leaf = st.none() | st.booleans() | hostile_text | hostile_number | odd_date
any_json = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)
hostile = leaf | any_json | st.integers(min_value=0, max_value=900).map(nest)


def mutated(base: dict, fields: list[str]):
    """The base record with some of its fields replaced by hostile values (or dropped)."""
    changes = st.dictionaries(st.sampled_from(fields), hostile | st.just(KeyError), max_size=4)

    def apply(change: dict) -> dict:
        record = copy.deepcopy(base)
        for key, value in change.items():
            if value is KeyError:
                record.pop(key, None)
            else:
                record[key] = value
        return record

    return changes.map(apply) | any_json


# -- the pipeline after a source ------------------------------------------------------------------


def page_source(parse, page):
    """A source whose fetch runs the real parser on one API page (the transport is left out)."""

    class PageSource:
        topic_independent = True

        def __init__(self, settings, *, env):
            self.warnings: list[str] = []

        def fetch(self, topic, cursor, *, since=None, limit=None):
            yield Batch(parse(page, self.warnings), "read")

    return lambda name: PageSource


def run_stages(store, config, **listen_options):
    """Listen, classify, route and export every format; return the listen report."""
    report = run_listen(store, config, env={}, now=NOW, **listen_options)
    classify_posts(store, config, now=NOW)
    route_opportunities(store, config, now=NOW)
    for fmt in FORMATS:
        out = io.StringIO()
        write_export(
            store, out, fmt=fmt, now=NOW, filters=ExportFilters(status=list(OPEN_STATUSES))
        )
        out.getvalue().encode("utf-8")  # what reaches a terminal, a pipe or Slack
    return report


def check_stored(store, report, name: str, expected: set[str]) -> None:
    source = report.sources[name]
    assert source.error is None, source.error
    assert all(w and "\n" not in w for w in source.warnings)
    assert source.skipped == len(source.warnings)
    ids = {row[0] for row in store.conn.execute("SELECT id FROM posts")}
    assert expected <= ids, source.warnings
    labelled = store.conn.execute("SELECT count(*) FROM classifications").fetchone()[0]
    assert labelled == len(ids)
    for (value,) in store.conn.execute("SELECT created_at FROM posts"):
        assert 1000 <= parse_iso(value).year <= 9999


def fuzz_page(name: str, parse, page, expected: set[str], settings_: dict | None = None):
    config = parse_config({**CONFIG, "sources": {name: settings_ or {}}})
    with tempfile.TemporaryDirectory() as directory, Store(Path(directory) / "x.db") as store:
        report = run_stages(store, config, source_factory=page_source(parse, page))
        check_stored(store, report, name, expected)
        again = run_stages(store, config, source_factory=page_source(parse, page))
        assert again.new == 0 and again.sources[name].error is None


# -- every source parser --------------------------------------------------------------------------


def load(path: str):
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


HN = load("hackernews/search_by_date_comment_apple.json")["hits"][0]
HN = {**HN, "comment_text": "acme is down", "objectID": "1"}


@FUZZ
@given(hits=st.lists(mutated(HN, list(HN)), max_size=3))
def test_hackernews_hits(hits):
    page = {"hits": [*hits, HN], "nbPages": 1, "nbHits": len(hits) + 1}

    def parse(data, skipped):
        return hackernews.parse_search_page(data, skipped)[0]

    fuzz_page("hackernews", parse, page, {"hackernews:1"})


HOOT = {**load("mastodon/timelines_tag_hoot.json")[0], "content": "<p>acme</p>", "id": "1"}
ACCOUNT_FIELDS = ["followers_count", "acct", "display_name", "username"]


@FUZZ
@given(
    statuses=st.lists(mutated(HOOT, list(HOOT)), max_size=3),
    account=st.dictionaries(st.sampled_from(ACCOUNT_FIELDS), hostile, max_size=3),
)
def test_mastodon_statuses(statuses, account):
    hostile_account = {**HOOT, "id": "2", "account": {**HOOT["account"], **account}}
    page = [*statuses, hostile_account, HOOT]

    def parse(data, skipped):
        return mastodon.parse_statuses(data, "tag", skipped)

    fuzz_page("mastodon", parse, page, {"mastodon:1"})


SE = {**load("stackexchange/search_questions_python_yield.json")["items"][0], "title": "acme"}


@FUZZ
@given(items=st.lists(mutated(SE, [*SE, "owner", "body"]), max_size=3))
def test_stackexchange_questions(items):
    page = {"items": [*items, SE], "has_more": False}

    def parse(data, skipped):
        return stackexchange.parse_search_page(data, "stackoverflow", skipped)[0]

    expected = {f"stackexchange:stackoverflow/{SE['question_id']}"}
    fuzz_page("stackexchange", parse, page, expected)


VIEW = load("bluesky/get_post_thread_postview.json")["thread"]["post"]
VIEW = {**VIEW, "record": {**VIEW["record"], "text": "acme"}}
RECORD_FIELDS = ["text", "createdAt", "langs", "reply"]


@FUZZ
@given(
    views=st.lists(mutated(VIEW, list(VIEW)), max_size=2),
    record=st.dictionaries(st.sampled_from(RECORD_FIELDS), hostile, max_size=3),
)
def test_bluesky_post_views(views, record):
    odd = {**VIEW, "uri": VIEW["uri"] + "x", "record": {**VIEW["record"], **record}}
    page = {"posts": [*views, odd, VIEW]}

    def parse(data, skipped):
        return [post for post, _ in bluesky.parse_search_page(data, skipped)[0]]

    fuzz_page("bluesky", parse, page, {f"bluesky:{VIEW['uri']}"})


X_PAGE = load("x_twitter/search_recent_expansions.json")
TWEET = {**X_PAGE["data"][0], "text": "acme is down", "id": "1"}
X_USER = X_PAGE["includes"]["users"][0]


@FUZZ
@given(
    tweets=st.lists(mutated(TWEET, list(TWEET)), max_size=3),
    user=st.dictionaries(st.sampled_from(list(X_USER)), hostile, max_size=3),
)
def test_x_tweets(tweets, user):
    users = [{**X_USER, **user, "id": TWEET["author_id"]}]
    page = {"data": [*tweets, TWEET], "includes": {"users": users}, "meta": {}}

    def parse(data, skipped):
        return x.parse_search_page(data, skipped)[0]

    fuzz_page("x", parse, page, {"x:1"})


LISTING = load("reddit/search_r_all_2016.json")
THING = LISTING["data"]["children"][0]
THING = {**THING, "data": {**THING["data"], "title": "acme", "name": "t3_good", "id": "good"}}
THING_FIELDS = ["created_utc", "name", "id", "title", "selftext", "author", "permalink", "body"]


@FUZZ
@given(
    things=st.lists(
        st.dictionaries(st.sampled_from(THING_FIELDS), hostile, max_size=4).map(
            lambda change: {**THING, "data": {**THING["data"], "name": "t3_odd", **change}}
        )
        | any_json,
        max_size=3,
    )
)
def test_reddit_listing_things(things):
    page = {"kind": "Listing", "data": {"children": [*things, THING], "after": None}}

    def parse(data, skipped):
        return reddit_parse.parse_listing(data, "search", skipped)[0]

    fuzz_page("reddit", parse, page, {"reddit:t3_good"})


# XML cannot carry surrogates or most control characters: feeds get every other character.
xml_text = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\t\n"), max_size=30
)
feed_dates = st.sampled_from(
    ["Mon, 01 Jan 0999 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -0500", "not a date", ""]
) | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda moment: moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
)


def rss_item(title: str, guid: str, date: str, description: str) -> str:
    return (
        f"<item><title>{escape(title)}</title><guid>{escape(guid)}</guid>"
        f"<pubDate>{escape(date)}</pubDate><description>{escape(description)}</description></item>"
    )


@FUZZ
@given(items=st.lists(st.tuples(xml_text, xml_text, feed_dates, xml_text), max_size=3))
def test_rss_entries(items):
    good = rss_item("acme is down", "good-1", "Wed, 18 Nov 2026 12:00:00 GMT", "acme")
    body = "".join(rss_item(*item) for item in items) + good
    document = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://example.com/</link>{body}</channel></rss>"
    ).encode()

    def parse(data, skipped):
        return rss.parse_feed(data, feed_url="https://example.com/feed", fallback=NOW,
                              skipped=skipped)  # fmt: skip

    fuzz_page("rss", parse, document, {"rss:good-1"}, {"feeds": ["https://example.com/feed"]})


message_fields = st.fixed_dictionaries(
    {},
    optional={
        "url": hostile | st.just("https://t.me/acme/12"),
        "content": hostile,
        "date": st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
            lambda moment: moment.replace(tzinfo=timezone.utc)
        )
        | hostile,
        "outlinks": hostile,
        "linkPreview": st.none() | hostile,
    },
)
GOOD_MESSAGE = {
    "url": "https://t.me/acme/1",
    "content": "acme is down",
    "date": datetime(2026, 11, 18, 12, tzinfo=timezone.utc),
    "outlinks": [],
    "linkPreview": None,
}


@FUZZ
@given(messages=st.lists(message_fields, max_size=3))
def test_telegram_messages(messages):
    """snscrape's TelegramPost objects, with any attribute replaced (as _read reads them)."""
    items = [SimpleNamespace(**{**GOOD_MESSAGE, **fields}) for fields in messages]
    items.append(SimpleNamespace(**GOOD_MESSAGE))

    def parse(data, skipped):
        return parse_each(data, telegram.parse_message, "telegram", skipped)

    fuzz_page("telegram", parse, items, {"telegram:acme/1"}, {"channels": ["acme"]})


# -- the importers: JSONL, JSON and CSV files -----------------------------------------------------

ROW = {"id": "t:good", "text": "acme is down", "created_at": "2026-11-18T12:00:00Z"}
ROW_FIELDS = ["id", "text", "created_at", "author", "author_reach", "lang", "url", "platform",
              "native_id", "parent_id", "thread_id"]  # fmt: skip
SNSCRAPE = {
    "_type": "snscrape.modules.twitter.Tweet",
    "id": 7,
    "rawContent": "acme",
    "date": "2026-11-18T12:00:00+00:00",
    "user": {"username": "a", "followersCount": 1},
}


def jsonl_line(record) -> str:
    # ensure_ascii writes a lone surrogate as its \\ud800 escape, as a hostile writer would
    return json.dumps(record, ensure_ascii=True)


file_rows = st.lists(
    mutated(ROW, ROW_FIELDS)
    | mutated(SNSCRAPE, [*SNSCRAPE, "user"])
    | st.integers(min_value=1, max_value=1500).map(lambda depth: "[" * depth + "]" * depth)
    | st.binary(max_size=20).map(lambda raw: raw.replace(b"\n", b"")),
    max_size=6,
)


def write_lines(path: Path, rows: list, fmt: str) -> int:
    """Write rows (records, raw text or bytes) then the untouched ROW; return lines written."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(ROW_FIELDS)
        for row in [*rows, ROW]:
            if isinstance(row, dict):
                writer.writerow([row.get(key, "") for key in ROW_FIELDS])
        path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
        return 0
    lines = []
    for row in [*rows, ROW]:
        if isinstance(row, bytes):
            lines.append(row)
        else:
            lines.append((row if isinstance(row, str) else jsonl_line(row)).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    texts = [line.decode("utf-8", "replace") for line in lines]
    texts[0] = texts[0].removeprefix("\ufeff")
    return sum(1 for raw, text in zip(lines, texts, strict=True) if b"\x00" in raw or text.strip())


@FUZZ
@given(rows=file_rows, fmt=st.sampled_from(["jsonl", "json", "csv"]))
def test_imported_files(rows, fmt):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"posts.{fmt}"
        written = write_lines(path, rows, fmt)
        config = parse_config({**CONFIG, "sources": {"file": {"path": str(path)}}})
        with Store(Path(directory) / "x.db") as store:
            report = run_stages(store, config)
            check_stored(store, report, "file", {"t:good"})
            source = report.sources["file"]
            if fmt != "csv":  # each non-blank line is a post or a bad row with its reason
                assert source.fetched + source.skipped == written
            again = run_stages(store, config)
            assert (again.new, again.sources["file"].skipped) == (0, 0)


def test_the_untouched_row_alone_is_one_post(tmp_path):
    """The fuzz above always has this row last: on its own it is read, stored and exported."""
    path = tmp_path / "posts.jsonl"
    write_lines(path, [], "jsonl")
    source = FileSource(FileSettings(path=str(path)), env={})
    assert [post.id for batch in source.fetch(None, None) for post in batch.posts] == ["t:good"]


@pytest.mark.parametrize("depth", [990, 1000, 5000])
def test_deep_nesting_in_a_file_is_a_bad_row_or_a_post_never_an_error(tmp_path, depth):
    path = tmp_path / "posts.jsonl"
    row = {**ROW, "extra": nest(0)}
    text = jsonl_line(row)[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    path.write_text(text + "\n" + jsonl_line({**ROW, "id": "t:2"}) + "\n", encoding="utf-8")
    config = parse_config({**CONFIG, "sources": {"file": {"path": str(path)}}})
    with Store(tmp_path / "x.db") as store:
        report = run_stages(store, config)
        check_stored(store, report, "file", {"t:2"})
        assert report.sources["file"].fetched + report.sources["file"].skipped == 2
