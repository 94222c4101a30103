"""The escapers: exact outputs for hostile text, and properties that must hold for any text."""

from __future__ import annotations

import html
import re

from htmlshape import parse_shape
from hypothesis import given
from hypothesis import strategies as st

from export.formats.escape import (
    clean_text,
    csv_cell,
    header_value,
    html_text,
    markdown_text,
    markdown_url,
    one_line,
    safe_url,
    slack_link,
    slack_text,
)
from export.report.svg import Chart, Series, bar_chart, column_chart, figure, share_chart

FORMULA = ("=", "+", "-", "@", "\t", "\r")
# Text biased towards the characters that matter, plus anything else.
hostile = st.lists(
    st.one_of(
        st.sampled_from(["<!channel>", "<@U123>", "@here", "<http://evil|x>", "=HYPERLINK("]),
        st.text(alphabet=st.sampled_from(list("<>&|!@=+-*_`~[]()\"'\\\r\n\t \u202e\u2066\u200d"))),
        st.text(),
    ),
    max_size=8,
).map("".join)


def test_slack_text_escapes_control_sequences_and_defuses_broadcasts():
    text = "<!channel> <@U123> <http://evil.example|click> & @here @Channel"
    assert slack_text(text) == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt; &amp; "
        "@\u2060here @\u2060Channel"
    )


def test_slack_text_truncates_without_cutting_an_entity():
    assert slack_text("a&b", limit=4) == "a…"
    assert slack_text("ab&", limit=7) == "ab&amp;"
    assert slack_text("ab&c", limit=7) == "ab…"


def test_slack_link_only_links_http_and_cannot_be_broken_out_of():
    assert slack_link("https://x.example/a?b=1&c=<d>|e", "Open <post>") == (
        "<https://x.example/a?b=1&amp;c=%3Cd%3E%7Ce|Open &lt;post&gt;>"
    )
    assert slack_link("javascript:alert(1)", "Open") == "Open"
    assert slack_link("https://x.example/\u202eevil", "Open") == "Open"


def test_clean_text_drops_bidi_overrides_and_controls_but_keeps_emoji_joiners():
    family = "👨\u200d👩\u200d👧"
    assert clean_text(f"a\u202eb\x1b[2Jc\r\nd\u2066e{family}") == f"ab[2Jc de{family}"
    assert one_line("  a \r\n\t b  ") == "a b"


def test_html_text_and_urls():
    assert html_text('<script>alert("x")</script>') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    )
    assert safe_url("https://example.org/a") == "https://example.org/a"
    for bad in (
        "javascript:alert(1)",
        "data:text/html,x",
        "//evil.example",
        "http://",
        "ftp://x/y",
    ):
        assert safe_url(bad) is None, bad
    assert safe_url("https://a.example/\nb") is None


def test_markdown_text_escapes_markup_and_html():
    assert markdown_text("<b>*hi*</b> [x](javascript:y) a|b & `c`") == (
        "&lt;b&gt;\\*hi\\*&lt;/b&gt; \\[x\\](javascript:y) a\\|b &amp; \\`c\\`"
    )
    assert markdown_url('https://x.example/a(b)"c"<d>|e') == (
        "https://x.example/a%28b%29%22c%22%3Cd%3E%7Ce"
    )


def test_csv_cell_neutralises_formulas_even_behind_whitespace():
    assert csv_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert csv_cell("  =1+1") == "'  =1+1"
    assert csv_cell("\n@SUM(A1)") == "'\n@SUM(A1)"
    assert csv_cell("-0.5") == "'-0.5"
    assert csv_cell("plain") == "plain"
    assert csv_cell(-0.5) == -0.5


def test_header_value_is_one_line():
    assert header_value("Eve\r\nBcc: victim@example.com") == "Eve Bcc: victim@example.com"


@given(hostile)
def test_slack_text_never_leaves_raw_angle_brackets_or_bare_ampersands(text):
    escaped = slack_text(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", escaped, flags=re.S)
    assert "\n" not in escaped and "\r" not in escaped
    assert not re.search(r"@(channel|here|everyone)\b", escaped, flags=re.I)


@given(hostile, st.integers(min_value=1, max_value=200))
def test_slack_text_respects_its_limit(text, limit):
    assert len(slack_text(text, limit)) <= limit


@given(hostile)
def test_slack_link_has_exactly_one_pair_of_brackets(text):
    link = slack_link("https://x.example/" + text.replace(" ", ""), text)
    if link.startswith("<"):
        assert link.count("<") == 1 and link.count(">") == 1 and link.endswith(">")
        # The first "|" is ours: everything after it is the escaped label.
        assert link.split("|", 1)[1] == slack_text(text) + ">"
    else:
        assert "<" not in link and ">" not in link


@given(hostile)
def test_html_text_never_contains_markup(text):
    escaped = html_text(text)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert html.unescape(escaped) == clean_text(text)


@given(hostile)
def test_csv_cells_never_start_a_formula(text):
    cell = csv_cell(text)
    assert not cell.startswith(FORMULA)
    assert not cell.lstrip(" \n\r\t").startswith(("=", "+", "-", "@")) or cell.startswith("'")


@given(hostile)
def test_markdown_text_has_no_raw_html_or_link_syntax(text):
    escaped = markdown_text(text)
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"(?<!\\)[\[\]`*_|]", escaped)


@given(hostile)
def test_header_value_never_contains_line_breaks(text):
    value = header_value(text)
    assert "\r" not in value and "\n" not in value


# -- the report's SVG charts: labels go into <text>, <title> and tables, escaped, never into
# an attribute (every attribute value is ours: numbers, colours, ids, fixed words) ------------

_OUR_ATTRIBUTE = re.compile(r"[-0-9a-z .,#:()/%;_]*")


def _charts(label: str) -> str:
    series = [Series(label, [3, 0, 5], "#123456"), Series(label + "2", [1, 2, 0], "#abcdef")]
    chart = Chart("chart-x", label, label, [label, "b", label], series, label, label)
    return "".join(
        figure(chart, draw(chart), label)
        for draw in (column_chart, bar_chart, share_chart, lambda c: bar_chart(c, stacked=False))
    )


def test_chart_labels_are_escaped_in_text_and_titles():
    label = '<script>alert("x")</script>\u202e&amp;'
    page = _charts(label)
    assert "<script" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;"
    assert f"<title>{escaped} · 3</title>" not in page  # tooltips name the category, too
    assert f"<title>{escaped} · {escaped} · 3</title>" in page  # category · series · value
    assert f'<title id="chart-x-title">{escaped}</title>' in page
    assert f'fill="#6b7280">{escaped}</text>' in page  # an axis label
    assert "\u202e" not in page
    shape = parse_shape(page)
    assert {t for t, _ in shape.tags} & {"script", "img", "iframe"} == set()


@given(hostile)
def test_no_chart_label_ever_reaches_an_attribute(text):
    label = "Q!" + text  # "Q" and "!" never occur in an attribute value of ours
    shape = parse_shape(_charts(label))
    for tag, attrs in shape.tags:
        for name, value in attrs:
            assert _OUR_ATTRIBUTE.fullmatch(value or ""), (tag, name, value)
    assert shape.others == []
    assert clean_text(label) in "".join(shape.texts)
