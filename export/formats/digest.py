"""The digest shared by markdown, html, slack and email: grouping, labels and titles.

Labels here are plain text; each format escapes them for where they go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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


Labeler = Callable[[dict], tuple[str, str]]


def band_label(priority: int | None) -> str:
    """Return the label of the priority band a priority falls in."""
    value = priority or 0
    for floor, label in PRIORITY_BANDS:
        if value >= floor:
            return label
    return PRIORITY_BANDS[-1][1]


SLA_SECTIONS = {"breached": "SLA breached", "at_risk": "SLA at risk"}


def section_labeler(now: datetime | None, at_risk_fraction: float = 0.2) -> Labeler:
    """Return (tier, section label) of a record: the SLA state for breached and at-risk items,
    else the priority band. Without now, every record is in the tier "rest"."""
    if now is None:
        return lambda record: ("rest", band_label(record.get("priority")))
    from export.queues.urgency import urgency_tier

    def label(record: dict) -> tuple[str, str]:
        tier = urgency_tier(record, now, at_risk_fraction)
        return tier, SLA_SECTIONS.get(tier) or band_label(record.get("priority"))

    return label


@dataclass
class DigestPart:
    """One step of a digest: a queue heading, a section heading or an item."""

    kind: str  # "queue", "section" or "item"
    name: str = ""  # the queue or the section label
    count: int = 0  # items under this queue heading
    record: dict | None = None


def queue_name(record: dict) -> str:
    return record.get("queue") or "(no queue)"


def digest_parts(
    records: Iterable[dict], counts: Mapping[tuple[str, str], int], label: Labeler
) -> Iterator[DigestPart]:
    """Walk records (already in the order to show) as queue headings, sections and items.

    A queue heading starts wherever the tier (breached, at risk, rest) or the queue changes, and
    a section wherever its label does, so this reads one record at a time: memory stays flat
    however many there are. counts holds how many each (tier, queue) has.
    """
    current_queue = current_section = None
    for record in records:
        tier, section = label(record)
        key = (tier, queue_name(record))
        if key != current_queue:
            yield DigestPart("queue", key[1], counts.get(key, 0))
            current_queue, current_section = key, None
        if section != current_section:
            yield DigestPart("section", section)
            current_section = section
        yield DigestPart("item", record=record)


def queue_counts(records: Iterable[dict], label: Labeler) -> dict[tuple[str, str], int]:
    """Return how many records each (tier, queue) holds."""
    return dict(Counter((label(r)[0], queue_name(r)) for r in records))


def in_order(
    records: Sequence[dict],
    now: datetime | None,
    at_risk_fraction: float = 0.2,
    *,
    presorted: bool = False,
) -> list[dict]:
    """Return records in the urgency order (as of now); without now, by queue (first seen)
    and priority band; presorted records (read in the store's order) as they are."""
    if presorted:
        return list(records)
    if now is None:
        first: dict[str, int] = {}
        for record in records:
            first.setdefault(queue_name(record), len(first))
        bands = [label for _, label in PRIORITY_BANDS]
        return sorted(
            records,
            key=lambda r: (first[queue_name(r)], bands.index(band_label(r.get("priority")))),
        )
    from export.queues.urgency import by_urgency

    return by_urgency(records, now, at_risk_fraction)


def digest_records(
    records: Sequence[dict],
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    *,
    presorted: bool = False,
) -> Iterator[DigestPart]:
    """Return the digest parts of records held in memory, in the urgency order (see in_order)."""
    ordered = in_order(records, now, at_risk_fraction, presorted=presorted)
    label = section_labeler(now, at_risk_fraction)
    return digest_parts(ordered, queue_counts(ordered, label), label)


def group_records(
    records: Iterable[dict],
    now: datetime | None = None,
    at_risk_fraction: float = 0.2,
    *,
    presorted: bool = False,
) -> list[QueueGroup]:
    """Group records by queue, then by section, in the urgency order (see in_order)."""
    groups: list[QueueGroup] = []
    ordered = in_order(list(records), now, at_risk_fraction, presorted=presorted)
    for part in digest_parts(ordered, {}, section_labeler(now, at_risk_fraction)):
        if part.kind == "queue":
            groups.append(QueueGroup(part.name))
        elif part.kind == "section":
            groups[-1].bands.append(Band(part.name))
        else:
            groups[-1].bands[-1].records.append(part.record)
    return groups


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
