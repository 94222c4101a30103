"""Tables read at 80 columns: rendered on the demo database plus hostile posts (long texts, long
words, CJK and emoji), at 80, 100 and 160 columns, every line fits, ids, priority, SLA and age
are never cut or wrapped, the post text takes one or two lines, headers wrap only between words,
and the columns a narrow terminal drops are the ones each table declares, in its order."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ptyrun import run_with_stdout_on_terminal
from queue_fixtures import add_post
from rich.cells import cell_len
from tablefit import body_rows, console, headers, printed, too_wide

from earmark.cli import cli
from earmark.cli.table_specs import EXPORT, POSTS, QUEUE, SOURCES, every_table
from earmark.cli.tables import ALWAYS, FIXED, render_table
from earmark.models import parse_iso
from earmark.store import Store
from export.queues.views import QUEUE_COLUMNS, for_table, item_record

DEMO_NOW = "2026-11-20T12:30:00Z"
WIDTHS = (80, 100, 160)
HOSTILE_TEXTS = [
    "outage " * 300,  # long text
    "acme " + "x" * 400,  # a word longer than any terminal
    "acme 顧客サービスに三回電話しましたが誰も出ません。" * 12,  # CJK: two cells a character
    "acme " + "😭" * 150 + " still down",  # emoji: two cells each
    "acme e\u0301\u0301\u0301 combining marks and\ttabs\nand\r\nline breaks",
    "acme https://example.org/" + "a/" * 120,
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo database, routed, with hostile posts routed into it as well."""
    root = tmp_path_factory.mktemp("demo")
    db = root / "demo.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--db", str(db)]).exit_code == 0
    import earmark

    data = yaml.safe_load((Path(earmark.__file__).parent / "data" / "demo.yaml").read_text())
    data["sources"] = {}
    config = root / "earmark.yaml"
    config.write_text(yaml.safe_dump(data))
    now = parse_iso(DEMO_NOW)
    with Store(db) as store:
        for n, text in enumerate(HOSTILE_TEXTS):
            add_post(
                store,
                f"hostile{n}",
                text=text,
                author="作者" * 20 if n % 2 else "a" * 60,
                platform="mastodon",
                priority=99,
                created_at=now - timedelta(hours=n + 1),
            )
    routed = runner.invoke(
        cli, ["-c", str(config), "--db", str(db), "route"], env={"EARMARK_NOW": DEMO_NOW}
    )
    assert routed.exit_code == 0, routed.output
    return {"db": db, "config": config, "now": now}


def queue_records(demo, limit: int = 60) -> list[dict]:
    """The records `earmark queue` shows, read as the command reads them."""
    with Store(demo["db"]) as store:
        items = store.queues.urgent_items(limit=limit, now=demo["now"], at_risk_fraction=0.2)
    return for_table([item_record(item, demo["now"]) for item in items])


def draw(spec, records, width):
    con = console(width)
    layout = render_table(spec, records, con)
    return printed(con), layout


@pytest.mark.parametrize("width", WIDTHS)
def test_queue_fits_and_shows_each_item_on_one_or_two_lines(demo, width):
    records = queue_records(demo)
    assert any(r["text"].startswith("outage outage") for r in records)  # the hostile ones too
    text, layout = draw(QUEUE, records, width)
    assert too_wide(text, width) == []
    rows = body_rows(text)
    assert len(rows) == len(records)
    assert {len(lines) for lines in rows} <= {1, 2}
    assert any(len(lines) == 2 for lines in rows)  # long posts do take the second line
    shown = [c.key for c in QUEUE.columns if c.key not in layout.dropped]
    for record, lines in zip(records, rows, strict=True):
        first = dict(zip(shown, lines[0], strict=True))
        # ids, priority, SLA and age: whole, on the first line, never continued on the next.
        for key in ("id", "priority", "sla", "sla_left", "age"):
            if key in first:
                assert first[key] == str(record[key]), (key, record["id"])
                assert all(line[shown.index(key)] == "" for line in lines[1:])
    assert layout.widths["text"] >= 30


@pytest.mark.parametrize("width", WIDTHS)
def test_headers_never_split_inside_a_word(demo, width):
    text, layout = draw(QUEUE, queue_records(demo), width)
    shown = [c for c in QUEUE.columns if c.key not in layout.dropped]
    assert headers(text) == [c.title for c in shown]


def test_narrow_terminals_drop_the_declared_columns_first(demo):
    records = queue_records(demo)
    dropped = {width: draw(QUEUE, records, width)[1].dropped for width in WIDTHS}
    order = QUEUE.drop_order()
    assert order[:3] == ["platform", "author", "status"]
    for width, columns in dropped.items():
        assert columns == order[: len(columns)], width
    assert len(dropped[80]) > len(dropped[100]) >= len(dropped[160])
    # At 80 columns the agent still sees what to answer first and how long is left.
    assert {"id", "priority", "sla_left", "text"}.isdisjoint(dropped[80])


def test_queue_spec_shows_the_columns_the_queue_view_offers():
    assert QUEUE.keys == list(QUEUE_COLUMNS)


def test_sources_never_wrap_variable_names():
    records = [
        {
            "source": "reddit",
            "configured": "yes",
            "credentials": "REDDIT_CLIENT_ID=unset, REDDIT_CLIENT_SECRET=unset, "
            "REDDIT_REFRESH_TOKEN=unset",
            "last_run": "2026-11-20T12:00:00Z",
            "last_new": "2026-11-20T12:00:00Z",
            "last_error": "reddit: 429 after 4 tries, giving up; try again in an hour",
            "cursors": ["acme=t3_1abcde", "acmehelp=t3_1abcdf"],
            "note": "OAuth Data API with an RSS fallback",
        }
    ]
    for width in (60, *WIDTHS):
        text, layout = draw(SOURCES, records, width)
        assert too_wide(text, width) == []
        shown = [c.key for c in SOURCES.columns if c.key not in layout.dropped]
        column = shown.index("credentials")
        pieces = [cells[column] for cells in body_rows(text)[0] if cells[column]]
        words = [w for piece in pieces for w in piece.split()]
        assert words == records[0]["credentials"].split(), width


def realistic_record(spec, text: str) -> dict:
    values = {
        "id": 4711,
        "priority": 93,
        "sla": "breached",
        "sla_left": "-1h05m",
        "age": "3d04h",
        "text": text,
        "queue": "urgent",
        "status": "assigned",
        "agent": "alice",
        "platform": "mastodon",
        "author": "someone_with_a_long_handle",
        "url": "https://mastodon.example/@someone/1234567890",
    }
    record = {}
    for column in spec.columns:
        if column.key in values:
            record[column.key] = values[column.key]
        elif column.wrap == FIXED:  # short by nature: counts, states, timestamps
            record[column.key] = "2026-11-20T12:00:00Z" if "_at" in column.key else "12"
        else:
            record[column.key] = f"{column.key} value {text}"
    return record


@pytest.mark.parametrize("spec", every_table(), ids=lambda s: s.name)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_declared_table_fits_with_whole_header_words(spec, width):
    records = [realistic_record(spec, t) for t in HOSTILE_TEXTS]
    text, layout = draw(spec, records, width)
    assert too_wide(text, width) == []
    shown = [c for c in spec.columns if c.key not in layout.dropped]
    assert headers(text) == [c.title for c in shown]
    assert layout.dropped == spec.drop_order()[: len(layout.dropped)]
    assert all(c.keep < ALWAYS for c in spec.columns if c.key in layout.dropped)


texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
        st.sampled_from(["顧", "客", "😭", "🙃", " ", "\n", "\u0301", "ｗ"]),
    ),
    max_size=300,
)


long_texts = texts.map(lambda text: text + " lorem ipsum" * 40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.sampled_from([QUEUE, POSTS, EXPORT]),
    width=st.integers(60, 200),
    items=st.lists(
        st.tuples(st.integers(1, 10**19), st.one_of(texts, long_texts), texts),
        min_size=1,
        max_size=4,
    ),
)
def test_any_width_and_text_fits_and_ids_are_never_cut(spec, width, items):
    records = []
    for number, text, author in items:
        record = realistic_record(spec, text)
        # Post ids are platform:native_id (up to 19 digits on X); opportunity ids are numbers.
        post_id = f"stackexchange:{number}"
        record.update(id=post_id if spec is POSTS else number, author=author, queue=author[:30])
        records.append(record)
    text, layout = draw(spec, records, width)
    assert too_wide(text, width) == []
    rows = body_rows(text)
    assert [lines[0][0] for lines in rows] == [str(r["id"]) for r in records]
    assert {len(lines) for lines in rows} <= {1, 2}
    assert all(cell_len(line) <= width for line in text.splitlines())


def test_the_queue_command_prints_the_fitted_table(demo):
    # Not a terminal: the table is drawn 160 columns wide (Rich's width for a file).
    result = CliRunner().invoke(
        cli,
        ["-c", str(demo["config"]), "--db", str(demo["db"]), "queue", "-f", "table"],
        env={"EARMARK_NOW": DEMO_NOW},
    )
    assert result.exit_code == 0, result.output
    assert too_wide(result.stdout, 160) == []
    rows = body_rows(result.stdout)
    assert len(rows) == len(queue_records(demo, limit=200))
    assert {len(lines) for lines in rows} <= {1, 2}


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 100])
def test_queue_on_a_real_terminal_fits_it(demo, width):
    # A real `earmark queue` on a pseudo-terminal: table by default, at the terminal's width.
    code, screen = run_with_stdout_on_terminal(
        ["-c", str(demo["config"]), "--db", str(demo["db"]), "queue", "--limit", "30"],
        {"EARMARK_NOW": DEMO_NOW, "COLUMNS": str(width), "TERM": "dumb"},
        demo["db"].parent,
    )
    assert code == 0, screen
    assert "\x1b" not in screen  # TERM=dumb: no colours, only the table
    assert too_wide(screen, width) == []
    rows = body_rows(screen)
    assert len(rows) == 30 and {len(lines) for lines in rows} <= {1, 2}
    shown = headers(screen)
    dropped = [c.key for c in QUEUE.columns if c.title not in shown]
    assert set(dropped) == set(QUEUE.drop_order()[: len(dropped)])
    assert {"id", "prio", "left", "text"} <= set(shown)
    assert len(dropped) >= (5 if width == 80 else 3), shown


def test_each_table_spec_shows_the_fields_its_stage_provides():
    from earmark.cli import table_specs as specs
    from export.alerts.messages import TABLE_COLUMNS as ALERT_COLUMNS
    from export.formats.records import TABLE_COLUMNS as EXPORT_COLUMNS
    from export.queues.metrics import table_columns
    from export.queues.views import AGENT_COLUMNS, AGENT_QUEUE_COLUMNS

    assert specs.EXPORT.keys == list(EXPORT_COLUMNS)
    assert specs.AGENT_QUEUE.keys == AGENT_QUEUE_COLUMNS
    assert specs.AGENTS.keys == AGENT_COLUMNS
    assert specs.ALERTS.keys == list(ALERT_COLUMNS)
    for by in (None, "queue", "agent", "topic", "platform"):
        assert specs.stats_spec(by).keys == table_columns(by), by


def test_the_docs_list_each_tables_drop_order():
    from earmark.cli.table_specs import render_drop_orders

    page = (Path(__file__).resolve().parent.parent / "docs" / "tables.md").read_text("utf-8")
    assert render_drop_orders() in page, "run python scripts/table_screenshots.py"
    assert "| queue | 36 | `platform`, `author`, `status`, `agent`, `age`, `queue`," in page
