"""`earmark report`: the store's grouped counts, the chart data, and the command."""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from datetime import timedelta

import pytest
from click.testing import CliRunner
from exportdata import NOW, add_calm, add_hostile, add_many
from htmlshape import parse_shape
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.cli import cli
from earmark.cli.commands.cmd_demo import DEMO_NOW
from earmark.models import Post, TopicMatch, parse_iso, to_iso
from earmark.store import Store
from export.queues.sla import sla_state
from export.report.data import OTHER, choose_bucket, to_series, top_counts
from export.report.svg import Chart, Series, bar_chart, duration_ticks, nice_ticks

_NOW = parse_iso(NOW)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "report.db") as s:
        yield s


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(path)], env={"EARMARK_NOW": DEMO_NOW})
    assert result.exit_code == 0, result.output
    return path


# -- the store's counts, against a count over every row -------------------------------------


def _rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("bucket", [3600, 6 * 3600, 86400])
def test_grouped_counts_equal_a_count_over_every_post(demo_db, bucket):
    posts = _rows(
        demo_db,
        "SELECT p.id, p.created_at, c.sentiment, c.primary_intent FROM posts p "
        "LEFT JOIN classifications c ON c.post_id = p.id",
    )
    matches = _rows(demo_db, "SELECT post_id, topic FROM topic_matches")
    start, end = "2026-11-19T00:00:00Z", DEMO_NOW
    inside = {
        pid: (int(parse_iso(at).timestamp()) // bucket, sentiment, intent)
        for pid, at, sentiment, intent in posts
        if start <= at < end
    }
    volume = Counter((b, s or "unclassified") for b, s, _ in inside.values())
    intents = Counter(i or "none" for b, s, i in inside.values() if s is not None)
    topics = Counter((inside[pid][0], topic) for pid, topic in matches if pid in inside)
    assert volume and topics  # the window holds posts of the demo

    with Store(demo_db) as store:
        report = store.report
        got_volume = report.posts_by_bucket_and_sentiment(start, end, bucket)
        got_topics = report.topic_matches_by_bucket(start, end, bucket)
        assert {(b, s): n for b, s, n in got_volume} == volume
        assert {(b, t): n for b, t, n in got_topics} == topics
        assert report.posts_by_primary_intent(start, end) == intents
        # One row per group, never per post.
        assert len(got_volume) == len(volume) < len(inside)
        first = min(at for _, at, _, _ in posts if at >= start)
        last = max(at for _, at, _, _ in posts if at < end)
        assert report.post_time_range(start, end) == (first, last)


def test_the_backlog_lists_queues_in_the_order_export_shows_them(store):
    add_calm(store)
    add_many(store, 3, queue="sales")
    backlog = store.report.open_backlog_by_queue(NOW, 0.2)
    rows = list(store.exports.iter_export_rows(status=["open", "assigned"], now=NOW))
    export_order = list(dict.fromkeys(r["queue"] for r in rows))
    assert [q for q, *_ in backlog] == export_order
    # support holds the one breached item, so it leads though urgent has the top priority.
    assert export_order[0] == "support"
    for queue, count, breached, at_risk, wait in backlog:
        mine = [r for r in rows if r["queue"] == queue]
        states = Counter(sla_state(r, _NOW, 0.2) for r in mine)
        assert (count, breached, at_risk) == (len(mine), states["breached"], states["at_risk"])
        oldest = min(parse_iso(r["posted_at"]) for r in mine)
        assert wait == int((_NOW - oldest).total_seconds())


def test_first_response_percentiles_are_nearest_rank(store):
    ids = add_many(store, 7)
    answered = [300, 60, 900, 120, 3600, 45]  # seconds after each item was created
    for opportunity_id, seconds in zip(ids, answered, strict=False):
        row = store.queues.get_opportunity(opportunity_id)
        at = parse_iso(row["created_at"]) + timedelta(seconds=seconds)
        store.queues.update_opportunity(opportunity_id, first_response_at=to_iso(at))
    got = store.report.first_response_percentiles("2000-01-01T00:00:00Z", (0.5, 0.9))
    ordered = sorted(answered)
    expected = [ordered[math.ceil(f * len(ordered)) - 1] for f in (0.5, 0.9)]
    assert got == {"support": (len(answered), expected)}


# -- chart data ------------------------------------------------------------------------------


def test_to_series_fills_empty_buckets_and_sums_the_rest_as_other():
    start = parse_iso("2026-11-20T00:10:00Z")
    end = parse_iso("2026-11-20T03:50:00Z")
    first = int(start.timestamp()) // 3600
    rows = [(first, "a", 5), (first + 3, "a", 1), (first + 1, "b", 4), (first, "c", 2)]
    rows += [(first + 2, "d", 1), (first + 9, "a", 100)]  # the last is outside the window
    series = to_series(rows, start, end, 3600, top=3)
    assert [to_iso(s) for s in series.starts] == [
        "2026-11-20T00:00:00Z",
        "2026-11-20T01:00:00Z",
        "2026-11-20T02:00:00Z",
        "2026-11-20T03:00:00Z",
    ]
    assert series.series == {"a": [5, 0, 0, 1], "b": [0, 4, 0, 0], OTHER: [2, 0, 1, 0]}
    assert series.totals() == [7, 4, 1, 1]


@given(st.dictionaries(st.text(max_size=5), st.integers(1, 1000), max_size=30))
def test_top_counts_keeps_every_count(counts):
    top = top_counts(counts, 10)
    assert len(top) <= 10
    assert sum(n for _, n in top) == sum(counts.values())


@given(st.floats(min_value=0, max_value=10 * 365 * 86400))
def test_buckets_keep_a_chart_readable(span):
    seconds = choose_bucket(span, 60)
    assert span / seconds < 60 or seconds == 28 * 86400


@settings(max_examples=200)
@given(st.floats(min_value=1e-3, max_value=1e9))
def test_ticks_cover_the_top_in_round_steps(top):
    ticks = nice_ticks(top)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= top * (1 - 1e-9) and len(ticks) <= 6
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5, 10))


@given(st.integers(min_value=1, max_value=400 * 86400))
def test_duration_ticks_cover_the_top(top):
    ticks = duration_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 6


def test_a_chart_with_nothing_to_show_says_so():
    chart = Chart("c", "t", "d", ["q"], [Series("s", [0], "#000")], "x", "y")
    assert "Nothing to show in this period" in bar_chart(chart)


# -- the command ---------------------------------------------------------------------------


def invoke(args, db):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"EARMARK_NOW": NOW})


def test_report_writes_one_page_to_stdout_most_urgent_queue_first(store):
    add_calm(store)
    add_hostile(store)
    result = invoke(["report"], store.path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    shape = parse_shape(page)
    names = {t for t, _ in shape.tags}
    assert "script" not in names and "img" not in names and "link" not in names
    summary = page.index('id="summary"')
    assert summary < page.index('id="charts"') < page.index('id="items"')
    # The summary's first queue is the one with the breached item, linked to its items.
    first_row = page[page.index('<tr class="queue-row">') :]
    assert first_row.startswith('<tr class="queue-row"><th scope="row"><a href="#queue-1">')
    assert first_row.split("</a>")[0].endswith(">support")
    assert page.index('id="queue-1"') > page.index('id="items"')
    assert '<script>alert("x")' not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page


def test_hostile_queue_and_topic_names_stay_text(store):
    queue, topic = '<img src=x onerror="alert(1)">', "<svg onload=alert(2)>"
    ids = add_many(store, 2, queue=queue)
    post = Post(platform="x", native_id="t1", text="about acme", created_at=_NOW)
    store.posts.save_posts([post], [TopicMatch(post.id, topic, "brand", ["acme"])])
    result = invoke(["report", "--limit", "1"], store.path)
    assert result.exit_code == 0, result.output
    shape = parse_shape(result.stdout)
    assert {t for t, _ in shape.tags} & {"img", "svg"} == {"svg"}
    attributes = {name for _, attrs in shape.tags for name, _ in attrs}
    assert not {a for a in attributes if a.startswith("on")}
    text = "".join(shape.texts)
    assert queue in text and topic in text
    assert "The 1 most urgent of 2 open items" in text and len(ids) == 2


def test_report_to_a_file_leaves_nothing_else_behind(store, tmp_path):
    add_calm(store)
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    result = invoke(["report", "-o", str(target)], store.path)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_report_errors_are_one_line(store, tmp_path):
    bad = invoke(["report", "--since", "soon"], store.path)
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1] == (
        "Error: --since: invalid duration 'soon': use a number and a unit, e.g. 15m, 2h, 1d"
    )
    missing = invoke(["report"], tmp_path / "none.db")
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"Error: {tmp_path / 'none.db'}: no such database;")
    assert len(missing.stderr.splitlines()) == 1
    unwritable = invoke(["report", "-o", str(tmp_path / "no" / "r.html")], store.path)
    assert unwritable.exit_code == 1
    assert unwritable.stderr == (
        f"Error: {tmp_path / 'no' / 'r.html'}: cannot write the report "
        "(No such file or directory)\n"
    )
