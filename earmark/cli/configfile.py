"""Load the config with the checks only the stages can make: each source's keys, query syntax."""

from __future__ import annotations

import os
from typing import Any

from earmark import config as core
from earmark.config import Config, StageChecks


def check_query(text: str, topic: str | None = None) -> None:
    """Raise ValueError with the parser's one-line message when a topic query does not parse."""
    from listen.query import QueryError, parse_query

    try:
        parse_query(text, topic=topic)
    except QueryError as error:
        raise ValueError(str(error)) from None


def check_model(path: str) -> None:
    """Raise ValueError with a one-line message when path is not a readable model file."""
    from classify.model import ModelError, check_model_file

    try:
        check_model_file(path)
    except ModelError as error:
        raise ValueError(str(error)) from None


def stage_checks() -> StageChecks:
    """The listen stage's source registry and query parser, for the config loader."""
    from listen.registry import SOURCE_NAMES, settings_class

    return StageChecks(
        source_names=tuple(SOURCE_NAMES),
        settings_class=settings_class,
        check_query=check_query,
        check_model=check_model,
    )


def parse_config(data: Any, origin: str = "<config>") -> Config:
    """Validate already-parsed YAML data into a Config; errors are prefixed with origin."""
    return core.parse_config(data, origin, checks=stage_checks())


def load_config(path: str | os.PathLike) -> Config:
    """Read and validate a YAML config file."""
    return core.load_config(path, checks=stage_checks())
