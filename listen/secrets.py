"""Read credentials from the environment and keep their values out of every message and log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
# Shorter values would redact ordinary words ("abc" in every text); real secrets are longer.
MIN_SECRET_LENGTH = 6

_known: set[str] = set()
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_env_names(settings: Any, keys: Iterable[str]) -> None:
    """Reject a `*_env` setting that is not an environment variable name (a pasted secret?)."""
    from earmark.configload import FieldError

    for key in keys:
        value = getattr(settings, key)
        if value is not None and not _ENV_NAME.match(value):
            # Never echo the value: it may be the secret itself.
            raise FieldError(
                key,
                "must be the NAME of an environment variable (letters, digits and _), "
                "not the secret itself",
            )


def register_secret(value: str | None) -> None:
    """Remember a secret value so that redact() and RedactingFilter scrub it everywhere."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        _known.add(value)


def read_secret(env: Mapping[str, str], name: str | None) -> str | None:
    """Return the value of environment variable `name` (registered for redaction), or None."""
    if not name:
        return None
    value = env.get(name) or None
    if value is not None:
        value = value.strip() or None
    register_secret(value)
    return value


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every known secret value (and any in `secrets`) in text with [redacted]."""
    values = set(_known)
    values.update(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)
    # Longest first, so a secret containing another is removed whole.
    for value in sorted(values, key=len, reverse=True):
        # A secret that is part of the marker itself gets a marker it cannot be found in.
        marker = REDACTED if value not in REDACTED else "***"
        while value in text:
            text = text.replace(value, marker)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs known secret values from every record it passes."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            clean_exc = redact(text, self.secrets)
            if clean_exc != text:
                record.exc_info, record.exc_text = None, clean_exc
        return True


def install_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach a RedactingFilter to the logger (root by default) and its handlers."""
    logger = logger or logging.getLogger()
    flt = RedactingFilter()
    logger.addFilter(flt)
    for handler in logger.handlers:
        handler.addFilter(flt)
    return flt


__all__ = [
    "REDACTED",
    "RedactingFilter",
    "check_env_names",
    "install_redaction",
    "read_secret",
    "redact",
    "register_secret",
]
