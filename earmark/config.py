"""Load `earmark.yaml` into validated dataclasses (see config.example.yaml for every key)."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from earmark.configload import ConfigError, FieldError, load_dataclass
from earmark.dburl import (
    DATABASE_URL_ENV,
    PASSWORD_REFUSED,
    is_postgres_url,
    refuse_written_password,
    written_password,
)
from earmark.models import INTENTS, SENTIMENTS, TOPIC_KINDS, parse_duration
from earmark.settings.alerts import AlertSettings, AlertStageSettings
from earmark.settings.classify import ClassifySettings
from earmark.settings.listen import ListenSettings
from earmark.settings.queues import QueueSettings

DEFAULT_CONFIG = "earmark.yaml"
DEFAULT_DB = "earmark.db"
STRATEGIES = ("least_loaded", "round_robin", "manual")
AGENT_MODELS = ("designated", "blended")
AGENT_ROLES = ("agent", "expert")
_TERM_DECORATION = re.compile(r'^[@#"\']+|["\'*]+$')


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise FieldError(key, f"must be one of {', '.join(choices)}, not {value!r}")


def _check_duration(key: str, value: str | None) -> None:
    if value is None:
        return
    try:
        parse_duration(value)
    except ValueError as error:
        raise FieldError(key, str(error)) from None


@dataclass
class Topic:
    """What to listen for: any of `terms`, all of `all`, none of `exclude`, or a `query`."""

    name: str
    kind: str = "brand"
    terms: list[str] = field(default_factory=list)
    all: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    query: str | None = None
    should_match: list[str] = field(default_factory=list)
    should_not_match: list[str] = field(default_factory=list)

    def validate(self) -> None:
        _check_choice("kind", self.kind, TOPIC_KINDS)
        if not self.terms and not self.query:
            raise FieldError("terms", "give at least one term (or a query)")
        # The query's syntax is the listen stage's to check: see StageChecks.


@dataclass
class QueueMatch:
    """The rule that puts an opportunity in a queue; every given condition must hold."""

    kinds: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    sentiments: list[str] = field(default_factory=list)
    opportunities: list[str] = field(default_factory=list)
    min_priority: int = 0
    platforms: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    def validate(self) -> None:
        for kind in self.kinds:
            _check_choice("kinds", kind, TOPIC_KINDS)
        for sentiment in self.sentiments:
            _check_choice("sentiments", sentiment, SENTIMENTS)
        for opportunity in self.opportunities:
            _check_choice("opportunities", opportunity, ("support", "sales", "advocacy"))


@dataclass
class Queue:
    """An agent queue: a matching rule, a first-response SLA and an assignment strategy."""

    name: str
    match: QueueMatch = field(default_factory=QueueMatch)
    sla: str = "4h"
    strategy: str = "least_loaded"

    def validate(self) -> None:
        _check_choice("strategy", self.strategy, STRATEGIES)
        _check_duration("sla", self.sla)


@dataclass
class Agent:
    """A person who answers: queues or skills, languages, capacity and working model."""

    name: str
    queues: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["en"])
    capacity: int = 10
    model: str = "designated"
    share: float = 1.0
    active: bool = True
    role: str = "agent"

    def validate(self) -> None:
        _check_choice("model", self.model, AGENT_MODELS)
        _check_choice("role", self.role, AGENT_ROLES)
        if self.capacity < 0:
            raise FieldError("capacity", "must be 0 or more")
        if not 0 < self.share <= 1:
            raise FieldError("share", "must be above 0 and at most 1")


@dataclass
class Routing:
    """Queue-wide routing behaviour."""

    # An assigned item nobody has claimed or answered in this time goes back to the pool.
    return_after: str = "1h"
    # The last fraction of an SLA window in which an item is "at risk".
    at_risk_fraction: float = 0.2
    # Resolving an item nobody answered counts as its first response (for the SLA and metrics).
    resolve_counts_as_response: bool = True

    def validate(self) -> None:
        _check_duration("return_after", self.return_after)


@dataclass
class SlackNotify:
    webhook_env: str = "EARMARK_SLACK_WEBHOOK"
    min_priority: int = 0
    queues: list[str] = field(default_factory=list)


@dataclass
class EmailNotify:
    smtp_host: str = "localhost"
    smtp_port: int = 25
    security: str = "none"  # none | starttls | tls
    user: str | None = None
    password_env: str | None = None
    sender: str = field(default="earmark@localhost", metadata={"key": "from"})
    to: list[str] = field(default_factory=list)
    subject: str = "earmark: {count} new support opportunities"
    min_priority: int = 0
    queues: list[str] = field(default_factory=list)

    def validate(self) -> None:
        _check_choice("security", self.security, ("none", "starttls", "tls"))


@dataclass
class WebhookNotify:
    url_env: str = "EARMARK_WEBHOOK_URL"
    min_priority: int = 0
    queues: list[str] = field(default_factory=list)
    # Names the variable holding the secret that signs each body (X-Earmark-Signature).
    signing_secret_env: str | None = None
    # Opportunities per request: at most this many are sent again after a badly timed kill.
    batch_size: int = 20

    def validate(self) -> None:
        from earmark.secrets import check_env_names

        check_env_names(self, ["url_env", "signing_secret_env"])
        if not 1 <= self.batch_size <= 1000:
            raise FieldError("batch_size", "must be between 1 and 1000")


@dataclass
class Notify:
    slack: SlackNotify | None = None
    email: EmailNotify | None = None
    webhook: WebhookNotify | None = None


@dataclass
class Config:
    """The whole configuration."""

    database: str | None = None
    topics: list[Topic] = field(default_factory=list)
    sources: dict[str, Any] = field(default_factory=dict)
    classify: ClassifySettings = field(default_factory=ClassifySettings)
    queues: list[Queue] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    routing: Routing = field(default_factory=Routing)
    notify: Notify = field(default_factory=Notify)
    alerts: AlertSettings | None = None  # no alerts: section, no alerts
    path: str | None = field(default=None, init=False)

    def validate(self) -> None:
        if self.database and is_postgres_url(self.database) and written_password(self.database):
            raise FieldError("database", PASSWORD_REFUSED)
        _unique("topics", [t.name for t in self.topics])
        _unique("queues", [q.name for q in self.queues])
        _unique("agents", [a.name for a in self.agents])
        queue_names = {q.name for q in self.queues}
        for i, agent in enumerate(self.agents):
            for name in agent.queues:
                if name not in queue_names:
                    raise FieldError(f"agents[{i}].queues", f"unknown queue {name!r}")
        for i, queue in enumerate(self.queues):
            for intent in queue.match.intents:
                if intent not in INTENTS and intent not in {r.name for r in self.classify.intents}:
                    raise FieldError(f"queues[{i}].match.intents", f"unknown intent {intent!r}")

    def classify_settings(self) -> ClassifySettings:
        """Return the classify stage's settings: every topic's terms added as neutral terms."""
        settings = self.classify
        terms = list(settings.neutral_terms)
        for topic in self.topics:
            for term in [*topic.terms, *topic.all]:
                bare = _TERM_DECORATION.sub("", term).strip()
                if bare and bare.lower() not in (t.lower() for t in terms):
                    terms.append(bare)
        return dataclasses.replace(settings, neutral_terms=terms)

    def listen_settings(self) -> ListenSettings:
        """Return the listen stage's settings: the sources, the topics, where the config is."""
        return ListenSettings(sources=self.sources, topics=self.topics, path=self.path)

    def queue_settings(self) -> QueueSettings:
        """Return the queue stage's settings: topics, queues, agents and routing."""
        return QueueSettings(
            topics=self.topics, queues=self.queues, agents=self.agents, routing=self.routing
        )

    def alert_settings(self) -> AlertStageSettings:
        """Return the alerts stage's settings: its section, notifiers, and the names it checks."""
        return AlertStageSettings(
            alerts=self.alerts,
            notify=self.notify,
            topics=self.topics,
            queues=self.queues,
            classify=self.classify,
        )

    def topic(self, name: str) -> Topic:
        for topic in self.topics:
            if topic.name == name:
                return topic
        raise ConfigError(f"unknown topic {name!r}")


def _unique(key: str, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise FieldError(key, f"duplicate name {name!r}")
        seen.add(name)


@dataclass(frozen=True)
class StageChecks:
    """What only the stages know, handed to the loader by the application (cli/configfile.py)."""

    source_names: Sequence[str]
    # The settings dataclass of a source, by name.
    settings_class: Callable[[str], type]
    # Raise ValueError, with a one-line message, when a topic's query does not parse.
    # (the query, the topic's name).
    check_query: Callable[[str, str], None]
    # Raise ValueError, with a one-line message, when classify.model is not a model file.
    check_model: Callable[[str], None] | None = None


def parse_config(data: Any, origin: str = "<config>", *, checks: StageChecks) -> Config:
    """Validate already-parsed YAML data into a Config; errors are prefixed with origin."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys")
    try:
        config = load_dataclass(Config, data)
        _check_queries(config.topics, checks)
        _resolve_model(config.classify, origin, checks)
        config.sources = _load_sources(config.sources, checks)
    except ConfigError as error:
        raise ConfigError(f"{origin}: {error}") from None
    config.path = origin
    return config


def _check_queries(topics: list[Topic], checks: StageChecks) -> None:
    for i, topic in enumerate(topics):
        if topic.query:
            try:
                checks.check_query(topic.query, topic.name)
            except ValueError as error:
                raise ConfigError(f"topics[{i}].query: {error}") from None


def _resolve_model(settings: ClassifySettings, origin: str, checks: StageChecks) -> None:
    """Make classify.model relative to the config file's folder and check it is a model file."""
    if not settings.model:
        settings.model = None
        return
    path = Path(settings.model).expanduser()
    if not path.is_absolute() and origin != "<config>":
        path = Path(origin).parent / path
    settings.model = str(path)
    if checks.check_model is not None:
        try:
            checks.check_model(settings.model)
        except ValueError as error:
            raise ConfigError(f"classify.model: {error}") from None


def _load_sources(sources: dict[str, Any], checks: StageChecks) -> dict[str, Any]:
    """Validate each listed source's options against that source's settings class."""
    names = list(checks.source_names)
    loaded = {}
    for name, options in sources.items():
        if name not in names:
            import difflib

            hint = difflib.get_close_matches(name, names, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(
                f"sources.{name}: unknown source{suggestion}; known: {', '.join(names)}"
            )
        loaded[name] = load_dataclass(checks.settings_class(name), options, f"sources.{name}")
    return loaded


def load_config(path: str | os.PathLike, *, checks: StageChecks) -> Config:
    """Read and validate a YAML config file."""
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{origin}: config file not found (create one with `earmark init`)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{origin}: cannot read config ({error})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{origin}: invalid YAML{where}: {problem}") from None
    return parse_config(data, origin, checks=checks)


def resolve_config_path(option: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """Pick the config: -c/--config, then $EARMARK_CONFIG, then ./earmark.yaml if present."""
    env = os.environ if env is None else env
    if option:
        return option
    if env.get("EARMARK_CONFIG"):
        return env["EARMARK_CONFIG"]
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None


def resolve_db_path(
    option: str | None, config: Config | None, env: Mapping[str, str] | None = None
) -> str:
    """Pick the database: --db, $EARMARK_DB, $EARMARK_DATABASE_URL, the config's `database`,
    then ./earmark.db. A PostgreSQL URL on the command line may not carry a password."""
    env = os.environ if env is None else env
    if option:
        refuse_written_password(option, "--db")
        return option
    if env.get("EARMARK_DB"):
        return env["EARMARK_DB"]
    if env.get(DATABASE_URL_ENV):
        return env[DATABASE_URL_ENV]
    if config is not None and config.database:
        if is_postgres_url(config.database):
            return config.database
        base = Path(config.path).parent if config.path and config.path != "<config>" else Path()
        return str(base / config.database)
    return DEFAULT_DB
