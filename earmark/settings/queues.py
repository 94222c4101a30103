"""What the queue stage reads: topics, queues, agents and routing (export/queues/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the section types are defined with the config they come from
    from earmark.config import Agent, Queue, Routing, Topic


@dataclass(frozen=True)
class QueueSettings:
    """The config sections routing, assignment, SLAs, agent actions and team metrics use."""

    topics: list[Topic]
    queues: list[Queue]
    agents: list[Agent]
    routing: Routing
