"""The generic JSON webhook against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from exportdata import NOW, add_calm, add_hostile, add_many

from earmark.cli.configfile import parse_config
from earmark.models import parse_iso
from earmark.store import Store
from export.notify import NotifyError, notify_new

PATH = "/hooks/earmark-s3cret"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "x.db") as opened:
        add_calm(opened)
        add_hostile(opened)
        yield opened


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def send(store, server, settings=None, env=None, **options):
    sleeps = Sleeps()
    webhook = {"url_env": "TEST_HOOK", "min_priority": 50, **(settings or {})}
    config = parse_config({"notify": {"webhook": webhook}})
    env = {"TEST_HOOK": server.url(PATH), **(env or {})}
    report = notify_new(
        store, config.notify, "webhook", now=parse_iso(NOW), sleep=sleeps, env=env, **options
    )
    return report, sleeps


def test_posts_json_records_and_delivers_once(store, server):
    server.add(PATH, status=204)
    report, _ = send(store, server)
    assert (report.delivered, report.messages) == (5, 1)  # min_priority 50 from the settings
    (request,) = server.requests
    body = json.loads(request.body)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert (body["source"], body["count"]) == ("earmark", 5)
    # Most urgent first: 2 breached, 5 and 3 at risk, then 1 (P92) and 6 (P60).
    assert [r["id"] for r in body["opportunities"]] == [2, 5, 3, 1, 6]
    assert body["opportunities"][1]["text"].startswith("<script>")  # data, as JSON
    assert send(store, server)[0].delivered == 0 and len(server.requests) == 1


def test_503_then_success_and_429_retry_after(store, server):
    server.add(PATH, "busy", status=503)
    server.add(PATH, "slow down", status=429, headers={"Retry-After": "3"})
    server.add(PATH, status=200)
    report, sleeps = send(store, server)
    assert sleeps == [2.0, 3.0]
    assert report.delivered == 5 and len(server.requests) == 3


def test_a_4xx_is_not_retried_and_hides_the_url(store, server):
    server.add(PATH, "bad request", status=400)
    report, sleeps = send(store, server)
    assert sleeps == []
    assert report.errors == [
        "webhook: the webhook answered HTTP 400 bad request; 5 left for the next run"
    ]
    assert store.exports.exported_ids("webhook") == set()


def test_batches_of_20_or_batch_size(tmp_path, server):
    with Store(tmp_path / "many.db") as store:
        add_many(store, 150)
        server.add(PATH, status=200)
        report, _ = send(store, server)
        assert (report.delivered, report.messages) == (150, 8)
        assert [json.loads(r.body)["count"] for r in server.requests] == [20] * 7 + [10]
    with Store(tmp_path / "more.db") as store:
        add_many(store, 150)
        report, _ = send(store, server, {"batch_size": 100})
    assert (report.delivered, report.messages) == (150, 2)
    assert [json.loads(r.body)["count"] for r in server.requests[8:]] == [100, 50]


def test_missing_url(store):
    config = parse_config({"notify": {"webhook": {}}})
    with pytest.raises(NotifyError) as error:
        notify_new(store, config.notify, "webhook", now=parse_iso(NOW), env={})
    assert str(error.value) == (
        "webhook: $EARMARK_WEBHOOK_URL is not set; export the endpoint URL there"
    )
