"""Render alerts as text, Slack messages, emails and table rows; nothing here sends."""

from __future__ import annotations

from email.message import EmailMessage

from earmark.models import format_duration, to_iso
from export.alerts.detect import ALL_CLEAR, Alert
from export.formats.escape import header_value, one_line, slack_link, slack_text

TABLE_COLUMNS = ("status", "subject", "observed", "baseline", "z", "terms")


def _scope(alert: Alert) -> str:
    if alert.topic is not None:
        subject = alert.topic
    elif alert.queue is not None:
        subject = f"queue {alert.queue}"
    else:
        subject = "all queues"
    if alert.breakdown:
        subject += f" ({alert.breakdown.replace(':', ' ')})"
    return subject


def _what(alert: Alert) -> str:
    if alert.kind == "spike":
        return f"{alert.observed} posts in the last {alert.window}"
    noun = "open items" if alert.metric == "open" else "SLA breaches"
    return f"{alert.observed} {noun}"


def render_headline(alert: Alert) -> str:
    """Return the one-line summary of an alert (email subject, table row, Slack fallback)."""
    if alert.kind == "health":
        state = "recovered" if alert.status == ALL_CLEAR else "silent"
        return f"Collector {state}: {alert.source}"
    if alert.status == ALL_CLEAR:
        return f"All clear: {_scope(alert)} back to {_what(alert)}"
    if alert.kind == "spike":
        return f"Spike: {_scope(alert)}: {_what(alert)} (z = {alert.z:.1f})"
    return f"Over threshold: {_scope(alert)}: {_what(alert)} (limit {alert.limit})"


def render_comparison(alert: Alert) -> str:
    """Return the sentence saying what was compared with what."""
    if alert.kind == "health":
        return alert.message or ""
    if alert.kind == "spike":
        rule = (
            f"alerts at z >= {alert.sensitivity:g} with at least {alert.min_count} posts"
            if alert.status != ALL_CLEAR
            else f"clears below z = {alert.sensitivity / 2:g} or {alert.min_count} posts"
        )
        return (
            f"Last {alert.window}: {alert.observed} posts. Baseline: the {alert.baseline} before, "
            f"{alert.buckets} buckets of {alert.window}, mean {alert.mean:.1f} "
            f"± {alert.std:.1f} per {alert.window}. z = {alert.z:.1f} ({rule}; the deviation "
            "used is at least sqrt(mean) and 1)."
        )
    noun = (
        "open items" if alert.metric == "open" else "open items past their SLA without a response"
    )
    return f"{alert.observed} {noun}; the limit is {alert.limit}."


def _since(alert: Alert) -> str | None:
    if alert.status == ALL_CLEAR and alert.fired_at is not None:
        ago = format_duration(alert.at - alert.fired_at)
        return f"Alert sent {to_iso(alert.fired_at)}, {ago} ago."
    return None


def render_text(alert: Alert) -> str:
    """Return the plain-text message of an alert (email body, terminal)."""
    lines = [render_headline(alert), "", render_comparison(alert)]
    since = _since(alert)
    if since:
        lines.append(since)
    if alert.terms:
        lines.append(f"Top terms: {', '.join(alert.terms)}")
    if alert.examples:
        lines += ["", "Examples:"]
        for example in alert.examples:
            where = f" <{example['url']}>" if example.get("url") else ""
            lines.append(f"- {one_line(example['text'])}{where}")
    return "\n".join(lines) + "\n"


def render_slack(alert: Alert) -> dict:
    """Return a Slack webhook payload (fallback text plus Block Kit blocks)."""
    headline = slack_text(render_headline(alert))
    body = slack_text(render_comparison(alert))
    since = _since(alert)
    if since:
        body += "\n" + slack_text(since)
    if alert.terms:
        body += "\n*Top terms:* " + slack_text(", ".join(alert.terms))
    icon = ":white_check_mark:" if alert.status == ALL_CLEAR else ":rotating_light:"
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{headline}*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
    ]
    for example in alert.examples:
        text = slack_text(example["text"])
        if example.get("url"):
            text += " " + slack_link(example["url"], "open")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    return {"text": headline, "blocks": blocks}


def render_email(alert: Alert, sender: str, to: list[str]) -> EmailMessage:
    """Return the alert as a plain-text email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    # Post text never reaches the subject, but topic and queue names do.
    message["Subject"] = header_value("earmark: " + render_headline(alert))
    message.set_content(render_text(alert))
    return message


def render_row(alert: Alert) -> dict:
    """Return the alert as a table row with TABLE_COLUMNS."""
    if alert.kind == "spike":
        baseline = f"{alert.mean:.1f} ± {alert.std:.1f} per {alert.window} ({alert.baseline})"
        z = f"{alert.z:.1f}"
    else:
        baseline = f"limit {alert.limit}"
        z = ""
    return {
        "status": alert.status,
        "subject": _scope(alert) + (f" [{alert.window}]" if alert.window else f" [{alert.metric}]"),
        "observed": alert.observed,
        "baseline": baseline,
        "z": z,
        "terms": ", ".join(alert.terms),
    }
