"""Slack Block Kit payloads for incoming webhooks, split within Slack's limits.

Post text is escaped (& < > become entities) so it cannot ping `<!channel>`, mention users or
disguise links, and sits on the last line of its own section so it cannot swallow the link.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO

from export.formats.digest import (
    SLA_SECTIONS,
    QueueGroup,
    group_records,
    meta_parts,
    private_label,
)
from export.formats.escape import safe_url, slack_link, slack_text

MAX_BLOCKS = 50  # per message
MAX_SECTION_TEXT = 3000  # characters of a section's text
MAX_HEADER_TEXT = 150  # characters of a header's plain_text
EXCERPT_LIMIT = 700
MAX_URL = 1000  # longer URLs are not linked (they would crowd out the post itself)
_SENTIMENT_EMOJI = {
    "negative": ":red_circle:",
    "neutral": ":white_circle:",
    "positive": ":large_green_circle:",
}


@dataclass
class SlackMessage:
    """One webhook payload and the opportunity ids it carries."""

    payload: dict
    ids: list = field(default_factory=list)


def text_length(text: str) -> int:
    """Count text as Slack does, conservatively: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def render_item_text(record: dict, excerpt_limit: int = EXCERPT_LIMIT) -> str:
    """Render one opportunity as mrkdwn: facts, flag and link, then the quoted post last."""
    emoji = _SENTIMENT_EMOJI.get(record.get("sentiment") or "", ":black_circle:")
    parts = meta_parts(record)
    lines = [f"{emoji} *{slack_text(parts[0])}* · " + " · ".join(slack_text(p) for p in parts[1:])]
    flag = private_label(record)
    if flag:
        lines.append(f":lock: *{slack_text(flag)}*")
    url = safe_url(record.get("url"))
    link = slack_link(url, "Open post") if url and len(url) <= MAX_URL else ""
    lines.append(f"{link} · #{record['id']}" if link else f"#{record['id']}")
    while True:
        excerpt = slack_text(record.get("text"), excerpt_limit)
        text = "\n".join(lines + ([f">{excerpt}"] if excerpt else []))
        if text_length(text) <= MAX_SECTION_TEXT or excerpt_limit <= 0:
            return text
        excerpt_limit //= 2


def _queue_block(group: QueueGroup, continued: bool) -> dict:
    more = ", continued" if continued else ""
    tier = group.bands[0].label if group.bands else ""
    state = f" · {tier}" if tier in SLA_SECTIONS.values() else ""
    return _section(f"*Queue: {slack_text(group.name, 200)}*{state} ({group.count}{more})")


def _footer(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_text(text)}]}


def render_slack_messages(
    records: Sequence[dict],
    *,
    title: str,
    max_blocks: int = MAX_BLOCKS,
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    presorted: bool = False,
) -> list[SlackMessage]:
    """Split records into as many payloads as Slack's block limit needs, most urgent first.

    Each message is filled in the urgency order (as of now), so the first carries the most
    urgent items and the least urgent go to the last; no item is left out.
    """
    messages: list[SlackMessage] = []
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": title[:MAX_HEADER_TEXT], "emoji": True},
    }
    # Every message keeps one block free for a footer saying more follows.
    room = max_blocks - 1
    current = SlackMessage({"text": title, "blocks": [header]})
    current_queue = None
    started: set[int] = set()
    # Groups are runs of one queue within a tier (breached, at risk, the rest): by position.
    groups = group_records(records, now, at_risk_fraction, presorted=presorted)
    for index, group in enumerate(groups):
        for band in group.bands:
            for record in band.records:
                needs = 1 if current_queue == index else 2
                if len(current.payload["blocks"]) + needs > room:
                    messages.append(current)
                    part = f"{title} (part {len(messages) + 1})"
                    header = dict(header, text=dict(header["text"], text=part[:MAX_HEADER_TEXT]))
                    current = SlackMessage({"text": part, "blocks": [header]})
                    current_queue = None
                if current_queue != index:
                    block = _queue_block(group, continued=index in started)
                    current.payload["blocks"].append(block)
                    started.add(index)
                    current_queue = index
                current.payload["blocks"].append(_section(render_item_text(record)))
                current.ids.append(record["id"])
    messages.append(current)
    if len(messages) > 1:
        for index, message in enumerate(messages[:-1], start=1):
            message.payload["blocks"].append(
                _footer(f"Continued in part {index + 1} of {len(messages)}.")
            )
    return messages


def render_slack(
    records: Sequence[dict],
    *,
    title: str,
    max_blocks: int = MAX_BLOCKS,
    new: bool = False,
    total: int | None = None,
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    presorted: bool = False,
) -> SlackMessage:
    """Render the first payload only (one `curl -d @-` posts one message), noting the rest.

    total is how many match when records holds only the first of them.
    """
    messages = render_slack_messages(
        records,
        title=title,
        max_blocks=max_blocks,
        now=now,
        at_risk_fraction=at_risk_fraction,
        presorted=presorted,
    )
    first = messages[0]
    left = (len(records) if total is None else total) - len(first.ids)
    if left:
        note = (
            f"{left} less urgent not shown; the next run sends them."
            if new
            else f"{left} less urgent not shown; use -f html or -f jsonl for everything."
        )
        if len(messages) > 1:
            first.payload["blocks"][-1] = _footer(note)
        else:
            first.payload["blocks"].append(_footer(note))
    return first


def write_slack(
    records: Iterable[dict],
    out: IO[str],
    *,
    title: str,
    new: bool = False,
    total: int | None = None,
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
) -> list:
    """Write one Block Kit payload with the most urgent records (records come in the urgency
    order); return the ids it carries (the others stay new for the next run).

    Every item takes at least one block, so only the first MAX_BLOCKS records are read.
    """
    head = list(islice(records, MAX_BLOCKS))
    message = render_slack(
        head,
        title=title,
        new=new,
        total=len(head) if total is None else total,
        now=now,
        at_risk_fraction=at_risk_fraction,
        presorted=True,
    )
    out.write(json.dumps(message.payload, ensure_ascii=False) + "\n")
    return list(message.ids)
