"""Scrub secret values, in every form they travel in, from text that leaves the process.

A secret rarely comes back verbatim: a server that echoes a request returns the Basic auth
header (base64 of `id:secret`), the percent-encoded query value, the webhook URL's path as a
JSON string with `\\/` escapes. Registering a secret therefore registers its derived forms,
and redact() also decodes base64 and percent-encoded runs of the text, replacing any whose
decoding holds a secret. Logs, CLI errors, stderr lines and the database's error columns all
pass through redact() (see docs/reliability.md).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Iterable
from typing import TypeGuard
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

REDACTED = "[redacted]"
# Shorter values would redact ordinary words ("abc" in every text); real secrets are longer.
MIN_SECRET_LENGTH = 6

# Every form to replace (the values and their encodings), and the plain values the decoders
# look for inside decoded base64 and percent-encoded runs.
_forms: set[str] = set()
_plain: set[str] = set()

# A run of base64 (standard or URL-safe alphabet, `/` possibly JSON-escaped as `\/`).
_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9+_-]|\\?/){8,}=*")
# A word (a percent-encoded value ends at a space or a quote); only those with % are decoded.
_WORD = re.compile(r"[^\s\"'<>]+")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://", re.ASCII)


def _long_enough(value: str | None) -> TypeGuard[str]:
    return value is not None and len(value) >= MIN_SECRET_LENGTH


def _base64_forms(data: bytes) -> set[str]:
    forms: set[str] = set()
    for encoded in (base64.b64encode(data), base64.urlsafe_b64encode(data)):
        text = encoded.decode("ascii")
        forms.update((text, text.rstrip("=")))
    return forms


def _percent_forms(value: str) -> set[str]:
    forms = {quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")}
    # Some servers write the hex digits in lower case.
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in forms}
    return forms


def _escaped_forms(value: str) -> set[str]:
    forms: set[str] = set()
    for ensure_ascii in (True, False):
        escaped = json.dumps(value, ensure_ascii=ensure_ascii)[1:-1]
        forms.update((escaped, escaped.replace("/", "\\/")))
    forms.add(html.escape(value))
    return forms


def encoded_forms(value: str, *, as_bytes: Iterable[bytes] = ()) -> set[str]:
    """Return value and the forms it takes on the wire: base64, percent-encoded, JSON, HTML."""
    plain = {value}
    for data in {value.encode("utf-8"), *as_bytes}:
        plain |= _base64_forms(data)
    wire = set(plain)
    for form in plain:
        wire |= _percent_forms(form)
    out = set(wire)
    for form in wire:
        out |= _escaped_forms(form)
    return {form for form in out if _long_enough(form)}


def url_parts(url: str) -> list[str]:
    """Return the secret parts of a URL: beyond the host, the path, its token-like segments,
    every query value and the password (a Slack webhook URL's path IS the secret)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    beyond = url[url.find(parts.netloc) + len(parts.netloc) :] if parts.netloc else ""
    found = [beyond, parts.path, parts.query, password or ""]
    for segment in parts.path.split("/"):
        # Name-like segments ("services", "hooks") are not secret; ids and tokens have digits.
        if any(ch.isdigit() for ch in segment) or len(segment) >= 16:
            found.append(segment)
    for pair in re.split(r"[&;]", parts.query):
        found.append(unquote_plus(pair.partition("=")[2]))
    return [part for part in dict.fromkeys(found) if _long_enough(part)]


def expand_secret(value: str) -> tuple[set[str], set[str]]:
    """Return (every form to replace, the plain values to look for when decoding)."""
    plain = [value] + (url_parts(value) if _URL.match(value) else [])
    forms: set[str] = set()
    for part in plain:
        forms |= encoded_forms(part)
    return forms, set(plain)


def register_secret(value: str | None) -> None:
    """Remember a secret value (and its derived forms) so that redact() scrubs it everywhere."""
    if not _long_enough(value):
        return
    forms, plain = expand_secret(value)
    _forms.update(forms)
    _plain.update(plain)


def register_basic_auth(user: str | None, password: str | None) -> None:
    """Remember the `Basic base64(user:password)` header value built from a credential pair."""
    if not _long_enough(password) and not _long_enough(user):
        return
    pair = f"{user or ''}:{password or ''}"
    as_bytes = [pair.encode("utf-8")]
    try:  # requests encodes str credentials as latin-1 when it builds the header
        as_bytes.append(pair.encode("latin-1"))
    except UnicodeEncodeError:
        pass
    _forms.update(encoded_forms(pair, as_bytes=as_bytes))
    _plain.add(pair)
    register_secret(user)
    register_secret(password)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace every known secret (and any in `secrets`), in any encoding, with [redacted]."""
    if not text:
        return text
    forms, plain = set(_forms), set(_plain)
    for value in secrets:
        if _long_enough(value):
            more_forms, more_plain = expand_secret(value)
            forms |= more_forms
            plain |= more_plain
    if not forms:
        return text
    # Whole encoded runs first: replacing a form inside a larger base64 blob would leave
    # the blob's remains, which no longer decode.
    # A secret that is part of the marker itself gets a marker it cannot be found in.
    marker = "***" if any(value in REDACTED for value in forms) else REDACTED
    text = _replace_decoded(text, plain, marker)
    return _replace_forms(text, forms, marker)


def _replace_forms(text: str, forms: set[str], marker: str) -> str:
    ordered = sorted(forms, key=len, reverse=True)  # a secret containing another goes whole
    for _ in range(8):  # a replacement can bring two fragments together: go again
        before = text
        for value in ordered:
            if value in text:
                text = text.replace(value, marker)
        if text == before:
            break
    return text


def _replace_decoded(text: str, plain: set[str], marker: str) -> str:
    needles = set()
    for value in plain:
        needles.add(value.encode("utf-8"))
        try:
            needles.add(value.encode("latin-1"))
        except UnicodeEncodeError:
            pass

    def holds_secret(data: bytes) -> bool:
        return any(needle in data for needle in needles)

    def base64_run(match: re.Match) -> str:
        run = match.group(0)
        return marker if any(holds_secret(data) for data in _base64_decodings(run)) else run

    def percent_run(match: re.Match) -> str:
        run = match.group(0)
        if "%" not in run or not _PERCENT_ESCAPE.search(run):
            return run
        for decoded in {unquote(run), unquote_plus(run)}:
            if holds_secret(decoded.encode("utf-8", "surrogatepass")):
                return marker
        return run

    if "%" in text:
        text = _WORD.sub(percent_run, text)
    return _BASE64_RUN.sub(base64_run, text)


def _base64_decodings(run: str) -> Iterable[bytes]:
    """Yield the decodings of a base64 run from each of its four possible alignments."""
    core = run.replace("\\/", "/").rstrip("=").replace("-", "+").replace("_", "/")
    for start in range(4):
        part = core[start:]
        if len(part) % 4 == 1:  # a stray character after the encoded bytes
            part = part[:-1]
        try:
            yield base64.b64decode(part + "=" * (-len(part) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue


def redact_data(value):
    """Return value (str, or lists and dicts of them) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(item) for item in value]
    return value


def forget_secrets() -> None:
    """Forget every registered secret (a new process starts empty; tests start clean)."""
    _forms.clear()
    _plain.clear()
