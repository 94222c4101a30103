"""Cursors for sources that read several streams per topic (feeds, hashtags, sites).

The store keeps one cursor string per (source, topic). A source that reads several streams
keeps one position per stream in it, as a JSON object {stream: position}, so each batch can
carry a cursor that covers exactly what has been read in every stream so far.
"""

from __future__ import annotations

import json


def load_positions(cursor: str | None) -> dict[str, str]:
    """Return the per-stream positions stored in a cursor (empty for none or a legacy value)."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(key): str(value) for key, value in data.items() if value is not None}


def dump_positions(positions: dict[str, str]) -> str:
    """Return the cursor string for per-stream positions (stable key order)."""
    return json.dumps(positions, sort_keys=True, separators=(",", ":"))
