"""Keep a Bluesky session between runs in a file only the user can read.

createSession is rate limited (about 30 per 5 minutes and 300 a day per account): a cron run
every 5 minutes that logs in each time gets close. The session's tokens are kept instead, and
refreshed with refreshSession when they expire.

The tokens are secrets: never in the database, never printed. They live in
`$XDG_STATE_HOME/earmark/bluesky-session.json` (default `~/.local/state/earmark/`), or the
source's `session_file`, written with mode 0600 in a directory made 0700. A file that others
may read (or that belongs to someone else) is not used: the run logs in as before and says how
to fix it. Every token read back is registered as a secret, so it is scrubbed from any output.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from earmark.secrets import register_secret

log = logging.getLogger("earmark.listen.bluesky")

FILE_NAME = "bluesky-session.json"
_KEYS = ("accessJwt", "refreshJwt", "did", "handle")


def default_session_path(env: Mapping[str, str]) -> Path | None:
    """Return where sessions are kept: $XDG_STATE_HOME/earmark, else ~/.local/state/earmark.

    None when the environment has neither XDG_STATE_HOME nor HOME (nothing is kept then).
    """
    state = env.get("XDG_STATE_HOME")
    if state and os.path.isabs(state):
        return Path(state) / "earmark" / FILE_NAME
    home = env.get("HOME")
    if home and os.path.isabs(home):
        return Path(home) / ".local" / "state" / "earmark" / FILE_NAME
    return None


def token_expiry(jwt: str | None) -> float | None:
    """Return the `exp` (epoch seconds) of a JWT's payload, or None if it has none."""
    try:
        payload = jwt.split(".")[1]  # type: ignore[union-attr]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp")
    except (AttributeError, IndexError, ValueError, TypeError):
        return None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def expires_soon(jwt: str | None, now: float | None = None, margin: float = 60.0) -> bool:
    """Return True when a JWT says it expires within `margin` seconds (False if it does not say)."""
    exp = token_expiry(jwt)
    return exp is not None and exp - margin <= (time.time() if now is None else now)


class SessionFile:
    """The session file: one entry per account (service URL and handle), mode 0600."""

    def __init__(self, path: Path | None):
        self.path = path
        self.refused: str | None = None  # why the file is not used, once said

    def _private(self) -> bool:
        """Return True if the file may be used: absent, or ours and unreadable by others."""
        if self.path is None or self.refused:
            return False
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return True
        except OSError as error:
            return self._refuse(f"cannot be read ({error.strerror})")
        if not stat.S_ISREG(info.st_mode):
            return self._refuse("is not a regular file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return self._refuse("belongs to another user")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            return self._refuse(
                f"can be read by others (mode {mode:04o}); run `chmod 600 {self.path}`"
            )
        return True

    def _refuse(self, why: str) -> bool:
        self.refused = why
        log.warning(
            "bluesky: not keeping the session: %s %s; logging in on every run until fixed",
            self.path,
            why,
        )
        return False

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))  # type: ignore[union-attr]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            log.info("bluesky: ignoring unreadable session file %s (%s)", self.path, error)
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> dict[str, str] | None:
        """Return the kept tokens of this account, registered as secrets, or None."""
        if not self._private():
            return None
        entry = self._read_all().get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("accessJwt"), str):
            return None
        session = {name: entry[name] for name in _KEYS if isinstance(entry.get(name), str)}
        register_secret(session.get("accessJwt"))
        register_secret(session.get("refreshJwt"))
        return session

    def save(self, key: str, session: Mapping[str, Any] | None) -> None:
        """Keep (or with None, forget) this account's tokens; a failure only costs a login."""
        if not self._private():
            return
        entries = self._read_all()
        if session is None:
            if key not in entries:
                return
            entries.pop(key)
        else:
            entries[key] = {name: session[name] for name in _KEYS if session.get(name)}
        try:
            self._write(json.dumps(entries, indent=1, sort_keys=True))
        except OSError as error:
            log.warning(
                "bluesky: could not keep the session in %s (%s); check that directory",
                self.path,
                error.strerror or type(error).__name__,
            )

    def _write(self, text: str) -> None:
        folder = self.path.parent  # type: ignore[union-attr]
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file 0600; os.replace swaps it in whole, so a reader (or a
        # crash) never sees half a file and the mode is private from the first byte.
        handle, temporary = tempfile.mkstemp(prefix=".bluesky-session-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.path)  # type: ignore[arg-type]
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


# -- XRPC errors (400/401 bodies name the problem) ------------------------------------------


class XrpcError(Exception):
    """A 400/401 with an XRPC error body ({"error": "ExpiredToken", "message": ...})."""

    def __init__(self, name: str, message: str, status: int):
        super().__init__(name)
        self.name, self.message, self.status = name, message, status


def xrpc_error(response: requests.Response) -> tuple[str, str] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = body.get("message")
        return body["error"], message if isinstance(message, str) else ""
    return None


class XrpcSession:
    """Wrap a requests session so XRPC 400/401 errors reach the source with their names.

    The shared client reports every 400 alike and 401 as bad credentials; ExpiredToken must
    instead refresh the session, and BadQueryString deserves its own message.
    """

    def __init__(self, inner: requests.Session):
        self.inner = inner

    def get(self, url: str, **options: Any) -> requests.Response:
        response = self.inner.get(url, **options)
        if response.status_code in (400, 401):
            error = xrpc_error(response)
            if error and (response.status_code == 400 or error[0] == "ExpiredToken"):
                raise XrpcError(error[0], error[1], response.status_code)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


__all__ = [
    "SessionFile",
    "XrpcError",
    "XrpcSession",
    "xrpc_error",
    "default_session_path",
    "expires_soon",
    "token_expiry",
]
