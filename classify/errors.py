"""Errors of the classify package; the CLI prints them as one line."""

from __future__ import annotations

from earmark.errors import EarmarkError


class ClassifyError(EarmarkError):
    """Raised for unusable classifier input or configuration."""


class EvaluateError(ClassifyError):
    """Raised for an unreadable labeled file; the message names the file and line."""
