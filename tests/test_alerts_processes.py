"""Alerts between processes: `earmark alerts` started three times at once against one database
and a real webhook receiver on 127.0.0.1 sends the alert once, signed, with a delivery id.

The alert stage holds the database's delivery lock while it decides and sends; the others wait,
read the state the first saved and find the incident already sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest
from alertseries import HOUR, NOW, STEADY, add_history, add_hour, add_series
from deliveryhook import verify
from httpserver import LocalServer
from killhelpers import spawn_earmark, subprocess_env
from test_delivery_processes import finish

from earmark.models import to_iso
from earmark.store import Store
from export.alerts.channels import alert_delivery_id

# Real earmark processes racing each other.
pytestmark = pytest.mark.slow

SECRET = "whsec-alerts-test-0123456789"
CONFIG = """\
notify:
  webhook: {url_env: TEST_HOOK, signing_secret_env: TEST_SIGNING}
alerts:
  windows: [{recent: 1h, baseline: 12h}]
  notify: [webhook]
"""


class AlertHook:
    """Answers 200 to every POST after a delay (so senders overlap); keeps what arrived."""

    def __init__(self):
        self.server = LocalServer()
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self.server.add("/alerts", self._answer)

    def _answer(self, request) -> str:
        with self._lock:
            self.bodies.append(json.loads(request.body))
            self.headers.append(dict(request.headers))
            if not verify(SECRET, request.headers, request.body, now=time.time()):
                self.bad_signatures += 1
        time.sleep(0.3)
        return "ok"


def test_three_alerts_at_once_send_the_spike_once(tmp_path):
    db = tmp_path / "x.db"
    with Store(db) as store:
        add_history(store, "acme", NOW - 14 * HOUR)
        add_series(store, "acme", NOW - HOUR, STEADY)
        add_hour(store, "acme", NOW, 30)
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG + "topics: [{name: acme, kind: brand, terms: [acme]}]\n")
    hook = AlertHook()
    hook.server.start()
    try:
        env = subprocess_env(
            TEST_HOOK=hook.server.url("/alerts"), TEST_SIGNING=SECRET, EARMARK_NOW=to_iso(NOW)
        )
        results = finish(
            [spawn_earmark(config, db, "alerts", "-f", "jsonl", env=env) for _ in range(3)]
        )
    finally:
        hook.server.stop()
    assert all("Traceback" not in err and err == "" for _, _, err in results), results
    # One process fired the alert (exit 4, the alert on stdout); the others found it sent.
    assert sorted(code for code, _, _ in results) == [0, 0, 4]
    (fired,) = [json.loads(out) for code, out, _ in results if code == 4]
    assert fired["status"] == "firing" and fired["topic"] == "acme"
    assert [body["alert"]["key"] for body in hook.bodies] == [fired["key"]]
    (headers,) = hook.headers
    (body,) = hook.bodies
    assert headers["X-Earmark-Delivery"] == body["delivery_id"] == alert_delivery_id(fired)
    assert hook.bad_signatures == 0


def test_an_alert_sent_again_keeps_its_delivery_id():
    record = {"key": "spike:acme:1h", "status": "firing", "at": "2026-11-20T12:00:00Z"}
    again = dict(record, observed=31)  # a re-send after a failure carries the same change
    cleared = dict(record, status="all_clear", at="2026-11-20T14:00:00Z")
    assert alert_delivery_id(record) == alert_delivery_id(again)
    assert len({alert_delivery_id(record), alert_delivery_id(cleared)}) == 2
    assert Counter(len(alert_delivery_id(r)) for r in (record, cleared)) == Counter({32: 2})
