"""Telegram source: snscrape's channel scraper fed the recorded t.me pages from 127.0.0.1.

Recordings: tests/fixtures/telegram/ (see SOURCES.md): the https://t.me/s/durov preview (five
messages, 519-539, and a "more" link to ?before=519) and the https://t.me/durov channel card.
The older page behind the "more" link was not recorded: tests that need one serve the recorded
page with its message blocks and its "more" link removed (a channel's first page looks like
that), and say so.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from listencli import run_cli, stored_ids

from earmark.config import Topic
from listen.base import SourceError
from listen.http import HttpClient
from listen.telegram import (
    TelegramSettings,
    TelegramSource,
    channel_name,
    load_telegram_module,
    message_id,
)

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
PREVIEW = (FIXTURES / "t_me_s_durov.html").read_text(encoding="utf-8")
CARD = (FIXTURES / "t_me_durov_channel_page.html").read_text(encoding="utf-8")
HTML = "text/html; charset=utf-8"
TOPIC = Topic(name="privacy", terms=["encryption"])
REPO = Path(__file__).parent.parent


def first_page_of_channel() -> str:
    """Return the recorded preview without messages or "more" link (derived, see docstring)."""
    start = PREVIEW.index('<div class="tgme_widget_message_wrap')
    end = PREVIEW.index("</section>", start)
    without_messages = PREVIEW[:start] + PREVIEW[end:]
    return re.sub(r'<a href="/s/durov\?before=519"[^>]*>.*?</a>', "", without_messages, flags=re.S)


def serve_channel(server):
    server.add("/s/durov", PREVIEW, content_type=HTML, query={})
    server.add("/durov", CARD, content_type=HTML)


def make_source(server, slept, **settings) -> TelegramSource:
    settings.setdefault("channels", ["@durov"])
    options = TelegramSettings(base_url=server.url(""), **settings)
    http = HttpClient(
        "telegram", max_requests=options.max_requests, sleep=slept.append, jitter=lambda: 0
    )
    return TelegramSource(options, env={}, http=http)


def native_ids(batches) -> list[str]:
    return [post.native_id for batch in batches for post in batch.posts]


@pytest.mark.parametrize(
    "value", ["durov", "@durov", "t.me/durov", "https://t.me/s/durov", "https://t.me/durov/519"]
)
def test_channel_name(value):
    assert channel_name(value) == "durov"


def test_message_id():
    assert message_id("https://t.me/s/durov/519") == ("durov", 519)
    with pytest.raises(SourceError) as caught:
        message_id("https://t.me/s/durov")
    assert str(caught.value) == "telegram: unexpected message URL 'https://t.me/s/durov'"


def test_shim_imports_the_scraper_without_snscrape_modules_init():
    code = (
        "import sys, warnings; warnings.simplefilter('error');"
        "import listen.telegram, listen.registry;"
        "assert 'snscrape' not in sys.modules, 'imported eagerly';"
        "module = listen.telegram.load_telegram_module();"
        "assert module.TelegramChannelScraper.name == 'telegram-channel';"
        "print(hasattr(sys.modules['snscrape.modules'], '_import_modules'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.stderr == ""
    assert result.stdout == "False\n"  # snscrape/modules/__init__.py never ran


def test_missing_snscrape_is_a_clear_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "snscrape.modules.telegram", raising=False)
    monkeypatch.setitem(sys.modules, "snscrape", None)  # makes `import snscrape` fail
    with pytest.raises(SourceError) as caught:
        load_telegram_module()
    assert str(caught.value) == (
        "telegram: snscrape is not installed; install it with `pip install snscrape`"
    )


def test_first_run_reads_one_page_with_the_channel_card(server, slept):
    serve_channel(server)
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert native_ids(batches) == ["durov/519", "durov/520", "durov/521", "durov/522", "durov/539"]
    assert [json.loads(batch.cursor) for batch in batches] == [{"durov": "539"}]
    post = batches[0].posts[1]
    assert post.id == "telegram:durov/520"
    assert post.url == "https://t.me/durov/520"
    assert post.text.startswith(
        "🎭 WhatsApp encryption is a giant fraud.\n\n🇺🇸 The state of Texas just sued WhatsApp"
    )
    assert post.created_at == datetime(2026, 5, 23, 13, 26, 7, tzinfo=timezone.utc)
    assert (post.author, post.author_name, post.author_reach) == (
        "durov",
        "Pavel Durov",
        11286994,
    )
    assert post.raw["outlinks"] == [
        "https://www.reuters.com/legal/government/texas-sues-meta-whatsapp-over-encryption-"
        "privacy-claims-2026-05-21/"
    ]
    photo_only = batches[0].posts[3]
    # A photo without a caption is stored as a marker, never as an empty text (issue #16).
    assert (photo_only.native_id, photo_only.text) == ("durov/522", "[photo]")
    assert photo_only.raw["media"] == {"kinds": ["photo"]}
    video_with_caption = batches[0].posts[0]
    assert video_with_caption.raw["media"] == {"kinds": ["video"]}
    assert video_with_caption.text == video_with_caption.raw["content"].strip()
    # The next page is not requested on a first run; the card is.
    assert [(request.path, request.query) for request in server.requests] == [
        ("/s/durov", {}),
        ("/durov", {}),
    ]
    assert server.requests[0].headers["User-Agent"].startswith("earmark/")


def test_later_run_stops_at_the_cursor(server, slept):
    serve_channel(server)
    batches = list(make_source(server, slept).fetch(TOPIC, json.dumps({"durov": "520"})))
    assert native_ids(batches) == ["durov/521", "durov/522", "durov/539"]
    assert json.loads(batches[0].cursor) == {"durov": "539"}
    assert [request.path for request in server.requests] == ["/s/durov", "/durov"]


def test_later_run_follows_the_more_link_to_the_channels_start(server, slept):
    serve_channel(server)
    server.add("/s/durov", first_page_of_channel(), content_type=HTML, query={"before": "519"})
    batches = list(make_source(server, slept).fetch(TOPIC, json.dumps({"durov": "100"})))
    assert len(native_ids(batches)) == 5
    assert json.loads(batches[0].cursor) == {"durov": "539"}
    assert [request.param("before") for request in server.requests_to("/s/durov")] == [None, "519"]


def test_page_limit_before_the_cursor_keeps_the_old_position(server, slept):
    serve_channel(server)
    source = make_source(server, slept, max_pages=1)
    batches = list(source.fetch(TOPIC, json.dumps({"durov": "100"})))
    assert len(native_ids(batches)) == 5
    assert [batch.cursor for batch in batches] == [None]  # older messages are still unread


def test_since_limits_a_first_run(server, slept):
    serve_channel(server)
    since = datetime(2026, 6, 1, tzinfo=timezone.utc)
    batches = list(make_source(server, slept).fetch(TOPIC, None, since=since))
    assert native_ids(batches) == ["durov/521", "durov/522", "durov/539"]
    assert json.loads(batches[0].cursor) == {"durov": "539"}


def test_channel_is_read_once_per_run_for_several_topics(server, slept):
    serve_channel(server)
    source = make_source(server, slept)
    list(source.fetch(TOPIC, None))
    again = list(source.fetch(Topic(name="ton", terms=["gram"]), json.dumps({"durov": "521"})))
    assert native_ids(again) == ["durov/522", "durov/539"]
    assert len(server.requests) == 2


def test_limit_keeps_the_oldest_and_does_not_skip(server, slept):
    serve_channel(server)
    batches = list(make_source(server, slept).fetch(TOPIC, json.dumps({"durov": "518"}), limit=2))
    assert native_ids(batches) == ["durov/519", "durov/520"]
    assert [batch.cursor for batch in batches] == [None]


def test_request_budget_stops_cleanly(server, slept):
    serve_channel(server)
    server.add("/s/other", PREVIEW, content_type=HTML)
    source = make_source(server, slept, channels=["durov", "other"], max_requests=1)
    batches = list(source.fetch(TOPIC, None))
    assert len(native_ids(batches)) == 5
    assert batches[0].posts[0].author_reach is None  # no budget left for the channel card
    assert len(server.requests) == 1


def test_channel_without_public_preview_gives_nothing(server, slept):
    server.add("/s/private_club", status=302, headers={"Location": "/private_club"})
    server.add("/private_club", CARD, content_type=HTML)
    assert list(make_source(server, slept, channels=["private_club"]).fetch(TOPIC, None)) == []


def test_429_and_500_are_retried(server, slept):
    server.add("/s/durov", status=429, headers={"Retry-After": "6"})
    server.add("/s/durov", status=500)
    server.add("/s/durov", PREVIEW, content_type=HTML)
    server.add("/durov", CARD, content_type=HTML)
    batches = list(make_source(server, slept).fetch(TOPIC, None))
    assert len(native_ids(batches)) == 5
    assert slept == [6.0, 2.0]


def test_unknown_channel_is_a_one_line_error(server, slept):
    with pytest.raises(SourceError) as caught:
        list(make_source(server, slept, channels=["nosuch"]).fetch(TOPIC, None))
    assert str(caught.value) == (
        f"telegram: HTTP 404 Not Found from {server.url('/s/nosuch')}; check base_url and the "
        "source's settings"
    )


def test_malformed_page_is_a_clear_error_and_yields_nothing(server, slept):
    broken = '<html><body><div class="tgme_widget_message" data-post="durov/1"></div></body></html>'
    server.add("/s/durov", broken, content_type=HTML)
    batches = []
    with pytest.raises(SourceError) as caught:
        for batch in make_source(server, slept).fetch(TOPIC, None):
            batches.append(batch)
    assert str(caught.value) == (
        "telegram: could not read the t.me/s/durov page (AttributeError: 'NoneType' object has "
        "no attribute 'find'); is it a public channel with a web preview?"
    )
    assert batches == []


def test_cli_listen_stores_matching_posts_and_a_second_run_is_silent(server, tmp_path):
    serve_channel(server)
    config = (
        "topics:\n  - name: privacy\n    terms: [encryption]\n"
        f"sources:\n  telegram:\n    base_url: {server.url('')}\n    channels: [durov]\n"
    )
    first = run_cli(tmp_path, config, "--source", "telegram")
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr == "telegram: 1 new post (privacy 1)\n"
    assert stored_ids(tmp_path) == ["telegram:durov/520"]

    second = run_cli(tmp_path, config, "--source", "telegram")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert stored_ids(tmp_path) == ["telegram:durov/520"]
    assert [request.path for request in server.requests] == ["/s/durov", "/durov", "/s/durov"]


# --- issue #16: a base_url with a path, and messages without text ------------------------------


def test_base_url_with_a_path_keeps_it_on_the_next_page(server, slept):
    # A mirror or proxy under a path: before the fix the "more" link (/s/durov?before=519) was
    # resolved against the response URL, dropping /mirror, and the second page was a 404.
    server.add("/mirror/s/durov", PREVIEW, content_type=HTML, query={})
    server.add(
        "/mirror/s/durov", first_page_of_channel(), content_type=HTML, query={"before": "519"}
    )
    server.add("/mirror/durov", CARD, content_type=HTML)
    options = TelegramSettings(base_url=server.url("/mirror/"), channels=["durov"])
    http = HttpClient("telegram", max_requests=10, sleep=slept.append, jitter=lambda: 0)
    source = TelegramSource(options, env={}, http=http)
    batches = list(source.fetch(TOPIC, json.dumps({"durov": "100"})))
    assert native_ids(batches) == ["durov/519", "durov/520", "durov/521", "durov/522", "durov/539"]
    assert json.loads(batches[-1].cursor) == {"durov": "539"}
    assert [(request.path, request.param("before")) for request in server.requests] == [
        ("/mirror/s/durov", None),
        ("/mirror/s/durov", "519"),
        ("/mirror/durov", None),
    ]
    # Links are about t.me, never about the server the pages came from.
    for post in batches[0].posts:
        assert post.url.startswith("https://t.me/durov/")
        assert not any("127.0.0.1" in link for link in post.raw["outlinks"])


def page_with_media(number: int, media_html: str) -> str:
    """Return the recorded preview with one more message, durov/<number>, carrying media_html.

    Derived, not recorded: the recorded photo-only message durov/522 is copied with its photo
    replaced by media_html (markup as t.me/s/ serves polls, files and voice messages; no
    recording of those was found) and its number and date link changed.
    """
    start = PREVIEW.index('<div class="tgme_widget_message_wrap', PREVIEW.index('durov/521"'))
    end = PREVIEW.index('<div class="tgme_widget_message_wrap', start + 1)
    block = PREVIEW[start:end].replace("durov/522", f"durov/{number}")
    block = re.sub(
        r'<a class="tgme_widget_message_photo_wrap.*?</a>', lambda _: media_html, block, flags=re.S
    )
    assert "photo_wrap" not in block and f"durov/{number}" in block
    closing = PREVIEW.rindex("</section>")
    return PREVIEW[:closing] + block + PREVIEW[closing:]


OPTION = (
    '<div class="tgme_widget_message_poll_option">'
    '<div class="tgme_widget_message_poll_option_value">'
    '<div class="tgme_widget_message_poll_option_text">{}</div></div></div>'
)
POLL = (
    '<div class="tgme_widget_message_poll js-poll">'
    '<div class="tgme_widget_message_poll_question">Should encryption be &amp; stay legal?</div>'
    '<div class="tgme_widget_message_poll_type">anonymous poll</div>'
    + OPTION.format("Yes")
    + OPTION.format("No")
    + "</div>"
)
DOCUMENT = (
    '<div class="tgme_widget_message_document_wrap"><div class="tgme_widget_message_document">'
    '<div class="tgme_widget_message_document_title accent_color">whitepaper.pdf</div>'
    '<div class="tgme_widget_message_document_extra">1.2 MB</div></div></div>'
)
VOICE = '<audio class="tgme_widget_message_voice" src="https://cdn4.telesco.pe/v.ogg"></audio>'


@pytest.mark.parametrize(
    ("media_html", "text"),
    [
        (POLL, "Should encryption be & stay legal?\n- Yes\n- No"),
        (DOCUMENT, "[file: whitepaper.pdf]"),
        (VOICE, "[voice message]"),
        ("", "[media]"),
    ],
)
def test_message_without_text_keeps_its_poll_or_a_media_marker(server, slept, media_html, text):
    server.add("/s/durov", page_with_media(540, media_html), content_type=HTML)
    server.add("/durov", CARD, content_type=HTML)
    batches = list(make_source(server, slept).fetch(TOPIC, json.dumps({"durov": "539"})))
    [post] = [post for batch in batches for post in batch.posts]
    assert (post.native_id, post.text) == ("durov/540", text)
    # The time is the page's (copied from durov/522), not the time of the run.
    assert post.created_at == datetime(2026, 6, 1, 15, 46, 12, tzinfo=timezone.utc)
