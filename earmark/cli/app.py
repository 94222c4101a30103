"""The per-invocation context every command receives: config, store, clock and stderr."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import click

from earmark.cli.configfile import load_config
from earmark.config import Config, resolve_config_path, resolve_db_path
from earmark.configload import ConfigError
from earmark.dburl import is_postgres_url
from earmark.errors import EarmarkError
from earmark.models import parse_iso, utcnow
from earmark.progress import Progress
from earmark.store import Store


@dataclass
class App:
    """What a command needs: lazily loaded config and store, the clock, and stderr logging."""

    config_option: str | None = None
    db_option: str | None = None
    verbose: int = 0
    quiet: bool = False  # no progress bars, even on a terminal
    env: dict = field(default_factory=lambda: dict(os.environ))
    _config: Config | None = None
    _config_loaded: bool = False
    _store: Store | None = None

    @property
    def config_path(self) -> str | None:
        return resolve_config_path(self.config_option, self.env)

    @property
    def config(self) -> Config:
        """Return the config, or an empty one when no config file exists."""
        if not self._config_loaded:
            from earmark.secrets import register_named_secrets

            path = self.config_path
            self._config = load_config(path) if path else Config()
            self._config_loaded = True
            # Every credential the config names is scrubbed from whatever leaves from now on.
            register_named_secrets(self._config, self.env)
        return self._config

    def require_config(self) -> Config:
        """Return the config, or fail when there is no config file at all."""
        if self.config_path is None:
            raise ConfigError(
                "no config file: pass -c PATH, set EARMARK_CONFIG, or create earmark.yaml "
                "with `earmark init`"
            )
        return self.config

    @property
    def db_path(self) -> str:
        config = self.config if self.config_path else None
        path = resolve_db_path(self.db_option, config, self.env)
        if is_postgres_url(path):
            from earmark.dburl import url_password
            from earmark.redaction import register_secret

            register_secret(url_password(path))  # scrubbed from whatever leaves from now on
        return path

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path)
        return self._store

    @property
    def existing_store(self) -> Store:
        """Return the store of a database that exists: commands that only read never create one."""
        if self._store is None:
            path = self.db_path
            if path != ":memory:" and not is_postgres_url(path) and not os.path.exists(path):
                raise EarmarkError(
                    f"{path}: no such database; create it with `earmark run` (or `earmark "
                    "listen`), or point --db or EARMARK_DB at yours"
                )
        return self.store

    def configure_logging(self) -> None:
        """Send earmark's warnings to stderr, INFO too at -v and DEBUG at -vv, secrets scrubbed."""
        import logging

        from earmark.secrets import RedactingFilter

        # Other libraries' warnings reach stderr through logging's last-resort handler.
        last_resort = logging.lastResort
        if last_resort is not None and not any(
            isinstance(f, RedactingFilter) for f in last_resort.filters
        ):
            last_resort.addFilter(RedactingFilter())

        logger = logging.getLogger("earmark")
        for handler in [h for h in logger.handlers if getattr(h, "_earmark", False)]:
            logger.removeHandler(handler)
        handler = logging.StreamHandler(sys.stderr)
        handler._earmark = True
        handler.setFormatter(_SafeFormatter("%(message)s"))
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
        logger.propagate = False
        levels = {0: logging.WARNING, 1: logging.INFO}
        logger.setLevel(levels.get(self.verbose, logging.DEBUG))

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def now(self) -> datetime:
        """Return the current time (EARMARK_NOW pins it, for reproducible demos and tests)."""
        pinned = self.env.get("EARMARK_NOW")
        return parse_iso(pinned) if pinned else utcnow()

    def say(self, message: str) -> None:
        """Tell the person something on stderr (never stdout, which carries data), scrubbed."""
        from earmark.redaction import redact
        from earmark.safetext import terminal_text

        click.echo(terminal_text(redact(message)), err=True)

    def debug(self, message: str) -> None:
        """Say something on stderr only with -v."""
        if self.verbose:
            self.say(message)

    @property
    def stderr_is_tty(self) -> bool:
        return sys.stderr.isatty()

    @contextmanager
    def progress(self) -> Iterator[Progress]:
        """Progress bars on stderr while the block runs, only for a person at a terminal."""
        from earmark.cli.progress import make_progress

        shown = make_progress(stderr_is_tty=self.stderr_is_tty, quiet=self.quiet, env=self.env)
        try:
            yield shown
        finally:
            close = getattr(shown, "close", None)
            if close is not None:
                close()


class _SafeFormatter(logging.Formatter):
    """Log lines carry no control or bidi characters (they may quote a post or a server)."""

    def format(self, record: logging.LogRecord) -> str:
        from earmark.safetext import terminal_text

        return terminal_text(super().format(record))


pass_app = click.make_pass_decorator(App)
