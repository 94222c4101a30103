"""The text of a Bluesky post record: full link URLs from its facets, media when it has no text.

Clients shorten a link's text in the post ("drive.google.com/fi...") and put the full URL in a
`app.bsky.richtext.facet#link` facet whose index is a byte range of the UTF-8 text. The stored
text gets the full URL back, so it can be matched, shown and followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LINK = "app.bsky.richtext.facet#link"
_ELLIPSES = ("...", "…")


def _link_uri(facet: Any) -> str | None:
    features = facet.get("features") if isinstance(facet, dict) else None
    for feature in features if isinstance(features, list) else []:
        if isinstance(feature, dict) and feature.get("$type") == LINK:
            uri = feature.get("uri")
            if isinstance(uri, str) and uri.strip():
                return uri.strip()
    return None


def _byte_range(facet: Mapping[str, Any], size: int) -> tuple[int, int] | None:
    index = facet.get("index")
    if not isinstance(index, dict):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, end)):
        return None
    return (start, end) if 0 <= start < end <= size else None


def linked_text(shown: str, uri: str) -> str:
    """Return what replaces a link's shown text: the URI, or `text (URI)` for other words."""
    bare = shown.strip()
    for ellipsis in _ELLIPSES:
        bare = bare.removesuffix(ellipsis)
    schemeless = uri.split("://", 1)[-1]
    if not bare or bare == uri or uri.startswith(bare) or schemeless.startswith(bare):
        return uri
    return f"{shown} ({uri})"


def expand_links(text: str, facets: Any) -> str:
    """Put each link facet's full URI in place of its (often shortened) text."""
    if not text or not isinstance(facets, list):
        return text
    data = text.encode("utf-8")
    spans = []
    for facet in facets:
        uri = _link_uri(facet)
        found = _byte_range(facet, len(data)) if uri else None
        if found:
            spans.append((found[0], found[1], uri))
    out, position = [], 0
    for start, end, uri in sorted(spans):
        if start < position:
            continue  # overlapping facets: the first one wins
        try:
            shown = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue  # a range that splits a character is not a link we can place
        out.append(data[position:start])
        out.append(linked_text(shown, uri).encode("utf-8"))
        position = end
    out.append(data[position:])
    return b"".join(out).decode("utf-8", errors="replace")


def embed_text(embed: Any) -> str:
    """Describe a record's embed for a post without text: alt texts, link card, `[image]`."""
    if not isinstance(embed, dict):
        return ""
    kind = str(embed.get("$type") or "")
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return embed_text(embed.get("media"))
    if kind.startswith("app.bsky.embed.images"):
        images = embed.get("images") if isinstance(embed.get("images"), list) else []
        alts = [i.get("alt").strip() for i in images if isinstance(i, dict) and i.get("alt")]
        return " ".join(f"[image: {alt}]" for alt in alts if alt) or "[image]"
    if kind.startswith("app.bsky.embed.video"):
        alt = embed.get("alt")
        return f"[video: {alt.strip()}]" if isinstance(alt, str) and alt.strip() else "[video]"
    if kind.startswith("app.bsky.embed.external"):
        card = embed.get("external") if isinstance(embed.get("external"), dict) else {}
        parts = [card.get(key) for key in ("title", "uri")]
        return "\n".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    if kind.startswith("app.bsky.embed.record"):
        return "[quote]"
    return ""


def post_text(record: Mapping[str, Any]) -> str:
    """Return a post record's text with full link URLs, or its media when it has no text."""
    text = record.get("text") if isinstance(record.get("text"), str) else ""
    text = expand_links(text, record.get("facets")).strip()
    return text or embed_text(record.get("embed"))


__all__ = ["embed_text", "expand_links", "linked_text", "post_text"]
