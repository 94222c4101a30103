"""A one-line trend: ▁▂▃▄▅▆▇█ scaled to the series' own maximum."""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"


def render_sparkline(values: Sequence[float]) -> str:
    """Return one bar per value; zero is the lowest bar, the maximum the highest."""
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[round(max(v, 0) / top * (len(BARS) - 1))] for v in values)
