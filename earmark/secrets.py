"""Read credentials from the environment and keep their values out of every message and log."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from earmark.configload import ENV_NAME_PROBLEM, FieldError, is_env_name
from earmark.redaction import (
    MIN_SECRET_LENGTH,
    REDACTED,
    forget_secrets,
    redact,
    redact_data,
    register_basic_auth,
    register_secret,
)
from earmark.redaction import _forms as _known  # noqa: F401 - every registered form, for tests


def check_env_names(settings: Any, keys: Iterable[str]) -> None:
    """Reject a `*_env` setting that is not an environment variable name (a pasted secret?)."""
    for key in keys:
        value = getattr(settings, key)
        if value is not None and not is_env_name(value):
            # Never echo the value: it may be the secret itself.
            raise FieldError(key, ENV_NAME_PROBLEM)


def read_secret(env: Mapping[str, str], name: str | None) -> str | None:
    """Return the value of environment variable `name` (registered for redaction), or None."""
    if not name:
        return None
    value = env.get(name) or None
    if value is not None:
        value = value.strip() or None
    register_secret(value)
    return value


def register_named_secrets(settings: Any, env: Mapping[str, str]) -> None:
    """Register the value of every variable a `*_env` setting names, anywhere in settings.

    Done when the config loads, so even a failure before a source reads its credential
    (or a command that never reads it, like `earmark runs`) is scrubbed of it.
    """
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        for field in dataclasses.fields(settings):
            value = getattr(settings, field.name)
            if field.name.endswith("_env") and isinstance(value, str):
                read_secret(env, value)
            else:
                register_named_secrets(value, env)
    elif isinstance(settings, Mapping):
        for value in settings.values():
            register_named_secrets(value, env)
    elif isinstance(settings, (list, tuple)):
        for value in settings:
            register_named_secrets(value, env)


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
    "ENV_NAME_PROBLEM",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "RedactingFilter",
    "check_env_names",
    "forget_secrets",
    "install_redaction",
    "read_secret",
    "redact",
    "redact_data",
    "register_basic_auth",
    "register_named_secrets",
    "register_secret",
]
