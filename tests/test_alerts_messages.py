"""What alert messages say: headline, comparison, all-clear timing, escaping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from export.alerts.detect import Alert
from export.alerts.messages import render_email, render_row, render_slack, render_text

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)


def spike(**changes) -> Alert:
    fields = dict(
        key="spike:acme:intent=outage:1h/12h",
        kind="spike",
        status="firing",
        at=NOW,
        observed=24,
        topic="acme",
        breakdown="intent:outage",
        window="1h",
        baseline="12h",
        buckets=12,
        mean=5.9167,
        std=0.7592,
        z=7.434,
        sensitivity=2.0,
        min_count=5,
        terms=["503", "login"],
        examples=[{"id": "x:1", "url": "https://x.example/1", "text": "login down <!here>"}],
    )
    fields.update(changes)
    return Alert(**fields)


def test_spike_text_says_what_was_compared():
    assert render_text(spike()) == (
        "Spike: acme (intent outage): 24 posts in the last 1h (z = 7.4)\n"
        "\n"
        "Last 1h: 24 posts. Baseline: the 12h before, 12 buckets of 1h, mean 5.9 ± 0.8 per 1h. "
        "z = 7.4 (alerts at z >= 2 with at least 5 posts; the deviation used is at least "
        "sqrt(mean) and 1).\n"
        "Top terms: 503, login\n"
        "\n"
        "Examples:\n"
        "- login down <!here> <https://x.example/1>\n"
    )


def test_all_clear_says_when_the_alert_was_sent():
    clear = spike(
        status="all_clear",
        observed=4,
        z=-0.8,
        terms=[],
        examples=[],
        fired_at=NOW - timedelta(hours=2),
    )
    text = render_text(clear)
    assert text.startswith("All clear: acme (intent outage) back to 4 posts in the last 1h\n")
    assert "(clears below z = 1 or 5 posts;" in text
    assert "Alert sent 2026-11-20T12:00:00Z, 2h00m ago." in text


def test_threshold_messages():
    alert = Alert(
        key="threshold:sla_breaches:queue=urgent",
        kind="threshold",
        status="firing",
        at=NOW,
        observed=4,
        queue="urgent",
        metric="sla_breaches",
        limit=2,
    )
    assert render_text(alert) == (
        "Over threshold: queue urgent: 4 SLA breaches (limit 2)\n"
        "\n"
        "4 open items past their SLA without a response; the limit is 2.\n"
    )
    assert render_row(alert) == {
        "status": "firing",
        "subject": "queue urgent [sla_breaches]",
        "observed": 4,
        "baseline": "limit 2",
        "z": "",
        "terms": "",
    }


def test_slack_payload_defuses_post_text_and_links_the_post():
    payload = render_slack(spike())
    assert payload["text"] == "Spike: acme (intent outage): 24 posts in the last 1h (z = 7.4)"
    assert payload["blocks"][2] == {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": "login down &lt;!here&gt; <https://x.example/1|open>"}
        ],
    }


def test_email_subject_is_one_clean_line_even_with_a_hostile_topic_name():
    message = render_email(spike(topic="acme\r\nBcc: all@example.com"), "a@x", ["b@x"])
    assert message["Subject"] == (
        "earmark: Spike: acme Bcc: all@example.com (intent outage): "
        "24 posts in the last 1h (z = 7.4)"
    )
    assert message["To"] == "b@x"
