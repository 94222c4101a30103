"""What the HTTP client accepts from a server: how big a body, which redirects."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

DEFAULT_MAX_BODY = "20MB"
CHUNK_SIZE = 64 * 1024  # bodies are read in pieces this big, so a cap can stop them early
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3}
_UNITS.update({"kib": 1024, "mib": 1024**2, "gib": 1024**3})
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(value: int | str) -> int:
    """Return a byte count from an integer or a size such as `20MB`, `512KB`, `1GiB`."""
    if isinstance(value, bool):
        raise ValueError(f"invalid size {value!r}: use a number of bytes or e.g. 20MB")
    if isinstance(value, int):
        number = value
    else:
        match = _SIZE.fullmatch(str(value))
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(f"invalid size {value!r}: use a number of bytes or e.g. 20MB")
        number = int(float(match.group(1)) * _UNITS[unit])
    if number < 1:
        raise ValueError(f"invalid size {value!r}: it must be at least 1 byte")
    return number


def format_size(number: int) -> str:
    """Return a byte count the way people write it (`20MB`, `1.5kB`, `900 bytes`)."""
    for unit, size in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if number >= size:
            return f"{number / size:.3g}{unit}"
    return f"{number} bytes"


class BodyTooLarge(ValueError):
    """A body over the cap; the message says how we know (`it announces 200MB`)."""


def read_body(response, max_body: int) -> None:
    """Read a streamed requests response into response.content, refusing over max_body bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise BodyTooLarge(f"it announces {format_size(int(declared))}")
    # BytesIO grows in place and hands its buffer over: about one copy of the body at peak
    # (a list of chunks joined at the end holds two).
    body = io.BytesIO()
    for chunk in response.iter_content(CHUNK_SIZE):
        if body.tell() + len(chunk) > max_body:
            raise BodyTooLarge("it is larger")
        body.write(chunk)
    response._content = body.getvalue()  # what requests itself stores once it has read


class RedirectRefused(ValueError):
    """A redirect the client will not follow; the message says why, in a few words."""


def redirect_target(
    origin: str, current: str, location: str, allowed_hosts: Iterable[str] = ()
) -> str:
    """Return the absolute URL a redirect leads to, if it may be followed.

    Only http(s), and only to the host of the URL first asked for (on its port, or the
    scheme's default port: http -> https upgrades) or to a host listed in allowed_hosts
    (`host` for any port, `host:port` for one).
    """
    target = urljoin(current, location)
    parts = urlsplit(target)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise RedirectRefused(f"to a {scheme}: URL (only http and https are followed)")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise RedirectRefused("to a URL with an invalid port") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise RedirectRefused("to a URL without a host")
    first = urlsplit(origin)
    first_scheme = first.scheme.lower()
    first_port = first.port or _DEFAULT_PORTS.get(first_scheme)
    same_host = host == (first.hostname or "").lower()
    if same_host and (port == first_port or port == _DEFAULT_PORTS[scheme]):
        return target
    allowed = {entry.strip().lower() for entry in allowed_hosts}
    if host in allowed or f"{host}:{port}" in allowed:
        return target
    raise RedirectRefused(
        f"to {host}:{port}, another host (list it in allow_redirect_hosts to follow it)"
    )
