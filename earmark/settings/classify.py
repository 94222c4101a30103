"""Settings of the classification stage (the `classify:` section of the config)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IntentRule:
    """A custom intent from the config: any pattern (case-insensitive regex) matching adds it."""

    name: str
    patterns: list[str] = field(default_factory=list)
    score: float = 0.8


@dataclass
class ClassifySettings:
    """Thresholds, neutral terms, supported languages and custom intents of the classifier."""

    positive_threshold: float = 0.05
    negative_threshold: float = -0.05
    # Brand/product names and @handles that carry no sentiment; the caller adds topic terms.
    neutral_terms: list[str] = field(default_factory=list)
    # Languages the sentiment model supports; the first is assumed when detection is unsure.
    languages: list[str] = field(default_factory=lambda: ["en"])
    intents: list[IntentRule] = field(default_factory=list)
    batch_size: int = 2000
    # A team's model file (`earmark train`), relative to the config file: the learned layer on
    # top of the rules. None: the care rules alone.
    model: str | None = None
