"""Small inline SVG charts: stacked columns, horizontal bars and a stacked share area.

No script and no chart library: each chart is a `<figure>` holding an `<svg role="img">` with
its `<title>` and `<desc>`, axis labels, a `<title>` tooltip on every mark, an HTML legend and
the numbers as a table in a `<details>` (for screen readers, and to copy from).

Every label is escaped (html_text) and appears only as element text, never inside an
attribute; the geometry never depends on a label's text, so hostile labels cannot change the
markup's shape (a property test compares it with the same chart with plain labels).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from export.formats.escape import html_text, one_line

WIDTH, HEIGHT = 640, 260
LABEL_LIMIT = 22  # characters of a category label drawn in the chart (the table has them whole)
AXIS = "#6b7280"
GRID = "#e5e7eb"

Formatter = Callable[[float], str]


def count_text(value: float) -> str:
    return f"{value:,.0f}"


def percent_text(value: float) -> str:
    return f"{value:.0f}%"


@dataclass
class Series:
    name: str
    values: Sequence[float]  # one per category; None-free (0 for nothing)
    colour: str


@dataclass
class Chart:
    """What a chart shows; ident is our own constant (it names the elements' ids)."""

    ident: str
    title: str
    desc: str
    categories: Sequence[str]
    series: Sequence[Series]
    x_label: str
    y_label: str
    value_text: Formatter = count_text
    ticks: Callable[[float], list[float]] | None = None  # default nice_ticks


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Return tick values from 0 to at least top in steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [step * n for n in range(int(math.ceil(top / step - 1e-9)) + 1)]


def duration_ticks(top: float, count: int = 4) -> list[float]:
    """Return tick values in seconds at a step people count time in (1m, 5m, 1h, 1d...)."""
    steps = (60, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400, 172800, 604800)
    if top <= 0:
        return [0.0, 60.0]
    step = next((s for s in steps if s * count >= top), None)
    if step is None:
        return [t * 86400 for t in nice_ticks(top / 86400, count)]
    return [float(step * n) for n in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _n(value: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _label(text: str, limit: int = LABEL_LIMIT) -> str:
    return html_text(one_line(text, limit) or "(blank)")


def _tooltip(*parts: str) -> str:
    return f"<title>{html_text(' · '.join(parts))}</title>"


def _open_svg(chart: Chart, height: int = HEIGHT) -> list[str]:
    ident = chart.ident
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{html_text(chart.title)}</title>',
        f'<desc id="{ident}-desc">{html_text(chart.desc)}</desc>',
    ]


def _axis_text(x: float, y: float, text: str, anchor: str = "middle", rotate: bool = False) -> str:
    turn = f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="12" fill="{AXIS}"'
        f"{turn}>{html_text(text)}</text>"
    )


def _empty(chart: Chart, message: str) -> str:
    parts = _open_svg(chart, 80)
    parts.append(_axis_text(WIDTH / 2, 44, message))
    parts.append("</svg>")
    return "".join(parts)


def column_chart(chart: Chart, tick_every: int | None = None) -> str:
    """Draw stacked columns, one per category (time bucket), series stacked bottom up."""
    totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
    if not chart.categories or not any(totals):
        return _empty(chart, "Nothing to show in this period")
    left, right, top, bottom = 52, 10, 10, 46
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    ticks = (chart.ticks or nice_ticks)(max(totals))
    scale = plot_h / ticks[-1]
    slot = plot_w / len(chart.categories)
    bar = max(slot * 0.8, 1)
    parts = _open_svg(chart)
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>'
        )
        parts.append(_axis_text(left - 6, y + 4, chart.value_text(tick), "end"))
    every = tick_every or max(1, math.ceil(len(chart.categories) / 8))
    for i, category in enumerate(chart.categories):
        x = left + i * slot + (slot - bar) / 2
        base = top + plot_h
        for series in chart.series:
            value = series.values[i]
            if value <= 0:
                continue
            h = value * scale
            base -= h
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(base)}" width="{_n(bar)}" height="{_n(h)}" '
                f'fill="{series.colour}">'
                + _tooltip(category, series.name, chart.value_text(value))
                + "</rect>"
            )
        if i % every == 0:
            parts.append(_axis_text(x + bar / 2, top + plot_h + 16, one_line(category, 16)))
    parts.append(
        f'<line x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    parts.append(_axis_text(left + plot_w / 2, HEIGHT - 6, chart.x_label))
    parts.append(_axis_text(14, top + plot_h / 2, chart.y_label, rotate=True))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(chart: Chart, stacked: bool = True) -> str:
    """Draw horizontal bars, one row per category: the series stacked, or side by side."""
    rows = len(chart.categories)
    if stacked:
        extents = [sum(s.values[i] for s in chart.series) for i in range(rows)]
    else:
        extents = [max((s.values[i] for s in chart.series), default=0) for i in range(rows)]
    if not rows or not any(extents):
        return _empty(chart, "Nothing to show in this period")
    left, right, top = 150, 60, 8
    lanes = 1 if stacked else len(chart.series)
    row_h = 10 + 14 * lanes
    plot_w = WIDTH - left - right
    plot_h = rows * row_h
    height = top + plot_h + 44
    ticks = (chart.ticks or nice_ticks)(max(extents))
    scale = plot_w / ticks[-1]
    parts = _open_svg(chart, height)
    for tick in ticks:
        x = left + tick * scale
        parts.append(
            f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>'
        )
        parts.append(_axis_text(x, top + plot_h + 16, chart.value_text(tick)))
    for i, category in enumerate(chart.categories):
        y0 = top + i * row_h + 5
        parts.append(
            f'<text x="{left - 8}" y="{_n(y0 + 14 * lanes / 2 + 4)}" text-anchor="end" '
            f'font-size="12" fill="#1d2330">{_label(category)}'
            f"{_tooltip(category)}</text>"
        )
        x = float(left)
        for lane, series in enumerate(chart.series):
            value = series.values[i]
            if value <= 0:
                continue
            w = value * scale
            y = y0 if stacked else y0 + lane * 14
            start = x if stacked else float(left)
            parts.append(
                f'<rect x="{_n(start)}" y="{_n(y)}" width="{_n(w)}" height="12" '
                f'fill="{series.colour}">'
                + _tooltip(category, series.name, chart.value_text(value))
                + "</rect>"
            )
            if not stacked:
                parts.append(_axis_text(start + w + 4, y + 10, chart.value_text(value), "start"))
            x += w if stacked else 0
        if stacked:
            parts.append(_axis_text(x + 4, y0 + 10, chart.value_text(extents[i]), "start"))
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{AXIS}"/>')
    parts.append(_axis_text(left + plot_w / 2, height - 8, chart.x_label))
    parts.append("</svg>")
    return "".join(parts)


def share_chart(chart: Chart, tick_every: int | None = None) -> str:
    """Draw each series' share of every category's total as stacked areas (0-100%)."""
    count = len(chart.categories)
    totals = [sum(s.values[i] for s in chart.series) for i in range(count)]
    if count < 2 or not any(totals):
        return _empty(chart, "Not enough data over time to show shares")
    left, right, top, bottom = 52, 10, 10, 46
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    xs = [left + plot_w * i / (count - 1) for i in range(count)]
    parts = _open_svg(chart)
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h - plot_h * tick / 100
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>'
        )
        parts.append(_axis_text(left - 6, y + 4, percent_text(tick), "end"))
    lower = [0.0] * count
    for series in chart.series:
        shares = [100 * v / t if t else 0.0 for v, t in zip(series.values, totals, strict=True)]
        upper = [low + s for low, s in zip(lower, shares, strict=True)]
        points = [(x, top + plot_h - plot_h * u / 100) for x, u in zip(xs, upper, strict=True)]
        points += [
            (x, top + plot_h - plot_h * lo / 100)
            for x, lo in zip(xs[::-1], lower[::-1], strict=True)
        ]
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        mean = sum(series.values) / max(sum(totals), 1) * 100
        parts.append(
            f'<polygon points="{path}" fill="{series.colour}" fill-opacity="0.85" '
            f'stroke="#ffffff" stroke-width="0.5">'
            + _tooltip(series.name, f"{percent_text(mean)} overall")
            + "</polygon>"
        )
        lower = upper
    every = tick_every or max(1, math.ceil(count / 6))
    for i, category in enumerate(chart.categories):
        if i % every == 0:
            parts.append(_axis_text(xs[i], top + plot_h + 16, one_line(category, 16)))
    parts.append(_axis_text(left + plot_w / 2, HEIGHT - 6, chart.x_label))
    parts.append(_axis_text(14, top + plot_h / 2, chart.y_label, rotate=True))
    parts.append("</svg>")
    return "".join(parts)


def legend(series: Sequence[Series]) -> str:
    """Return the legend as an HTML list: a colour swatch and the series name."""
    items = "".join(
        f'<li><span class="swatch" style="background:{s.colour}"></span>{_label(s.name, 40)}</li>'
        for s in series
    )
    return f'<ul class="legend">{items}</ul>'


def data_table(chart: Chart, first_column: str) -> str:
    """Return the chart's numbers as an HTML table in a closed <details>."""
    head = "".join(f'<th scope="col">{html_text(s.name)}</th>' for s in chart.series)
    rows = "".join(
        f'<tr><th scope="row">{html_text(category)}</th>'
        + "".join(f"<td>{html_text(chart.value_text(s.values[i]))}</td>" for s in chart.series)
        + "</tr>"
        for i, category in enumerate(chart.categories)
    )
    return (
        f"<details><summary>Numbers of “{html_text(chart.title)}”</summary>"
        f'<table class="numbers"><thead><tr><th scope="col">{html_text(first_column)}</th>'
        f"{head}</tr></thead><tbody>{rows}</tbody></table></details>"
    )


def figure(chart: Chart, svg: str, first_column: str) -> str:
    """Return the chart as a <figure>: caption, drawing, legend and its numbers."""
    show_legend = len(chart.series) > 1
    return (
        f'<figure class="card" id="{chart.ident}">'
        f"<figcaption>{html_text(chart.title)}</figcaption>{svg}"
        f"{legend(chart.series) if show_legend else ''}"
        f"{data_table(chart, first_column)}</figure>"
    )
