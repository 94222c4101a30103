"""Property tests on whole digests: whatever a post says, the output keeps its shape."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from htmlshape import parse_shape
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.safetext import terminal_text
from export.formats.digest import digest_records
from export.formats.html import render_html
from export.formats.markdown import render_markdown
from export.formats.slack import MAX_BLOCKS, MAX_SECTION_TEXT, render_slack_messages, text_length
from export.report.data import HOUR, QueueSummary, ReportData, TimeSeries
from export.report.page import charts_section, summary_section, write_report

pieces = st.one_of(
    st.sampled_from(
        ["<script>", "</script>", "<!channel>", "<@U123>", "<http://evil|x>", "&", "\r\n", "\u202e"]
    ),
    st.text(max_size=12),
)
hostile = st.lists(pieces, max_size=5).map("".join)
urls = st.one_of(
    st.none(), hostile, hostile.map(lambda t: "https://x.example/" + t), st.just("javascript:x")
)


@st.composite
def records(draw):
    count = draw(st.sampled_from([1, 2, 5, 49, 55]))
    out = []
    for n in range(count):
        out.append(
            {
                "id": n + 1,
                "queue": draw(st.sampled_from(["urgent", "support", "<!here>"])),
                "priority": draw(st.integers(min_value=0, max_value=100)),
                "sentiment": ["negative", "neutral", None][n % 3],
                "intents": [draw(hostile)],
                "platform": "x",
                "author": draw(hostile),
                "author_name": "<@U1> & @here",
                "age": "5m",
                "sla_left": [None, "10m", "-3m"][n % 3],
                "reply_privately": n % 2 == 0,
                "pii": ["email", "<!channel>"],
                "url": draw(urls),
                "text": draw(st.one_of(hostile, hostile.map(lambda t: t * 400))),
            }
        )
    return sorted(out, key=lambda r: (r["queue"], -r["priority"]))


@settings(max_examples=25, deadline=None)
@given(records())
def test_slack_messages_stay_within_limits_and_carry_no_raw_markup(items):
    messages = render_slack_messages(items, title="t")
    assert sorted(i for m in messages for i in m.ids) == [
        r["id"] for r in sorted(items, key=lambda r: r["id"])
    ]
    for message in messages:
        assert len(message.payload["blocks"]) <= MAX_BLOCKS
        for block in message.payload["blocks"]:
            if block["type"] != "section":
                continue
            text = block["text"]["text"]
            assert text_length(text) <= MAX_SECTION_TEXT
            # Strip our own links; what is left has no "<" or ">" but the quote marker.
            rest = re.sub(r"<https?://[^|<>\s]+\|Open post>", "", text)
            rest = "\n".join(
                line[1:] if line.startswith(">") else line for line in rest.split("\n")
            )
            assert "<" not in rest and ">" not in rest
            assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", rest, flags=re.S)


@settings(max_examples=25, deadline=None)
@given(records())
def test_html_never_contains_a_raw_script_or_a_non_http_link(items):
    page = render_html(items, title="<t>", generated_at="now")
    assert "<script" not in page.lower()
    assert all(h.startswith(("http://", "https://")) for h in re.findall(r'href="([^"]*)"', page))
    assert "\u202e" not in page


@settings(max_examples=25, deadline=None)
@given(records())
def test_markdown_never_contains_raw_html(items):
    text = render_markdown(items, title="t", generated_at="now")
    assert "<" not in text


# -- the report's charts and summary: hostile labels change text, never the markup's shape ----

REPORT_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "h1", "h2", "h3", "p",
    "section", "ul", "li", "b", "span", "table", "caption", "thead", "tbody", "tr", "th", "td",
    "a", "div", "figure", "figcaption", "svg", "desc", "line", "text", "rect", "polygon",
    "details", "summary", "bdi",
}  # fmt: skip
REPORT_ATTRIBUTES = {
    "lang", "charset", "name", "content", "id", "class", "style", "scope", "href", "rel",
    "target", "role", "aria-labelledby", "viewbox", "xmlns", "x", "y", "x1", "x2", "y1", "y2",
    "width", "height", "fill", "stroke", "stroke-width", "fill-opacity", "points", "font-size",
    "text-anchor", "transform", "dir", "colspan",
}  # fmt: skip
labels = st.lists(hostile, min_size=1, max_size=4, unique=True)


@st.composite
def report_data(draw):
    start = datetime(2026, 11, 18, tzinfo=timezone.utc)
    width = draw(st.integers(min_value=1, max_value=5))
    starts = [start + timedelta(hours=n) for n in range(width)]
    counts = st.lists(st.integers(0, 50), min_size=width, max_size=width)
    volume = TimeSeries(HOUR, starts, {k: draw(counts) for k in draw(labels)})
    share = TimeSeries(HOUR, starts, {k: draw(counts) for k in draw(labels)})
    intents = [(k, draw(st.integers(1, 90))) for k in draw(labels)]
    queues = []
    for name in draw(labels):
        n = draw(st.integers(0, 40))
        breached = draw(st.integers(0, n))
        answered = draw(st.integers(0, 5))
        seconds = st.one_of(st.none(), st.integers(0, 10**6)) if n else st.none()
        response = st.integers(0, 10**5) if answered else st.none()
        queues.append(
            QueueSummary(
                name,
                n,
                breached,
                draw(st.integers(0, n - breached)),
                draw(seconds),
                answered,
                draw(response),
                draw(response),
            )  # fmt: skip
        )
    return ReportData(start + timedelta(days=1), start, volume, share, intents, queues)


def plain_labels(data):
    """The same report with every label replaced by a plain word."""

    def rename(series):
        return {f"label{n}": v for n, v in enumerate(series.values())}

    return replace(
        data,
        volume=replace(data.volume, series=rename(data.volume.series)),
        share=replace(data.share, series=rename(data.share.series)),
        intents=[(f"intent{n}", c) for n, (_, c) in enumerate(data.intents)],
        queues=[replace(q, name=f"queue{n}") for n, q in enumerate(data.queues)],
    )


def report_sections(data):
    return summary_section(data, shown=1) + charts_section(data)


@settings(max_examples=30, deadline=None)
@given(report_data())
def test_report_labels_never_change_the_shape_of_the_charts_and_summary(data):
    hostile_page = parse_shape(report_sections(data))
    plain_page = parse_shape(report_sections(plain_labels(data)))
    # Same elements, same attributes with the same values: a label is only ever text.
    assert hostile_page.tags == plain_page.tags
    assert hostile_page.others == plain_page.others == []
    # And the labels are there, whole, as text (the numbers tables hold them uncut).
    text = "".join(hostile_page.texts)
    everything = [*data.volume.series, *data.share.series, *(k for k, _ in data.intents)]
    for label in everything + [q.name for q in data.queues if q.open]:
        assert terminal_text(label, one_line=True) in text


@settings(max_examples=20, deadline=None)
@given(report_data(), records())
def test_the_whole_report_holds_only_its_own_elements_and_links(data, items):
    out = io.StringIO()
    ids = write_report(
        data, digest_records(items), out, title="<t>", shown=len(items), total=len(items)
    )
    assert sorted(ids) == sorted(r["id"] for r in items)
    shape = parse_shape(out.getvalue())
    assert shape.others == []
    assert {t for t, _ in shape.tags if not t.startswith("/")} <= REPORT_TAGS
    attributes = [(name, value) for _, attrs in shape.tags for name, value in attrs]
    assert {name for name, _ in attributes} <= REPORT_ATTRIBUTES
    for name, value in attributes:
        if name == "href":
            assert value.startswith(("http://", "https://")) or re.fullmatch(r"#queue-\d+", value)
    assert "\u202e" not in out.getvalue()
