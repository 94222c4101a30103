"""check_post: any post a source yields is made safe to store, or skipped with a reason.

Checked against the real store (SQLite) and read back through row_to_post and parse_iso, the
way every later classify/run/posts reads it: what check_post lets through must round-trip.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earmark.models import Post, TopicMatch, parse_iso, to_iso
from earmark.store import Store
from earmark.store.posts import CursorUpdate, row_to_post
from listen.records import (
    INT64_MAX,
    INT64_MIN,
    check_post,
    clean_raw,
    parse_each,
    save_batch,
    screen_posts,
    to_int64,
)

UTC = timezone.utc
WHEN = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def post(**fields) -> Post:
    base = {"platform": "t", "native_id": "1", "text": "acme", "created_at": WHEN}
    return Post(**{**base, **fields})


def stored(store: Store, item: Post) -> Post:
    store.posts.save_posts([item])
    row = store.conn.execute("SELECT * FROM posts WHERE id = ?", (item.id,)).fetchone()
    columns = [d[0] for d in store.conn.execute("SELECT * FROM posts LIMIT 0").description]
    return row_to_post(dict(zip(columns, row, strict=True)))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "x.db") as opened:
        yield opened


def test_lone_surrogates_become_replacement_characters_in_every_string(store):
    item = post(
        native_id="1\ud800",
        text="acme \ud800 and \udfff",
        author="a\udc80",
        url="https://x/\ud800",
        raw={"k\ud800": ["v\udfff", {"deep": "\ud83d"}]},
    )
    assert check_post(item) is None
    back = stored(store, item)
    assert back.text == "acme \ufffd and \ufffd"
    assert (back.native_id, back.author, back.url) == ("1\ufffd", "a\ufffd", "https://x/\ufffd")
    assert back.raw == {"k\ufffd": ["v\ufffd", {"deep": "\ufffd"}]}


@pytest.mark.parametrize(
    ("reach", "kept"),
    [
        (2**63, None),  # one past SQLite's INTEGER
        (10**30, None),
        (1e30, None),
        (float("inf"), None),
        (float("nan"), None),
        (-1, None),  # no account has fewer than no followers
        (True, None),
        ("12", None),
        (INT64_MAX, INT64_MAX),
        (1234.0, 1234),
        (0, 0),
    ],
)
def test_reach_outside_int64_or_not_a_count_is_stored_as_null(store, reach, kept):
    item = post(author_reach=reach)
    assert check_post(item) is None
    assert stored(store, item).author_reach == kept


def test_to_int64_bounds():
    assert [to_int64(v) for v in (INT64_MIN, INT64_MIN - 1, INT64_MAX, INT64_MAX + 1)] == [
        INT64_MIN,
        None,
        INT64_MAX,
        None,
    ]


@pytest.mark.parametrize(
    ("created", "reason"),
    [
        (datetime(999, 1, 1, tzinfo=UTC), "created_at 0999-01-01 outside the years 1000-9999"),
        (datetime(1, 1, 1, tzinfo=UTC), "created_at 0001-01-01 outside the years 1000-9999"),
        (
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
            "created_at 9999-12-31 out of range",
        ),
        ("2026-11-18T12:00:00Z", "created_at is not a time (str)"),
        (None, "created_at is not a time (NoneType)"),
    ],
)
def test_unusable_times_are_a_reason_to_skip(created, reason):
    assert check_post(post(created_at=created)) == reason


def test_a_naive_time_is_taken_as_utc_and_years_1000_and_9999_are_kept(store):
    for moment in (datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59, 59)):
        item = post(native_id=str(moment.year), created_at=moment)
        assert check_post(item) is None
        assert stored(store, item).created_at == moment.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"native_id": ""}, "empty native_id"),
        ({"native_id": None}, "missing native_id"),
        ({"platform": ["x"]}, "missing platform"),
        ({"text": None}, "missing text"),
        ({"text": {"html": "acme"}}, "missing text"),
    ],
)
def test_missing_identity_or_text_is_a_reason_to_skip(fields, reason):
    assert check_post(post(**fields)) == reason


def test_numbers_and_odd_types_in_text_fields_are_made_text_or_dropped(store):
    item = post(native_id=42, author=7, author_name={"a": 1}, lang=3.5, text="")
    assert check_post(item) is None
    back = stored(store, item)
    assert (back.native_id, back.author, back.author_name, back.lang, back.text) == (
        "42",
        "7",
        None,
        None,
        "",
    )


def test_a_deeply_nested_raw_is_cut_at_its_depth_limit(store):
    deep: object = "bottom"
    for _ in range(5000):
        deep = [deep]
    item = post(raw={"nested": deep, "huge": 10**5000, "nan": float("nan")})
    assert check_post(item) is None
    back = stored(store, item).raw
    depth, node = 0, back["nested"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert (depth, node) == (31, None)  # 32 levels under the record, the last one dropped
    assert (back["huge"], back["nan"]) == (None, None)


def test_clean_raw_returns_a_clean_record_unchanged_and_refuses_non_mappings():
    raw = {"id": 1, "text": "café", "tags": ["a", {"b": None}]}
    assert clean_raw(raw) is raw
    assert clean_raw(["not", "a", "dict"]) is None


def test_to_iso_pads_a_year_before_1000_and_parse_iso_reads_an_unpadded_one():
    # an earmark before this check stored "999-..." (glibc's %Y does not pad): still readable
    moment = datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert to_iso(moment) == "0999-01-02T03:04:05Z"
    assert parse_iso("999-01-02T03:04:05Z") == moment
    assert parse_iso("0999-01-02T03:04:05Z") == moment
    with pytest.raises(ValueError):
        parse_iso("99x-01-02")


def test_screen_posts_names_the_record_and_keeps_the_others():
    warnings: list[str] = []
    good, old = post(native_id="1"), post(native_id="2", created_at=datetime(999, 1, 1))
    assert screen_posts([old, good], "demo", warnings) == [good]
    assert good.source == "demo"
    assert warnings == ["record t:2: created_at 0999-01-01 outside the years 1000-9999"]


def test_parse_each_skips_with_the_record_id_or_raises_without_a_list():
    def parse(item):
        if item.get("bad"):
            raise KeyError("created_at")
        return item["id"]

    items = [{"id": 1}, {"id": "x\ud800", "bad": 1}, {"bad": 1}, {"id": 4}]
    skipped: list[str] = []
    assert parse_each(items, parse, "demo", skipped) == [1, 4]
    assert skipped == [
        "record x\ufffd: unexpected KeyError: 'created_at'",
        "record #3 of the page: unexpected KeyError: 'created_at'",
    ]
    with pytest.raises(KeyError):
        parse_each(items, parse, "demo")


# -- any post at all ------------------------------------------------------------------------------

hostile_text = st.text(st.characters(), max_size=30) | st.sampled_from(
    ["\ud800", "acme \udfff", "\x1b[31m", "\u202e", ""]
)
hostile_int = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=2**62, max_value=2**70),
    st.integers(max_value=-(2**62)),
    st.floats(),
    st.booleans(),
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
) | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
json_leaf = st.none() | st.booleans() | hostile_int | hostile_text
json_tree = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)
posts = st.builds(
    Post,
    platform=hostile_text | st.just("t"),
    native_id=hostile_text | st.integers(),
    text=hostile_text,
    created_at=moments,
    url=st.none() | hostile_text,
    author=st.none() | hostile_text | st.integers(),
    author_name=st.none() | hostile_text,
    author_reach=hostile_int,
    lang=st.none() | hostile_text,
    raw=st.none() | st.dictionaries(hostile_text, json_tree, max_size=4),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=posts)
def test_any_post_is_stored_and_read_back_or_skipped_with_a_reason(tmp_path_factory, item):
    reason = check_post(item)
    if reason is not None:
        assert reason and "\n" not in reason
        return
    with Store(tmp_path_factory.mktemp("db") / "x.db") as store:
        try:
            back = stored(store, item)
        except sqlite3.Error as error:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"stored post refused: {error}")
    assert back.id == item.id and back.text == item.text
    assert 1000 <= back.created_at.year <= 9999
    assert back.author_reach is None or 0 <= back.author_reach <= INT64_MAX
    for value in (back.platform, back.native_id, back.text, back.author, back.url):
        assert value is None or value.encode("utf-8").decode("utf-8") == value


def test_save_batch_stores_around_a_record_the_database_refuses(store):
    """The last line of defence, for a post that never went through check_post."""
    good, bad = post(native_id="1"), post(native_id="2", author_reach=2**63)
    matches = [TopicMatch(p.id, "acme", "brand", ["acme"]) for p in (good, bad)]
    new, refused = save_batch(store, [bad, good], matches, [CursorUpdate("t", "*", "next")])
    assert new == {"t:1"}
    assert refused == [
        "record t:2: cannot be stored "
        "(unexpected OverflowError: Python int too large to convert to SQLite INTEGER)"
    ]
    assert store.posts.get_cursor("t", "*") == "next"
    assert store.conn.execute("SELECT post_id FROM topic_matches").fetchall() == [("t:1",)]


def test_json_nested_past_the_limit_is_too_deep_on_every_python():
    # 150 levels parse on every Python version; the limit is earmark's own.
    from listen.records import MAX_JSON_DEPTH, nested_too_deep

    def nested(depth: int) -> str:
        return '{"a": ' * (depth - 1) + "[1]" + "}" * (depth - 1)

    at_limit, past = nested(MAX_JSON_DEPTH), nested(MAX_JSON_DEPTH + 1)
    assert not nested_too_deep(json.loads(at_limit), at_limit)
    assert nested_too_deep(json.loads(past), past)
    wide = json.dumps([[i] for i in range(500)])  # many brackets, little depth
    assert not nested_too_deep(json.loads(wide), wide)


def test_a_record_whose_id_holds_a_line_break_is_named_on_one_line():
    from listen.records import parse_each

    skipped: list[str] = []

    def broken(item):
        raise OverflowError("date value out of range")

    assert parse_each([{"id": "0\n0"}], broken, "rss", skipped) == []
    assert skipped == ["record 0 0: unexpected OverflowError: date value out of range"]
