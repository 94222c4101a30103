"""Routing reports each change in the run that makes it: a second pass with nothing new is
silent, even when an earlier post of a thread could only join the item a later post opened."""

from __future__ import annotations

from datetime import timedelta

from queue_fixtures import NOW, add_post, events, make_config, make_store

from export.queues.routing import route_opportunities

CONFIG = make_config(agents=[{"name": "ana", "queues": ["support"]}])


def test_an_earlier_post_joins_its_thread_in_the_same_pass(tmp_path):
    with make_store(tmp_path) as store:
        # The first post matches no queue; the author's later post in the thread opens an item.
        add_post(
            store,
            "1",
            kind="competitor",
            opportunity="sales",
            thread_id="t",
            created_at=NOW - timedelta(minutes=9),
        )
        add_post(store, "2", thread_id="t", created_at=NOW - timedelta(minutes=5))
        first = route_opportunities(store, CONFIG, now=NOW)
        assert (first.created, first.joined, first.unrouted, first.assigned) == (1, 1, 0, 1)
        assert [e["type"] for e in events(store, 1)] == ["created", "joined", "assigned"]

        second = route_opportunities(store, CONFIG, now=NOW + timedelta(minutes=1))
        assert not second.changed, second.summary()
        assert (second.joined, second.unrouted) == (0, 0)


def test_a_post_of_another_thread_stays_unrouted_and_is_not_news(tmp_path):
    with make_store(tmp_path) as store:
        add_post(store, "1", kind="competitor", opportunity="sales", thread_id="elsewhere")
        add_post(store, "2", thread_id="t")
        first = route_opportunities(store, CONFIG, now=NOW)
        assert (first.created, first.joined, first.unrouted) == (1, 0, 1)
        second = route_opportunities(store, CONFIG, now=NOW + timedelta(minutes=1))
        assert (second.changed, second.unrouted) == (False, 1)
