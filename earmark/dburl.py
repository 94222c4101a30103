"""Where the database is: an SQLite file path, or a PostgreSQL URL (`postgresql://host/db`).

A PostgreSQL password comes only from the environment: $EARMARK_DATABASE_URL, or libpq's own
PGPASSWORD / ~/.pgpass. A URL is shown everywhere without its password (`display_url`).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from earmark.errors import EarmarkError

DATABASE_URL_ENV = "EARMARK_DATABASE_URL"
_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: object) -> bool:
    """Return True when location names a PostgreSQL database rather than an SQLite file."""
    text = str(location)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.lower() in _SCHEMES


def url_password(url: str) -> str | None:
    """Return the password written in a URL, or None (never raises)."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def has_password(url: str) -> bool:
    """Return True when the URL carries a password (user:password@host)."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return ":" in url.partition("@")[0]
    userinfo, at, _ = netloc.rpartition("@")
    return bool(at) and ":" in userinfo


def display_url(url: str) -> str:
    """Return the URL as it may be shown: the password removed (query options kept)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://(unreadable URL)"
    userinfo, at, host = parts.netloc.rpartition("@")
    if at:
        user = userinfo.partition(":")[0]
        netloc = f"{user}@{host}" if user else host
    else:
        netloc = host
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not pair.lower().startswith("password=")
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


PASSWORD_REFUSED = (
    f"a password in the database URL is refused; give it in ${DATABASE_URL_ENV}, PGPASSWORD "
    "or ~/.pgpass instead"
)


def written_password(url: str) -> bool:
    """Return True when a PostgreSQL URL carries a password (user:password@ or ?password=)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        query = ""
    return has_password(url) or any(p.lower().startswith("password=") for p in query.split("&"))


def refuse_written_password(url: str, where: str) -> None:
    """Refuse a PostgreSQL URL with a password where it is written down (a config, --db).

    The error never repeats the URL (it holds the password).
    """
    if is_postgres_url(url) and written_password(url):
        raise EarmarkError(f"{where}: {PASSWORD_REFUSED}")
