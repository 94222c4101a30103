"""`queue` and `next` read a page of the urgency order through indexes (earmark.store.urgent):
the page is exactly the same slice of a plain sort of every item in Python (by_urgency), across
tier boundaries (items due exactly now, exactly at the at-risk point), ties of priority and
post time, every status, filter, limit and offset, whether a tier is read as a range or
found by walking the order index (a tiny TIER_READ_CAP forces the walk)."""

from __future__ import annotations

from datetime import timedelta

from exportdata import _label, _post
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import earmark.store.urgent as urgent
from earmark.models import OPEN_STATUSES, parse_iso, to_iso
from earmark.store import Store
from export.queues.urgency import by_urgency

NOW = parse_iso("2026-03-02T12:00:00Z")
QUEUES = ("advocacy", "support", "urgent")

item = st.fixed_dictionaries(
    {
        "queue": st.sampled_from(QUEUES),
        "status": st.sampled_from((*OPEN_STATUSES, "resolved")),
        "assigned": st.booleans(),
        "priority": st.sampled_from((0, 50, 50, 90, 100)),
        "created_ago": st.sampled_from((0, 100, 500, 600)),
        "posted_ago": st.sampled_from((0, 60, 60, 900)),
        # 0: due exactly now; 100 with created 500 ago and fraction 0.2: exactly at risk.
        "sla_in": st.one_of(st.none(), st.sampled_from((-300, -1, 0, 1, 99, 100, 101, 600))),
        "responded": st.booleans(),
    }
)
requests = st.fixed_dictionaries(
    {
        "statuses": st.sampled_from(
            (OPEN_STATUSES, ("open",), ("assigned", "claimed", "escalated"))
        ),
        "queue": st.sampled_from((None, None, "support")),
        "queues": st.sampled_from((None, None, ["urgent", "advocacy"], [])),
        "unassigned": st.booleans(),
        "limit": st.sampled_from((1, 2, 5, 50)),
        "offset": st.sampled_from((0, 0, 1, 3)),
    }
)


def build(store, items) -> None:
    posts, labels, rows = [], [], []
    for n, spec in enumerate(items):
        post = _post(f"u{n}", f"post {n}", minutes_ago=0)
        post.created_at = NOW - timedelta(seconds=spec["posted_ago"])
        posts.append(post)
        labels.append(_label(post, "neutral", [("question", 0.5)], spec["priority"]))
        created = NOW - timedelta(seconds=spec["created_ago"])
        sla = spec["sla_in"]
        rows.append(
            {
                "post_id": post.id,
                "kind": "support",
                "queue": spec["queue"],
                "status": spec["status"],
                "agent": "alice" if spec["assigned"] else None,
                "priority": spec["priority"],
                "created_at": to_iso(created),
                "sla_due": to_iso(NOW + timedelta(seconds=sla)) if sla is not None else None,
                "first_response_at": to_iso(created) if spec["responded"] else None,
            }
        )
    store.posts.save_posts(posts, [])
    store.classifications.save_classifications(labels)
    for row in rows:
        store.queues.insert_opportunity(row)


def plain_sort(store, fraction, *, statuses, queue, queues, unassigned, limit, offset) -> list:
    """Every item read one by one, filtered and sorted in Python."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM opportunities")]
    items = [store.queues.get_opportunity(i) for i in ids]
    items = [
        i
        for i in items
        if i["status"] in statuses
        and (queue is None or i["queue"] == queue)
        and (queues is None or i["queue"] in queues)
        and (not unassigned or i["agent"] is None)
    ]
    ordered = [i["id"] for i in by_urgency(items, NOW, fraction)]
    return ordered[offset : offset + limit]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(item, min_size=1, max_size=30),
    request=requests,
    fraction=st.sampled_from((0.2, 0.5)),
    cap=st.sampled_from((1, 2, 2000)),
)
@example(  # one breached, one exactly at risk, one on track, in two queues; a walk of each tier
    items=[
        {**base, "queue": q, "sla_in": s}
        for base in [
            {
                "status": "open",
                "assigned": False,
                "priority": 50,
                "created_ago": 500,
                "posted_ago": 60,
                "responded": False,
            }
        ]
        for q, s in (("support", 0), ("urgent", 100), ("support", 101), ("urgent", -1))
    ],
    request={
        "statuses": OPEN_STATUSES,
        "queue": None,
        "queues": None,
        "unassigned": False,
        "limit": 50,
        "offset": 0,
    },
    fraction=0.2,
    cap=1,
)
@example(  # a queue outside the queues asked for: nothing (both filters hold)
    items=[{"queue": "support", "status": "open", "assigned": False, "priority": 0,
            "created_ago": 0, "posted_ago": 0, "sla_in": None, "responded": False}],
    request={"statuses": OPEN_STATUSES, "queue": "support", "queues": ["urgent"],
             "unassigned": False, "limit": 1, "offset": 0},
    fraction=0.2,
    cap=1,
)  # fmt: skip
def test_a_page_is_the_same_slice_of_a_plain_sort(tmp_path_factory, items, request, fraction, cap):
    saved = urgent.TIER_READ_CAP
    urgent.TIER_READ_CAP = cap
    try:
        with Store(tmp_path_factory.mktemp("page") / "p.db") as store:
            build(store, items)
            got = store.queues.urgent_items(now=NOW, at_risk_fraction=fraction, **request)
            assert [i["id"] for i in got] == plain_sort(store, fraction, **request)
    finally:
        urgent.TIER_READ_CAP = saved


def test_a_store_with_an_sla_of_unknown_span_is_still_served_in_order(tmp_path):
    """A row written without sla_span (by hand, or an older writer): every item is ranked."""
    with Store(tmp_path / "p.db") as store:
        build(store, [{**s, "queue": "support"} for s in _two()])
        store.conn.execute("UPDATE opportunities SET sla_span = NULL")
        got = store.queues.urgent_items(now=NOW, at_risk_fraction=0.2, limit=5)
        expected = plain_sort(
            store, 0.2, statuses=OPEN_STATUSES, queue=None, queues=None, unassigned=False,
            limit=5, offset=0,
        )  # fmt: skip
        assert [i["id"] for i in got] == expected and len(expected) == 2


def _two() -> list[dict]:
    base = {"status": "open", "assigned": False, "priority": 50, "created_ago": 500}
    return [
        {**base, "posted_ago": 60, "sla_in": 600, "responded": False},
        {**base, "posted_ago": 0, "sla_in": -1, "responded": False},
    ]
