"""The digest shared by markdown, html, slack and email: grouping, labels and titles.

Labels here are plain text; each format escapes them for where they go.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from export.formats.escape import one_line

# Priority bands within a queue, highest first: (lowest priority in the band, label).
PRIORITY_BANDS = ((70, "High priority (70+)"), (40, "Medium priority (40-69)"), (0, "Low priority"))
AUTHOR_LIMIT = 60
INTENT_LIMIT = 4


@dataclass
class Band:
    label: str
    records: list[dict] = field(default_factory=list)


@dataclass
class QueueGroup:
    name: str
    bands: list[Band] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(b.records) for b in self.bands)


def band_label(priority: int | None) -> str:
    """Return the label of the priority band a priority falls in."""
    value = priority or 0
    for floor, label in PRIORITY_BANDS:
        if value >= floor:
            return label
    return PRIORITY_BANDS[-1][1]


def group_records(records: Iterable[dict]) -> list[QueueGroup]:
    """Group records by queue (first-seen order), then by priority band, highest first."""
    order = [label for _, label in PRIORITY_BANDS]
    groups: dict[str, dict[str, Band]] = {}
    for record in records:
        bands = groups.setdefault(record.get("queue") or "(no queue)", {})
        label = band_label(record.get("priority"))
        bands.setdefault(label, Band(label)).records.append(record)
    return [
        QueueGroup(name, sorted(bands.values(), key=lambda b: order.index(b.label)))
        for name, bands in groups.items()
    ]


def digest_title(count: int, *, new: bool = False) -> str:
    """Return the digest heading, e.g. "earmark: 3 new support opportunities"."""
    noun = "support opportunity" if count == 1 else "support opportunities"
    return f"earmark: {count} {'new ' if new else ''}{noun}"


def author_label(record: dict) -> str:
    """Return "handle (Display Name)" on one line, cut to a sane length."""
    author = one_line(record.get("author"), AUTHOR_LIMIT) or "unknown author"
    name = one_line(record.get("author_name"), AUTHOR_LIMIT)
    if name and name != author:
        return f"{author} ({name})"
    return author


def sla_label(record: dict) -> str | None:
    """Return "SLA 13m left", "SLA breached 5m ago", "responded", or None without an SLA."""
    if record.get("first_response_at"):
        return "responded"
    left = record.get("sla_left")
    if not left:
        return None
    if left.startswith("-"):
        return f"SLA breached {left[1:]} ago"
    return f"SLA {left} left"


def intents_label(record: dict) -> str:
    """Return the intents, primary first, comma-separated."""
    intents = record.get("intents") or (
        [record["primary_intent"]] if record.get("primary_intent") else []
    )
    return ", ".join(one_line(i, 40) for i in intents[:INTENT_LIMIT]) or "no intent"


def meta_parts(record: dict) -> list[str]:
    """Return the plain-text facts shown for one item, in display order."""
    parts = [f"P{record.get('priority') or 0}"]
    parts.append(one_line(record.get("sentiment"), 30) or "unclassified")
    parts.append(intents_label(record))
    parts.append(one_line(record.get("platform"), 30) or "unknown platform")
    parts.append(author_label(record))
    if record.get("age"):
        parts.append(f"{record['age']} old")
    sla = sla_label(record)
    if sla:
        parts.append(sla)
    if record.get("agent"):
        parts.append(f"agent {one_line(record['agent'], 40)}")
    return parts


def private_label(record: dict) -> str | None:
    """Return the "reply privately" flag with the kinds of personal data, or None."""
    if not record.get("reply_privately"):
        return None
    kinds = ", ".join(one_line(p, 30) for p in record.get("pii") or [])
    return f"reply privately ({kinds})" if kinds else "reply privately"
