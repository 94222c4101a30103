"""The `file` source: import posts from JSONL or CSV files (or `-` for stdin), streamed.

Out of the box it reads earmark's own JSONL post format, snscrape's `--jsonl` tweets and the
CSV layout of the public "Customer Support on Twitter" dataset; `mapping` renames the columns
of any other tool's export. Bad rows are reported with their line number and skipped. The
cursor remembers how far the file was read (and a hash of what was read), so appended lines are
read by the next run and an unchanged file is not read again.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, ClassVar

from earmark.configload import FieldError
from listen.base import Batch, SourceError, SourceSettings
from listen.fileformats import (
    RowError,
    ThreadIndex,
    detect_layout,
    is_twcs_header,
    parse_native_id,
    to_post,
)
from listen.records import check_post, describe, nested_too_deep

FORMATS = ("auto", "jsonl", "csv")
BATCH_SIZE = 1000
HEAD_BYTES = 4096  # how much of the file start the cursor's identity hash covers
MAX_RECORD_LINES = 1000  # a quoted CSV field longer than this is taken as unterminated


@dataclass(kw_only=True)
class FileSettings(SourceSettings):
    """Options of the file source."""

    path: str  # a file, or "-" for stdin
    format: str = "auto"  # auto | jsonl | csv
    mapping: dict[str, str] = field(default_factory=dict)  # input column -> post field
    platform: str = "file"  # platform of rows that do not name one

    def validate(self) -> None:
        if not self.path:
            raise FieldError("path", "give a file path, or - for stdin")
        if self.format not in FORMATS:
            raise FieldError("format", f"must be one of {', '.join(FORMATS)}, not {self.format!r}")
        from listen.fileformats import POST_FIELDS

        for column, target in self.mapping.items():
            if target not in POST_FIELDS:
                raise FieldError(
                    f"mapping.{column}",
                    f"unknown post field {target!r}; known: {', '.join(POST_FIELDS)}",
                )


@dataclass
class _Cursor:
    offset: int = 0
    line: int = 0
    head: str = ""

    def dump(self) -> str:
        return json.dumps({"offset": self.offset, "line": self.line, "head": self.head})

    @classmethod
    def load(cls, value: str | None) -> _Cursor | None:
        if not value:
            return None
        try:
            data = json.loads(value)
            return cls(int(data["offset"]), int(data["line"]), str(data["head"]))
        except (ValueError, KeyError, TypeError):
            return None


class FileSource:
    """Read posts from a JSONL or CSV file, or from stdin."""

    name: ClassVar[str] = "file"
    settings_class: ClassVar[type[SourceSettings]] = FileSettings
    env_keys: ClassVar[tuple[str, ...]] = ()
    note: ClassVar[str] = "JSONL/CSV import; reads appended lines on the next run"
    # One read of the file serves every topic: the runner fetches once, with topic None.
    topic_independent: ClassVar[bool] = True
    posts_checked: ClassVar[bool] = True  # check_post runs here, to name each bad line

    def __init__(
        self,
        settings: FileSettings,
        *,
        env: Mapping[str, str] = os.environ,
        stdin: BinaryIO | None = None,
    ):
        self.settings = settings
        self.env = env
        self._stdin = stdin
        self.warnings: list[str] = []  # bad rows, drained by the runner after each batch
        self.skipped = 0

    def credentials(self) -> dict[str, bool]:
        """Return {}: the file source needs no credentials."""
        return {}

    @classmethod
    def resolve_settings(cls, settings: FileSettings, base_dir: str | None) -> FileSettings:
        """Return settings whose relative path is taken from the config file's directory."""
        path = settings.path
        if path == "-" or os.path.isabs(path) or not base_dir:
            return settings
        return dataclasses.replace(settings, path=os.path.join(base_dir, path))

    def fetch(
        self,
        topic=None,
        cursor: str | None = None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Batch]:
        """Yield batches of posts read after the cursor (topic is ignored: one read serves all)."""
        path = self.settings.path
        if path == "-":
            stream = self._stdin or sys.stdin.buffer
            yield from self._read(_Lines(stream), since=since, limit=limit, seekable=False)
            return
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed in the finally below
        except FileNotFoundError:
            raise SourceError(f"file: {path}: no such file (check sources.file.path)") from None
        except OSError as error:
            raise SourceError(f"file: {path}: cannot open ({error.strerror})") from None
        try:
            start = _resume_point(stream, _Cursor.load(cursor))
            if start.offset == os.fstat(stream.fileno()).st_size:
                return  # nothing appended since the last run
            lines = _Lines(stream, start)
            yield from self._read(lines, since=since, limit=limit, seekable=True)
        finally:
            stream.close()

    def _read(
        self, lines: _Lines, *, since: datetime | None, limit: int | None, seekable: bool
    ) -> Iterator[Batch]:
        fmt = self.settings.format
        if fmt == "auto":
            fmt = _guess_format(self.settings.path, lines)
        mapping = self.settings.mapping
        threads = None
        if fmt == "csv":
            records = _csv_records(lines)
            header = next(records)  # the column names come first
            if not mapping and is_twcs_header(header):
                threads = ThreadIndex()
                if seekable:
                    _index_threads(self.settings.path, threads)
        else:
            records = _jsonl_records(lines, hold_partial=seekable)
        posts, taken = [], 0
        for record in records:
            if isinstance(record, RowError):
                self._skip(record.line, record.reason)
                continue
            line_no, row = record
            layout = detect_layout(row, mapping)
            if threads is not None and layout == "twcs" and not seekable:
                # stdin is read once: threads resolve through the rows already seen
                native = parse_native_id(row.get("tweet_id"))
                threads.add(native, parse_native_id(row.get("in_response_to_tweet_id")))
            try:
                post = to_post(row, layout, self.settings.platform, mapping, threads)
            except RowError as error:
                self._skip(line_no, error.reason)
                continue
            post.source = self.name
            problem = check_post(post)
            if problem is not None:
                self._skip(line_no, f"record {describe(post)}: {problem}")
                continue
            if since is not None and post.created_at < since:
                continue
            posts.append(post)
            taken += 1
            done = limit is not None and taken >= limit
            if len(posts) >= BATCH_SIZE or done:
                yield Batch(posts, lines.cursor() if seekable else None)
                posts = []
            if done:
                return
        if posts or lines.consumed:
            yield Batch(posts, lines.cursor() if seekable else None)

    def _skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        self.warnings.append(f"line {line}: {reason}")


def _hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


def _head(stream: BinaryIO, offset: int) -> str:
    """Hash the start of the file as far as `offset`: the identity the cursor checks."""
    return _hash(os.pread(stream.fileno(), min(offset, HEAD_BYTES), 0))


def _resume_point(stream: BinaryIO, cursor: _Cursor | None) -> _Cursor:
    """Continue from cursor if the bytes it covered are unchanged, else from the start."""
    size = os.fstat(stream.fileno()).st_size
    if cursor is None or cursor.offset > size or _head(stream, cursor.offset) != cursor.head:
        return _Cursor()
    return cursor


def _index_threads(path: str, threads: ThreadIndex) -> None:
    """Read every reply link of a Customer Support on Twitter file (a first, light pass)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as text:
        reader = csv.reader(text, strict=False)
        header = next(reader, [])
        try:
            tweet_col = header.index("tweet_id")
            parent_col = header.index("in_response_to_tweet_id")
        except ValueError:
            return
        width = max(tweet_col, parent_col)
        for row in reader:
            if len(row) > width:
                threads.add(parse_native_id(row[tweet_col]), parse_native_id(row[parent_col]))


class _Lines:
    """Physical lines of a binary stream with their numbers, tracking the byte offset."""

    def __init__(self, stream: BinaryIO, start: _Cursor | None = None):
        start = start or _Cursor()
        self.stream = stream
        self.offset = start.offset
        self.line = start.line
        self.consumed = False  # whether any line was read in this run
        self.header: bytes | None = None  # a CSV file's header, re-read when resuming
        self._pushed: list[bytes] = []
        # The last run ended on a whole JSON object with no newline after it: what comes
        # first now (its newline, at least) belongs to that line, not to a new one.
        self._continues = False
        self._counted = False  # whether the line just read started a new line number
        if start.offset:
            stream.seek(0)
            self.header = stream.readline()
            stream.seek(start.offset)
            self._continues = os.pread(stream.fileno(), 1, start.offset - 1) != b"\n"

    def peek(self) -> bytes:
        """Return the next line without consuming it (b'' at the end)."""
        if not self._pushed:
            self._pushed.append(self.stream.readline())
        return self._pushed[0]

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        while True:
            raw = self._pushed.pop() if self._pushed else self.stream.readline()
            if not raw:
                return
            self.consumed = True
            self.offset += len(raw)
            counted = not self._continues
            self._continues = False
            if counted:
                self.line += 1
            elif not raw.strip():
                continue
            self._counted = counted
            yield self.line, raw

    def unread(self, raw: bytes) -> None:
        """Give back the line just read (the last one): the cursor stays before it."""
        self.offset -= len(raw)
        self.line -= self._counted
        self._continues = not self._counted

    def cursor(self) -> str:
        return _Cursor(self.offset, self.line, _head(self.stream, self.offset)).dump()


def _guess_format(path: str, lines: _Lines) -> str:
    lower = path.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json", ".jsonl.txt")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv")):
        return "csv"
    first = lines.header if lines.header is not None else lines.peek()
    return "jsonl" if first.lstrip(b"\xef\xbb\xbf \t").startswith(b"{") else "csv"


def _decode(line_no: int, raw: bytes) -> str | RowError:
    if b"\x00" in raw:
        return RowError(line_no, "contains a NUL byte")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return RowError(line_no, f"invalid UTF-8 at byte {error.start + 1}")
    if line_no == 1:
        text = text.removeprefix("\ufeff")
    return text


def _jsonl_records(
    lines: _Lines, hold_partial: bool = False
) -> Iterator[tuple[int, dict] | RowError]:
    """Yield records or row errors; with hold_partial an unfinished last line is left unread.

    A last line without its newline that is a whole JSON object is read (files written by
    hand often end so); one that is not is taken as half-written and read by the next run.
    """
    for line_no, raw in lines:
        text = _decode(line_no, raw)
        if isinstance(text, RowError):
            yield text
            continue
        text = text.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            if hold_partial and not raw.endswith(b"\n"):
                lines.unread(raw)  # a writer is still appending it: read it once complete
                return
            # json's "Unterminated string starting at" already ends with "at"
            what = error.msg.removesuffix(" at")
            yield RowError(line_no, f"invalid JSON ({what} at column {error.colno})")
            continue
        except RecursionError:
            yield RowError(line_no, "invalid JSON (nested too deep)")
            continue
        except ValueError:  # the only other one: an integer of more than 4300 digits
            yield RowError(line_no, "invalid JSON (a number too long to read)")
            continue
        if nested_too_deep(data, text):
            yield RowError(line_no, "invalid JSON (nested too deep)")
            continue
        if not isinstance(data, dict):
            yield RowError(line_no, "not a JSON object")
            continue
        yield line_no, data


def _csv_records(lines: _Lines) -> Iterator[list[str] | tuple[int, dict] | RowError]:
    """Yield the header (a list of column names) first, then records or row errors."""
    header: list[str] | None = None
    if lines.header is not None:
        decoded = _decode(1, lines.header)
        header = _parse_csv_line(decoded) if isinstance(decoded, str) else []
        yield header
    pending: list[str] = []
    first_line = 0
    for line_no, raw in lines:
        text = _decode(line_no, raw)
        if isinstance(text, RowError):
            if pending:  # the broken line is inside a quoted field: drop the whole record
                yield RowError(first_line, f"{text.reason} (line {line_no})")
                pending = []
            else:
                yield text
            continue
        if not pending:
            first_line = line_no
        pending.append(text)
        record = "".join(pending)
        if record.count('"') % 2:
            if len(pending) < MAX_RECORD_LINES:
                continue  # a quoted field goes on over the next line
            pending = []
            yield RowError(first_line, "unterminated quoted field")
            continue
        pending = []
        if not record.strip():
            continue
        values = _parse_csv_line(record)
        if header is None:
            header = [value.strip() for value in values]
            yield header
            continue
        if len(values) != len(header):
            yield RowError(first_line, f"expected {len(header)} columns, found {len(values)}")
            continue
        yield first_line, dict(zip(header, values, strict=True))
    if header is None:
        yield []
    if pending:
        yield RowError(first_line, "unterminated quoted field at the end of the file")


def _parse_csv_line(record: str) -> list[str]:
    rows = list(csv.reader([record], strict=False))
    return rows[0] if rows else []
