"""Read the dates feeds write that feedparser does not: RFC 822 in other languages.

Feeds are meant to write RFC 822 dates in English (`Mon, 24 Sep 2018 19:18:49 -0300`), but many
write the day and month names in their own language (`Seg, 24 Set 2018 19:18:49 -0300`).
feedparser leaves those unparsed; here the names are read in Portuguese, Spanish, French,
German, Italian and Dutch, the day name is ignored, and the rest is RFC 822.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

_MONTHS = {
    1: "jan janeiro ene enero janv janvier januar jänner januari gen gennaio",
    2: "feb fev fevereiro febrero fevr fevrier februar februari febbraio",
    3: "mar marco marzo mars marz mrz maart mrt",
    4: "apr abr abril avr avril april aprile",
    5: "may mai maio mayo mag maggio mei",
    6: "jun junho junio juin juni giu giugno",
    7: "jul julho julio juil juillet juli lug luglio",
    8: "aug ago agosto aout august augustus",
    9: "sep sept set setembro septiembre setiembre septembre september settembre",
    10: "oct out outubro octubre octobre okt oktober ott ottobre",
    11: "nov novembro noviembre novembre november",
    12: "dec dez dezembro dic diciembre decembre dezember december dicembre",
}
_MONTH_NAMES = {name: number for number, names in _MONTHS.items() for name in names.split()}
_ENGLISH = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_TOKEN = re.compile(r"[^\s,]+")
_OFFSET = re.compile(r"[+-]\d{4}|[+-]\d\d:\d\d")
# Zone names RFC 822 knows, and the European and Brazilian ones feeds in those languages use.
_ZONES = {
    **dict.fromkeys(("ut", "utc", "gmt", "z", "wet"), "+0000"),
    **{name: name.upper() for name in ("est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt")},
    **dict.fromkeys(("cet", "mez", "west"), "+0100"),
    **dict.fromkeys(("cest", "mesz", "eet"), "+0200"),
    "eest": "+0300",
    "brt": "-0300",
    "brst": "-0200",
}


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().rstrip("."))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_feed_date(text: object) -> datetime | None:
    """Return the UTC time of an RFC 822 date written in English or another language, or None."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    day = month = year = None
    clock, zone = "00:00:00", "+0000"
    head, comma, rest = text.partition(",")
    if comma and not any(ch.isdigit() for ch in head):
        text = rest  # the day name ("mar." is Tuesday in Spanish, not March)
    for token in _TOKEN.findall(text):
        word = _plain(token)
        if word.isdigit() and len(word) <= 2 and day is None:
            day = int(word)
        elif word.isdigit() and len(word) == 4 and year is None:
            year = int(word)
        elif ":" in word and word.replace(":", "").isdigit():
            clock = word
        elif _OFFSET.fullmatch(word):
            zone = word.replace(":", "")
        elif word in _ZONES:
            zone = _ZONES[word]
        elif word in _MONTH_NAMES and month is None:
            month = _MONTH_NAMES[word]
    if day is None or month is None or year is None:
        return None
    english = f"{day:02d} {_ENGLISH[month - 1]} {year} {clock} {zone}"
    try:
        moment = parsedate_to_datetime(english)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


__all__ = ["parse_feed_date"]
