"""Open a test's SQLite file directly, and close it again.

sqlite3's own context manager (`with sqlite3.connect(path) as conn:`) commits but never closes
the connection; Python 3.13 reports each one left for the garbage collector as a
ResourceWarning (an error under this suite's filterwarnings). This commits like sqlite3's own
context manager, then closes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def db_connect(path: Any, **options: Any) -> Iterator[sqlite3.Connection]:
    """Yield a connection to path; commit on success, roll back on error, always close."""
    conn = sqlite3.connect(path, **options)
    try:
        with conn:
            yield conn
    finally:
        conn.close()
