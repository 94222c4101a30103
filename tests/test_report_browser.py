"""The report of the demo database, rendered by a real headless Chromium and checked as drawn.

Skips (saying why) where no Chromium is installed: `apt-get install -y chromium` (.ci/chromium.sh
does it in CI).
"""

from __future__ import annotations

import json
import struct

import pytest
from click.testing import CliRunner
from headless_chromium import Chromium, find_chromium

from earmark.cli import cli
from earmark.cli.commands.cmd_demo import DEMO_NOW

pytestmark = pytest.mark.slow

CHARTS = ("chart-volume", "chart-intents", "chart-share", "chart-backlog", "chart-response")
VIEWPORT = (1280, 800)

# Returns what the page shows, measured by the browser's own layout.
MEASURE = """(() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  const rows = [...document.querySelectorAll('#summary-table tbody tr')];
  const charts = {};
  for (const id of %s) {
    const fig = document.getElementById(id);
    const svg = fig && fig.querySelector('svg');
    charts[id] = {svg: box(svg),
      marks: svg ? svg.querySelectorAll('rect, polygon').length : 0,
      title: svg && svg.querySelector('title') ? svg.querySelector('title').textContent : null,
      table: fig ? fig.querySelectorAll('table tbody tr').length : 0};
  }
  return {summary: box(document.getElementById('summary')),
    first_row: rows.length ? {name: rows[0].querySelector('th').textContent,
                              box: box(rows[0])} : null,
    queues: rows.map(r => r.querySelector('th').textContent),
    charts, viewport: window.innerHeight, scripts: document.scripts.length};
})()"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The report of the demo database as `earmark demo` builds it, as of the demo's time."""
    if find_chromium() is None:
        pytest.skip("no chromium on this machine (apt-get install -y chromium): not rendered")
    work = tmp_path_factory.mktemp("report")
    db, page = work / "demo.db", work / "report.html"
    runner = CliRunner()
    env = {"EARMARK_NOW": DEMO_NOW}
    built = runner.invoke(cli, ["demo", "--db", str(db)], env=env)
    assert built.exit_code == 0, built.output
    written = runner.invoke(cli, ["--db", str(db), "report", "-o", str(page)], env=env)
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    exported = runner.invoke(cli, ["--db", str(db), "export", "-f", "jsonl"], env=env)
    # What `export` lists (open items, most urgent first): the report must agree with it.
    return page, [json.loads(line) for line in exported.stdout.splitlines()]


def test_the_report_renders_in_chromium_with_the_urgent_queue_above_the_fold(demo_report, tmp_path):
    page, exported = demo_report
    first_queue = exported[0]["queue"]
    with Chromium(width=VIEWPORT[0], height=VIEWPORT[1]) as browser:
        browser.open(page)
        shown = browser.evaluate(MEASURE % json.dumps(list(CHARTS)))
        shot = browser.screenshot()
        errors = browser.console_errors()
        requested = browser.requested_urls()
    (tmp_path / "report.png").write_bytes(shot)
    assert png_size(shot) == VIEWPORT

    # Self-contained: the browser fetched the file itself and nothing else; no script.
    assert requested == [page.resolve().as_uri()]
    assert shown["scripts"] == 0
    assert errors == []

    assert shown["summary"]["width"] > 0 and shown["summary"]["height"] > 0
    # The queue with the most urgent item leads the summary (the same queue `export` puts
    # first), that is the demo's urgent queue, and it is on the first screen.
    assert first_queue == "urgent"
    assert shown["queues"][0] == first_queue == shown["first_row"]["name"]
    assert set(shown["queues"]) == {r["queue"] for r in exported}
    assert 0 <= shown["first_row"]["box"]["top"] < shown["first_row"]["box"]["bottom"]
    assert shown["first_row"]["box"]["bottom"] <= shown["viewport"]

    for ident in CHARTS:
        chart = shown["charts"][ident]
        assert chart["svg"] is not None, ident
        assert chart["svg"]["width"] > 200 and chart["svg"]["height"] > 50, (ident, chart)
        assert chart["marks"] > 0, f"{ident} drew nothing"
        assert chart["title"], ident
        assert chart["table"] > 0, f"{ident} has no numbers table"


def test_a_full_page_screenshot_covers_every_item(demo_report, tmp_path):
    page, exported = demo_report
    with Chromium(width=VIEWPORT[0], height=VIEWPORT[1]) as browser:
        browser.open(page)
        height = browser.evaluate("document.documentElement.scrollHeight")
        items = browser.evaluate("document.querySelectorAll('#items td').length")
        shot = browser.screenshot(full_page=True)
        errors = browser.console_errors()
    assert errors == []
    width, shot_height = png_size(shot)
    assert width == VIEWPORT[0] and shot_height == height > VIEWPORT[1]
    # Every open item is listed (the demo has fewer than the default --limit of 200).
    assert 0 < len(exported) < 200
    assert items == len(exported)
