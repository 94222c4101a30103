"""Shared by the hostile-record fuzz tests: hostile values and the stages after a source.

Usage (tests/ is on sys.path under pytest):

    from recordsfuzz import FUZZ, hostile, mutated, fuzz_page, run_stages, check_stored
"""

from __future__ import annotations

import copy
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from classify.stage import classify_posts
from earmark.cli.configfile import parse_config
from earmark.cli.output import write_table
from earmark.models import OPEN_STATUSES, parse_iso
from earmark.store import Store
from export.formats.writer import ExportFilters, write_export
from export.queues.routing import route_opportunities
from listen.base import Batch
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
    classify_posts(store, config.classify_settings(), now=NOW)
    route_opportunities(store, config, now=NOW)
    for fmt in FORMATS:
        out = io.StringIO()
        write_export(
            store,
            out,
            fmt=fmt,
            now=NOW,
            filters=ExportFilters(status=list(OPEN_STATUSES)),
            render_table=write_table,
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
