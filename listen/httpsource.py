"""What every HTTP source shares: its settings, the environment, the base URL and one client."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import ClassVar

from earmark.secrets import read_secret
from listen.http import HttpClient


class HttpSource:
    """Base of the HTTP sources: subclasses set `name`, `default_base_url` and `secret_keys`."""

    name: ClassVar[str]
    default_base_url: ClassVar[str] = ""
    # Settings that name an environment variable holding an (optional) credential.
    secret_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        settings,
        *,
        env: Mapping[str, str] = os.environ,
        http: HttpClient | None = None,
    ):
        self.settings = settings
        self.env = env
        self.base_url = (settings.base_url or self.default_base_url).rstrip("/")
        self.warnings: list[str] = []  # records skipped, one line each, drained by the runner
        self.http = http or HttpClient.for_settings(self.name, settings)

    def secret(self, key: str) -> str | None:
        """Return the value of the environment variable that setting `key` names, if set."""
        return read_secret(self.env, getattr(self.settings, key))

    def credentials(self) -> dict[str, bool]:
        """Return {ENV_VAR: is_set} for the credentials this source can use."""
        return {
            getattr(self.settings, key): bool(self.secret(key))
            for key in self.secret_keys
            if getattr(self.settings, key)
        }
