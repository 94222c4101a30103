"""The source protocol every listener implements, and its shared settings and errors."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from earmark.errors import EarmarkError
from earmark.models import Post

if TYPE_CHECKING:
    from earmark.config import Topic


class SourceError(EarmarkError):
    """A source failed; the message is one line naming the source and what to do."""


class AuthError(SourceError):
    """The platform refused our credentials (401/403): not retried."""


class MissingCredentials(SourceError):
    """Credentials the source needs are not set in the environment."""


@dataclass
class SourceSettings:
    """Options every source takes (each source subclasses this with its own keys)."""

    # Report the source as unhealthy if it fails or returns nothing for longer than this.
    expect_every: str | None = None


@dataclass
class HttpSourceSettings(SourceSettings):
    """Options every HTTP source takes."""

    base_url: str | None = None
    timeout: float = 20.0  # seconds one whole response may take (headers and body)
    max_requests: int = 20  # request budget per run
    # Seconds a source may spend per run on failed attempts and the waits between retries.
    retry_time: float = 60.0
    max_body: int | str = "20MB"  # bigger responses fail the source (bytes, or e.g. 50MB)
    # Other hosts (`host` or `host:port`) redirects may lead to; by default only the same host.
    allow_redirect_hosts: list[str] = field(default_factory=list)


@dataclass
class Batch:
    """A page of posts and the cursor to store once they are saved."""

    posts: list[Post]
    cursor: str | None = None


class Source(Protocol):
    """A listener: fetch posts for a topic since the stored cursor, in batches."""

    name: ClassVar[str]
    settings_class: ClassVar[type[SourceSettings]]
    # Environment variables this source reads, by what they hold; required ones are listed in
    # `required_env`.
    env_keys: ClassVar[tuple[str, ...]] = ()
    note: ClassVar[str] = ""  # shown by `earmark sources` (e.g. "paid per post read")

    def __init__(self, settings: SourceSettings, *, env: Mapping[str, str] = os.environ): ...

    def credentials(self) -> dict[str, bool]:
        """Return {ENV_VAR_NAME: is_set} for the credentials this source can use."""

    def fetch(
        self,
        topic: Topic,
        cursor: str | None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield batches of posts for the topic newer than cursor/since, oldest batch first."""
