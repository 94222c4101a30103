"""Language codes: from what a platform sends to BCP-47, and back for the platform's queries.

Posts store the primary BCP-47 subtag, lower case (`pt-BR` -> `pt`), the form topics list in
`languages:`. Platforms that still send withdrawn ISO 639 codes (X writes `in` for Indonesian,
`iw` for Hebrew) or placeholders for "no language" (`und`, X's `qme`, `zxx`) are mapped here,
in one place, by every source that gets a language from its platform.
"""

from __future__ import annotations

import re

# ISO 639 codes withdrawn in favour of new ones; BCP-47 uses the new one (RFC 5646, 2.2.2).
_DEPRECATED = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv", "mo": "ro"}
# Codes that say "no language": undetermined, no linguistic content, and the private-use codes
# X gives posts of only mentions (qam), cashtags (qct), hashtags (qht), media (qme), or that
# are too short (qst).
_NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis", "qam", "qct", "qht", "qme", "qst"})
# What each platform writes instead of the BCP-47 code, where it differs.
_PLATFORM_CODES = {"x": {"id": "in", "he": "iw"}}
_PRIMARY = re.compile(r"[a-z]{2,3}")


def to_bcp47(code: object) -> str | None:
    """Return the primary BCP-47 language subtag of a platform's code, or None for none/unknown."""
    if not isinstance(code, str):
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    if not _PRIMARY.fullmatch(primary) or primary in _NO_LANGUAGE:
        return None
    return _DEPRECATED.get(primary, primary)


def to_platform_code(code: str, platform: str) -> str:
    """Return the code a platform's search expects for a BCP-47 language (`id` -> `in` on X)."""
    primary = to_bcp47(code) or code.strip().lower()
    return _PLATFORM_CODES.get(platform, {}).get(primary, primary)


__all__ = ["to_bcp47", "to_platform_code"]
