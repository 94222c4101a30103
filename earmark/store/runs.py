"""Runs, locks and collector health."""

from __future__ import annotations


class RunsMixin:
    pass
