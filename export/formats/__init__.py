"""Export formats: the row model plus one module per format family (see FORMATS)."""

from __future__ import annotations

from earmark.errors import EarmarkError

FORMATS = ("table", "json", "jsonl", "csv", "markdown", "html", "slack", "email")
DIGEST_FORMATS = ("markdown", "html", "slack", "email")


class ExportError(EarmarkError):
    """An export cannot be produced (missing config, missing redaction support...)."""
