"""Property tests on whole digests: whatever a post says, the output keeps its shape."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from export.formats.html import render_html
from export.formats.markdown import render_markdown
from export.formats.slack import MAX_BLOCKS, MAX_SECTION_TEXT, render_slack_messages, text_length

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
