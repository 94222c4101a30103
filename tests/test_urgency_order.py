"""One urgency order everywhere: the store's SQL, the Python key, every export format, and
messages split for Slack and email (property tests over generated backlogs)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import timedelta
from email import policy
from email.parser import Parser

from exportdata import _label, _post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earmark.cli.output import write_table
from earmark.config import EmailNotify
from earmark.models import parse_iso, to_iso
from earmark.store import Store
from export.formats.digest import digest_title
from export.formats.records import iter_records
from export.formats.slack import render_slack_messages
from export.formats.writer import write_export
from export.notify.email import BATCH, email_messages
from export.queues.sla import sla_state
from export.queues.urgency import TIERS, by_urgency

NOW = parse_iso("2026-03-02T12:00:00Z")
SETTINGS = dict(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

item = st.fixed_dictionaries(
    {
        "queue": st.sampled_from(["advocacy", "support", "urgent"]),
        "priority": st.integers(min_value=0, max_value=100),
        # Seconds, so windows land exactly on the at-risk point now and then.
        "created_ago": st.integers(min_value=0, max_value=600),
        "posted_ago": st.integers(min_value=0, max_value=900),
        "sla_in": st.one_of(st.none(), st.integers(min_value=-300, max_value=600)),
        "responded": st.booleans(),
    }
)
backlogs = st.lists(item, min_size=1, max_size=40)
fractions = st.sampled_from([0.2, 0.25, 0.5])


def build(store, items) -> None:
    """Insert the generated items through the store, as routing would."""
    posts, labels, rows = [], [], []
    for n, spec in enumerate(items):
        post = _post(f"u{n}", f"post {n}", minutes_ago=spec["posted_ago"] // 60)
        post = dataclasses.replace(post, created_at=NOW - timedelta(seconds=spec["posted_ago"]))
        posts.append(post)
        labels.append(_label(post, "neutral", [("question", 0.5)], spec["priority"]))
        created = NOW - timedelta(seconds=spec["created_ago"])
        sla = spec["sla_in"]
        rows.append(
            {
                "post_id": post.id,
                "kind": "support",
                "queue": spec["queue"],
                "status": "open",
                "priority": spec["priority"],
                "base_priority": spec["priority"],
                "language": "en",
                "thread_key": post.id,
                "created_at": to_iso(created),
                "sla_due": to_iso(NOW + timedelta(seconds=sla)) if sla is not None else None,
                "first_response_at": to_iso(created) if spec["responded"] else None,
                "updated_at": to_iso(NOW),
            }
        )
    store.posts.save_posts(posts, [])
    store.classifications.save_classifications(labels)
    for row in rows:
        store.queues.insert_opportunity(row)


def tier(record, fraction) -> int:
    state = sla_state(record, NOW, fraction)
    return {"breached": 0, "at_risk": 1}.get(state, 2)


def assert_urgency_order(records, fraction) -> None:
    """Check the definition directly: tiers in order; within a tier, queues as contiguous runs
    in the order of their first (most urgent) item; within a run, by priority then age."""
    tiers = [tier(r, fraction) for r in records]
    assert tiers == sorted(tiers)
    runs: list[tuple[int, str]] = []
    for t, r in zip(tiers, records, strict=True):
        key = (t, r["queue"])
        if not runs or runs[-1] != key:
            assert key not in runs, "a queue comes back within a tier"
            runs.append(key)
    for a, b in zip(records, records[1:], strict=False):
        if (tier(a, fraction), a["queue"]) == (tier(b, fraction), b["queue"]):
            assert (-a["priority"], a["posted_at"], a["id"]) < (
                -b["priority"],
                b["posted_at"],
                b["id"],
            )
    firsts = {}
    for r in records:
        firsts.setdefault((tier(r, fraction), r["queue"]), r)
    heads = [firsts[k] for k in runs]
    for a, b in zip(heads, heads[1:], strict=False):
        if tier(a, fraction) == tier(b, fraction):
            assert (-a["priority"], a["posted_at"], a["id"]) < (
                -b["priority"],
                b["posted_at"],
                b["id"],
            )


@settings(**SETTINGS)
@given(backlogs, fractions)
def test_the_store_order_is_the_defined_order_and_the_python_key_agrees(tmp_path_factory, items, f):
    with Store(tmp_path_factory.mktemp("u") / "u.db") as store:
        build(store, items)
        rows = list(store.exports.iter_export_rows(now=NOW, at_risk_fraction=f))
        ids = store.exports.new_export_ids_by_urgency("x", now=NOW, at_risk_fraction=f)
        counts = store.exports.count_export_rows(now=NOW, at_risk_fraction=f)
    assert len(rows) == len(items)
    assert_urgency_order(rows, f)
    assert [r["id"] for r in by_urgency(rows, NOW, f)] == [r["id"] for r in rows]
    assert ids == [r["id"] for r in rows]
    expected: dict = {}
    for r in rows:
        key = (TIERS[tier(r, f)], r["queue"])
        expected[key] = expected.get(key, 0) + 1
    assert counts == expected


def ids_in(fmt: str, text: str) -> list[int]:
    """Return the opportunity ids in the order a format shows them."""
    if fmt in ("jsonl",):
        return [json.loads(line)["id"] for line in text.splitlines()]
    if fmt == "json":
        return [r["id"] for r in json.loads(text)]
    if fmt == "csv":
        return [int(line.split(",", 1)[0]) for line in text.splitlines()[1:]]
    if fmt == "table":
        return [int(m) for m in re.findall(r"(?m)^│\s*(\d+)\s*│", text)]
    if fmt == "markdown":
        return [int(m) for m in re.findall(r"(?m)#(\d+)$", text)]
    if fmt == "html":
        return [int(m) for m in re.findall(r">#(\d+)</span>", text)]
    if fmt == "slack":
        payload = json.loads(text)
        found = []
        for block in payload["blocks"]:
            if block["type"] == "section":
                found += [int(m) for m in re.findall(r"(?m)#(\d+)$", block["text"]["text"])]
        return found
    message = Parser(policy=policy.default).parsestr(text)
    return plain_ids(message.get_body(("plain",)).get_content())


def plain_ids(plain: str) -> list[int]:
    """Return the ids of a plain-text digest: "  https://... (#3)" or "  #3" lines."""
    return [int(a or b) for a, b in re.findall(r"(?m)^  #(\d+)$|\(#(\d+)\)$", plain)]


FORMATS = ("table", "jsonl", "json", "csv", "markdown", "html", "slack", "email")


@settings(**SETTINGS)
@given(backlogs, fractions)
def test_every_format_shows_the_store_order(tmp_path_factory, items, f):
    email = EmailNotify(to=["team@example.com"], sender="earmark@example.com")
    with Store(tmp_path_factory.mktemp("f") / "f.db") as store:
        build(store, items)
        order = [r["id"] for r in store.exports.iter_export_rows(now=NOW, at_risk_fraction=f)]
        for fmt in FORMATS:
            out = io.StringIO()
            result = write_export(
                store,
                out,
                fmt=fmt,
                now=NOW,
                email=email,
                render_table=write_table,
                at_risk_fraction=f,
            )
            shown = ids_in(fmt, out.getvalue())
            assert shown == result.written, fmt
            # Slack and email carry a head of the order; the rest are named as "more".
            assert shown == order[: len(shown)], fmt
            if fmt not in ("slack", "email"):
                assert len(shown) == len(order), fmt


def records_of(store, f) -> list[dict]:
    rows = store.exports.iter_export_rows(now=NOW, at_risk_fraction=f)
    return list(iter_records(rows, now=NOW))


def assert_split_keeps_order(messages_ids: list[list[int]], records, f) -> None:
    order = [r["id"] for r in records]
    assert [i for ids in messages_ids for i in ids] == order  # nothing lost, nothing repeated
    urgent = {r["id"] for r in records if tier(r, f) < 2}
    first = set(messages_ids[0])
    # Urgent items are in the first message, unless it holds nothing but urgent items.
    assert urgent <= first or first <= urgent


@settings(**SETTINGS)
@given(backlogs, fractions, st.integers(min_value=4, max_value=12))
def test_split_slack_messages_cut_the_least_urgent(tmp_path_factory, items, f, max_blocks):
    with Store(tmp_path_factory.mktemp("s") / "s.db") as store:
        build(store, items)
        records = records_of(store, f)
    messages = render_slack_messages(
        records, title="t", max_blocks=max_blocks, now=NOW, at_risk_fraction=f, presorted=True
    )
    assert all(len(m.payload["blocks"]) <= max_blocks for m in messages)
    assert_split_keeps_order([m.ids for m in messages], records, f)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(item, min_size=BATCH + 1, max_size=BATCH + 60), fractions)
def test_split_email_digests_cut_the_least_urgent(tmp_path_factory, items, f):
    with Store(tmp_path_factory.mktemp("e") / "e.db") as store:
        build(store, items)
        records = records_of(store, f)
    settings_ = EmailNotify(to=["team@example.com"], sender="earmark@example.com")
    messages = email_messages(
        records,
        settings=settings_,
        now=NOW,
        title_for=lambda n: digest_title(n, new=True),
        at_risk_fraction=f,
    )
    assert len(messages) == 2
    assert_split_keeps_order([ids for _m, ids in messages], records, f)
    for message, ids in messages:  # each message shows its items in that order too
        assert plain_ids(message.get_body(("plain",)).get_content()) == ids


@settings(**SETTINGS)
@given(backlogs, fractions, st.integers(min_value=1, max_value=10))
def test_queue_views_read_the_same_order(tmp_path_factory, items, f, limit):
    with Store(tmp_path_factory.mktemp("q") / "q.db") as store:
        build(store, items)
        order = [r["id"] for r in store.exports.iter_export_rows(now=NOW, at_risk_fraction=f)]
        every = store.queues.urgent_items(now=NOW, at_risk_fraction=f)
        page = store.queues.urgent_items(now=NOW, at_risk_fraction=f, limit=limit, offset=1)
        one = store.queues.urgent_items(now=NOW, at_risk_fraction=f, queues=["support"])
    assert [r["id"] for r in every] == order
    assert [r["id"] for r in page] == order[1 : 1 + limit]
    support = {r["id"] for r in every if r["queue"] == "support"}
    assert [r["id"] for r in one] == [i for i in order if i in support]


def test_queue_command_and_export_show_the_same_order(tmp_path):
    from click.testing import CliRunner
    from exportdata import NOW as FIXED_NOW
    from exportdata import add_calm, add_hostile

    from earmark.cli import cli

    db = tmp_path / "x.db"
    with Store(db) as store:
        add_calm(store)
        add_hostile(store)
    config = tmp_path / "earmark.yaml"
    config.write_text("queues:\n  - {name: urgent, sla: 15m}\n  - {name: support, sla: 1h}\n")

    def ids(*args):
        result = CliRunner().invoke(
            cli, ["-c", str(config), "--db", str(db), *args], env={"EARMARK_NOW": FIXED_NOW}
        )
        assert result.exit_code == 0, result.output
        return [json.loads(line)["id"] for line in result.stdout.splitlines()]

    # 2 breached; 5 (P80) and 3 (P75) at risk; then urgent (holding P92) before support.
    assert ids("queue", "-f", "jsonl") == [2, 5, 3, 1, 6, 7, 4]
    assert ids("export", "-f", "jsonl") == [2, 5, 3, 1, 6, 7, 4]
    assert ids("queue", "support", "-f", "jsonl") == [2, 3, 6, 7, 4]
