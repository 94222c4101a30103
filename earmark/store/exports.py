"""What was exported or delivered where (owned by the export work)."""

from __future__ import annotations


class ExportsMixin:
    pass
