"""Opportunities, agents and events (owned by the queues work)."""

from __future__ import annotations


class QueuesMixin:
    pass
