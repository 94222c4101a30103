"""The report page: a summary per queue, the charts, then the open items, most urgent first.

One self-contained file: a <style> block, inline SVG, no script, no external resource. It
reads without JavaScript and works offline, as an attachment or from a shared folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import IO

from earmark.models import format_duration, to_iso
from export.formats.digest import DigestPart
from export.formats.escape import html_text
from export.formats.html import write_items
from export.report.data import DAY, OTHER, QueueSummary, ReportData, TimeSeries
from export.report.svg import (
    Chart,
    Series,
    bar_chart,
    column_chart,
    duration_ticks,
    figure,
    share_chart,
)

SENTIMENT_COLOURS = {
    "negative": "#c0392b",
    "neutral": "#7f8c8d",
    "positive": "#27ae60",
    "unsupported_language": "#8e6fbf",
    "unclassified": "#d1d5db",
}
# Okabe and Ito's colour-blind-safe palette (yellow left out: too pale on white).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")
OTHER_COLOUR = "#9ca3af"
BACKLOG_COLOURS = {"breached": "#c0392b", "at risk": "#e67e22", "on track": "#3b82f6"}
RESPONSE_COLOURS = ("#1a56db", "#93c5fd", "#e67e22")

STYLE = """
body{margin:0;background:#f4f5f7;color:#1d2330;
font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}
main,header{max-width:1240px;margin:0 auto;padding:0 16px}
header{padding-top:16px}
h1{font-size:22px;margin:0 0 4px 0}
h2{font-size:17px;margin:20px 0 8px 0;border-bottom:1px solid #d0d4da;padding-bottom:4px}
.generated{font-size:12px;color:#6b7280;margin:0 0 12px 0}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 12px 0;padding:0;list-style:none}
.tiles li{background:#fff;padding:8px 14px;border-radius:6px;min-width:110px}
.tiles b{display:block;font-size:22px}
.tiles .bad b{color:#c0392b}
.tiles .warn b{color:#b45309}
table.summary{border-collapse:collapse;background:#fff;width:100%;font-size:14px}
table.summary caption{text-align:left;font-size:13px;color:#374151;padding:0 0 6px 0}
table.summary th,table.summary td{padding:6px 10px;border-bottom:1px solid #e5e7eb;
text-align:right}
table.summary th:first-child{text-align:left}
table.summary td.bad{color:#c0392b;font-weight:bold}
table.summary td.warn{color:#b45309;font-weight:bold}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
.card{background:#fff;border-radius:6px;padding:12px;margin:0}
figcaption{font-weight:bold;font-size:14px;margin:0 0 6px 0}
svg.chart{width:100%;height:auto;display:block}
.legend{list-style:none;margin:6px 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px;
font-size:12px}
.swatch{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
details{font-size:12px;margin-top:6px}
table.numbers{border-collapse:collapse;margin-top:4px}
table.numbers th,table.numbers td{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}
table.numbers th[scope=row]{text-align:left}
"""


def bucket_label(start: datetime, bucket_seconds: int) -> str:
    """Return how a time bucket is named on an axis: a day, or a day and an hour (UTC)."""
    if bucket_seconds >= DAY:
        return f"{start:%Y-%m-%d}"
    return f"{start:%m-%d %H:%M}"


def _bucket_name(seconds: int) -> str:
    if seconds % DAY == 0:
        days = seconds // DAY
        return "day" if days == 1 else f"{days} days"
    hours = seconds // 3600
    return "hour" if hours == 1 else f"{hours} hours"


def _colours(labels: Iterable[str]) -> list[str]:
    out, n = [], 0
    for label in labels:
        if label == OTHER:
            out.append(OTHER_COLOUR)
        else:
            out.append(PALETTE[n % len(PALETTE)])
            n += 1
    return out


def _time_desc(series: TimeSeries, what: str) -> str:
    totals = series.totals()
    if not any(totals):
        return f"No {what} in this period."
    peak = max(range(len(totals)), key=totals.__getitem__)
    parts = [f"{label} {sum(values):,}" for label, values in series.series.items()]
    return (
        f"{sum(totals):,} {what} in {len(totals)} buckets of one "
        f"{_bucket_name(series.bucket_seconds)}; "
        f"busiest {bucket_label(series.starts[peak], series.bucket_seconds)} UTC "
        f"with {totals[peak]:,}. By label: {', '.join(parts)}."
    )


def volume_chart(data: ReportData) -> str:
    volume = data.volume
    unit = _bucket_name(volume.bucket_seconds)
    chart = Chart(
        ident="chart-volume",
        title=f"Posts per {unit} by sentiment",
        desc=_time_desc(volume, "posts"),
        categories=[bucket_label(s, volume.bucket_seconds) for s in volume.starts],
        series=[
            Series(label, values, SENTIMENT_COLOURS.get(label, OTHER_COLOUR))
            for label, values in volume.series.items()
        ],
        x_label=f"Time (UTC), one bar per {unit}",
        y_label="Posts",
    )
    return figure(chart, column_chart(chart), "Bucket start (UTC)")


def intents_chart(data: ReportData) -> str:
    total = sum(n for _, n in data.intents)
    listed = ", ".join(f"{label} {n:,}" for label, n in data.intents)
    chart = Chart(
        ident="chart-intents",
        title="Posts by primary intent",
        desc=f"{total:,} classified posts. {listed}." if total else "No classified posts.",
        categories=[label for label, _ in data.intents],
        series=[Series("posts", [n for _, n in data.intents], "#6366f1")],
        x_label="Posts",
        y_label="Intent",
    )
    return figure(chart, bar_chart(chart), "Intent")


def share_of_voice_chart(data: ReportData) -> str:
    share = data.share
    labels = list(share.series)
    grand = sum(share.totals()) or 1
    # A share of nothing is undefined: buckets without matches are left out, not drawn as 0%.
    kept = [i for i, total in enumerate(share.totals()) if total]
    listed = ", ".join(f"{k} {100 * sum(v) / grand:.0f}%" for k, v in share.series.items())
    chart = Chart(
        ident="chart-share",
        title="Share of voice by topic",
        desc=(
            f"Share of topic matches per {_bucket_name(share.bucket_seconds)} "
            f"({len(share.starts) - len(kept)} without matches left out). "
            f"Over the period: {listed}."
            if any(share.totals())
            else "No topic matches in this period."
        ),
        categories=[bucket_label(share.starts[i], share.bucket_seconds) for i in kept],
        series=[
            Series(k, [v[i] for i in kept], c)
            for (k, v), c in zip(share.series.items(), _colours(labels), strict=True)
        ],
        x_label=f"Time (UTC), one point per {_bucket_name(share.bucket_seconds)}",
        y_label="Share of matches",
    )
    return figure(chart, share_chart(chart), "Bucket start (UTC)")


def backlog_chart(data: ReportData) -> str:
    queues = [q for q in data.queues if q.open]
    chart = Chart(
        ident="chart-backlog",
        title="Open backlog per queue by SLA state",
        desc="; ".join(
            f"{q.name}: {q.open} open, {q.breached} breached, {q.at_risk} at risk" for q in queues
        )
        or "No open items.",
        categories=[q.name for q in queues],
        series=[
            Series("breached", [q.breached for q in queues], BACKLOG_COLOURS["breached"]),
            Series("at risk", [q.at_risk for q in queues], BACKLOG_COLOURS["at risk"]),
            Series("on track", [q.on_track for q in queues], BACKLOG_COLOURS["on track"]),
        ],
        x_label="Open items",
        y_label="Queue",
    )
    return figure(chart, bar_chart(chart), "Queue")


def _duration(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def response_chart(data: ReportData) -> str:
    queues = [q for q in data.queues if q.answered or q.longest_wait is not None]

    def described(q: QueueSummary) -> str:
        answered = (
            f"{q.answered} answered, median {_duration(q.median_response or 0)}, "
            f"90th percentile {_duration(q.p90_response or 0)}"
            if q.answered
            else "none answered"
        )
        wait = "" if q.longest_wait is None else f", longest open wait {_duration(q.longest_wait)}"
        return f"{q.name}: {answered}{wait}"

    chart = Chart(
        ident="chart-response",
        title="First response and waiting time per queue",
        desc="; ".join(described(q) for q in queues) or "No answered or waiting items.",
        categories=[q.name for q in queues],
        series=[
            Series(name, [float(getattr(q, attr) or 0) for q in queues], colour)
            for (name, attr), colour in zip(
                (
                    ("median first response", "median_response"),
                    ("90th percentile first response", "p90_response"),
                    ("longest open wait", "longest_wait"),
                ),
                RESPONSE_COLOURS,
                strict=True,
            )
        ],
        x_label="Time since the post",
        y_label="Queue",
        value_text=_duration,
        ticks=duration_ticks,
    )
    return figure(chart, bar_chart(chart, stacked=False), "Queue")


def queue_anchors(queues: Sequence[QueueSummary]) -> dict[str, str]:
    """Return the id of each queue's first heading among the items (our own ids)."""
    return {q.name: f"queue-{n}" for n, q in enumerate(queues, start=1) if q.open}


def summary_section(data: ReportData, shown: int) -> str:
    queues = data.queues
    anchors = queue_anchors(queues)
    total_open = sum(q.open for q in queues)
    breached = sum(q.breached for q in queues)
    at_risk = sum(q.at_risk for q in queues)
    tiles = (
        f'<ul class="tiles"><li><b>{total_open:,}</b>open</li>'
        f'<li class="{"bad" if breached else ""}"><b>{breached:,}</b>SLA breached</li>'
        f'<li class="{"warn" if at_risk else ""}"><b>{at_risk:,}</b>SLA at risk</li>'
        f"<li><b>{data.posts:,}</b>posts in the period</li></ul>"
    )
    rows = []
    for q in queues:
        name = html_text(q.name)
        link = f'<a href="#{anchors[q.name]}">{name}</a>' if q.name in anchors and shown else name
        wait = "–" if q.longest_wait is None else html_text(_duration(q.longest_wait))
        median = html_text(_duration(q.median_response)) if q.answered else "–"
        rows.append(
            f'<tr class="queue-row"><th scope="row">{link}</th><td>{q.open:,}</td>'
            f'<td class="{"bad" if q.breached else ""}">{q.breached:,}</td>'
            f'<td class="{"warn" if q.at_risk else ""}">{q.at_risk:,}</td>'
            f"<td>{wait}</td><td>{median}</td></tr>"
        )
    if not rows:
        rows.append('<tr><td colspan="6" style="text-align:left">No open items.</td></tr>')
    table = (
        '<table class="summary" id="summary-table"><caption>Open work per queue, most urgent '
        "first (breached, then at risk, then by priority and age)</caption><thead><tr>"
        '<th scope="col">Queue</th><th scope="col">Open</th><th scope="col">Breached</th>'
        '<th scope="col">At risk</th><th scope="col">Longest wait</th>'
        '<th scope="col">Median first response</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return (
        '<section id="summary" aria-labelledby="summary-heading">'
        f'<h2 id="summary-heading">Summary</h2>{tiles}{table}</section>'
    )


def charts_section(data: ReportData) -> str:
    figures = (
        volume_chart(data),
        intents_chart(data),
        share_of_voice_chart(data),
        backlog_chart(data),
        response_chart(data),
    )
    return (
        '<section id="charts" aria-labelledby="charts-heading">'
        f'<h2 id="charts-heading">Charts</h2><div class="grid">{"".join(figures)}</div></section>'
    )


def write_report(
    data: ReportData,
    parts: Iterable[DigestPart],
    out: IO[str],
    *,
    title: str,
    shown: int,
    total: int,
) -> list:
    """Write the whole page (items from parts, `shown` of `total` open); return the ids."""
    period = f"Generated {to_iso(data.now)} · posts from {to_iso(data.start)} to {to_iso(data.now)}"
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html_text(title)}</title>\n<style>{STYLE}</style></head>\n<body>\n"
        f'<header><h1>{html_text(title)}</h1><p class="generated">{html_text(period)}</p>'
        "</header>\n<main>\n"
    )
    out.write(summary_section(data, shown) + "\n" + charts_section(data) + "\n")
    out.write('<section id="items" aria-labelledby="items-heading">')
    heading = "Open items, most urgent first"
    note = (
        f"All {total:,} open items."
        if shown >= total
        else f"The {shown:,} most urgent of {total:,} open items "
        "(`earmark export -f html` writes them all)."
    )
    out.write(f'<h2 id="items-heading">{heading}</h2><p class="generated">{html_text(note)}</p>')
    ids = write_items(parts, out, queue_anchors(data.queues))
    out.write("\n</section>\n</main>\n</body>\n</html>\n")
    return ids
