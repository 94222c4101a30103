"""Tables that fit the terminal: each table declares its columns, the width decides what shows.

A column says how it may be drawn (its wrap policy), how narrow it may get and how much we want
to keep it. The layout gives FIXED and CLIP columns their natural width, the flexible ones
(WORDS, TEXT) what is left, and when that is not enough drops the column with the lowest `keep`
first, then the next, until the rest fits. Headers wrap only between words: a column is never
narrower than the longest word of its header. docs/tables.md lists each table's drop order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from earmark.safetext import terminal_text

if TYPE_CHECKING:  # Rich loads only when a table is drawn: every command imports this module
    from rich.console import Console
    from rich.text import Text

FIXED = "fixed"  # one line, never cut: ids, priority, SLA, age, counts, timestamps
CLIP = "clip"  # one line, cut with an ellipsis past max_width: names, queues, platforms
WORDS = "words"  # wraps between words, never inside one (up to max_width): lists, notes
TEXT = "text"  # takes the width that is left, on at most max_lines lines, ellipsis when cut
POLICIES = (FIXED, CLIP, WORDS, TEXT)
ALWAYS = 1000  # keep value of a column that is never dropped
ELLIPSIS = "…"
DEFAULT_CLIP = 20
DEFAULT_WORD = 30  # WORDS: longer words than this fold (hostile input), shorter ones never do


def cell_len(text: str) -> int:
    """Return how many terminal cells text takes (CJK and emoji take two)."""
    from rich.cells import cell_len as measure

    return measure(text)


@dataclass(frozen=True)
class Column:
    """One column of a table: the record key, its header, how it wraps and how much it matters."""

    key: str
    header: str | None = None  # default: the key with spaces for underscores
    wrap: str = WORDS
    keep: int = ALWAYS  # dropped lowest first when the terminal is too narrow
    min_width: int = 0  # WORDS/TEXT: the narrowest it may get (never below its header's words)
    max_width: int | None = None  # CLIP: cut past this; WORDS: the longest unbroken word
    max_lines: int | None = 2  # TEXT only
    justify: str = "left"

    def __post_init__(self) -> None:
        if self.wrap not in POLICIES:
            raise ValueError(f"{self.key}: unknown wrap policy {self.wrap!r}")

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key.replace("_", " ")

    @property
    def header_min(self) -> int:
        """The width under which the header would split inside a word."""
        return max((cell_len(word) for word in self.title.split()), default=0)


@dataclass(frozen=True)
class TableSpec:
    """The columns of one table, in display order."""

    name: str
    columns: tuple[Column, ...]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def drop_order(self) -> list[str]:
        """Return the keys of the columns a narrow terminal drops, first dropped first."""
        droppable = [(c.keep, -i, c.key) for i, c in enumerate(self.columns) if c.keep < ALWAYS]
        return [key for _, _, key in sorted(droppable)]


def generic_spec(keys: Sequence[str]) -> TableSpec:
    """A table nobody declared: every column kept, wrapping between words."""
    return TableSpec("generic", tuple(Column(str(k)) for k in keys))


@dataclass
class Layout:
    """The columns shown and their widths (in terminal cells), and the ones dropped."""

    widths: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def table_overhead(count: int) -> int:
    """Cells a Rich table with edges and one cell of padding adds around count columns."""
    return 3 * count + 1 if count else 0


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def _bounds(column: Column, cells: list[str]) -> tuple[int, int]:
    """Return (narrowest, widest wanted) for a column holding cells.

    The narrowest keeps every header word whole (the header may wrap between words), FIXED
    cells whole and WORDS cells' words whole; the widest shows the header on one line and,
    for WORDS and TEXT, each cell on one line. A declared min_width never exceeds the content.
    """
    content = max((cell_len(cell) for cell in cells), default=0)
    header = cell_len(column.title)
    if column.wrap == FIXED:
        return max(content, column.header_min), max(content, header)
    if column.wrap == CLIP:
        clipped = min(content, column.max_width or DEFAULT_CLIP)
        return max(clipped, column.header_min), max(clipped, header)
    narrowest = min(column.min_width or (20 if column.wrap == TEXT else 0), content)
    if column.wrap == WORDS:
        word = max((_longest_word(c) for c in cells), default=0)
        narrowest = max(narrowest, min(word, column.max_width or DEFAULT_WORD))
    low = max(narrowest, column.header_min)
    return low, max(low, content, header)


def plan_layout(spec: TableSpec, rows: Sequence[Mapping[str, str]], width: int) -> Layout:
    """Choose the columns that fit width and their widths; drop the least kept first."""
    bounds = {c.key: _bounds(c, [row.get(c.key, "") for row in rows]) for c in spec.columns}
    kept = list(spec.columns)
    dropped: list[str] = []
    order = spec.drop_order()

    def needed(columns: list[Column]) -> int:
        return table_overhead(len(columns)) + sum(bounds[c.key][0] for c in columns)

    while needed(kept) > width and order:
        key = order.pop(0)
        kept = [c for c in kept if c.key != key]
        dropped.append(key)
    widths = {c.key: bounds[c.key][0] for c in kept}
    spare = width - needed(kept)
    if spare < 0:  # only never-dropped columns are left and they still do not fit
        spare = _squeeze(kept, widths, -spare)
    # What is left goes first to headers that would wrap (a few cells each, most kept first),
    # then is shared: TEXT columns take three cells for each one a WORDS column takes.
    for column in sorted(kept, key=lambda c: -c.keep):
        if column.wrap in (FIXED, CLIP):
            want = bounds[column.key][1] - widths[column.key]
            if 0 < want <= spare:
                widths[column.key] += want
                spare -= want
    growing = [c for c in kept if c.wrap in (TEXT, WORDS)]
    while spare > 0:
        hungry = [c for c in growing if widths[c.key] < bounds[c.key][1]]
        if not hungry:
            break
        for column in hungry:
            want = bounds[column.key][1] - widths[column.key]
            step = min(3 if column.wrap == TEXT else 1, spare, want)
            widths[column.key] += step
            spare -= step
            if not spare:
                break
    return Layout(widths=widths, dropped=dropped)


SQUEEZE_ORDER = (TEXT, WORDS, CLIP)  # FIXED columns are never narrowed
NARROWEST_TEXT = 8


def _squeeze(kept: list[Column], widths: dict[str, int], deficit: int) -> int:
    """Narrow the flexible columns, text first, towards their header's longest word (text:
    NARROWEST_TEXT cells) until deficit cells are saved; return the cells still missing (<= 0)."""
    for policy in SQUEEZE_ORDER:
        for column in kept:
            if column.wrap != policy:
                continue
            floor = column.header_min
            if policy == TEXT:
                floor = max(floor, NARROWEST_TEXT)
            cut = min(deficit, max(0, widths[column.key] - floor))
            widths[column.key] -= cut
            deficit -= cut
    return -deficit


def to_cell(value: Any) -> str:
    """Return a value as the one line a cell shows, without control or bidi characters."""
    import json

    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    return " ".join(terminal_text(str(value), one_line=True).split())


def _text_cell(text: str, width: int, max_lines: int | None, console: Console) -> Text:
    """Wrap text to width on at most max_lines lines, the last cut with an ellipsis."""
    from rich.text import Text

    lines = list(Text(text).wrap(console, width, overflow="fold"))
    for line in lines:
        line.rstrip()  # in place: the space a line broke at
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1].truncate(width - 1)
        lines[-1].append(ELLIPSIS)
    return Text("\n").join(lines)


def render_table(
    spec: TableSpec,
    records: Sequence[Mapping[str, Any]],
    console: Console,
    *,
    title: str | None = None,
) -> Layout:
    """Print records as spec's table, fitted to console.width; return the layout used."""
    from rich.table import Table
    from rich.text import Text

    rows = [{c.key: to_cell(record.get(c.key)) for c in spec.columns} for record in records]
    layout = plan_layout(spec, rows, console.width)
    table = Table(
        title=None if title is None else Text(terminal_text(title, one_line=True)),
        title_justify="left",
        show_lines=False,
    )
    shown = [c for c in spec.columns if c.key in layout.widths]
    for column in shown:
        table.add_column(
            Text(terminal_text(column.title)),
            width=layout.widths[column.key],
            justify=column.justify,  # type: ignore[arg-type]
            overflow="fold",  # headers and over-long words only: cells are cut below
        )
    for row in rows:
        table.add_row(*(_cell(column, row[column.key], layout, console) for column in shown))
    console.print(table)
    return layout


def _cell(column: Column, value: str, layout: Layout, console: Console) -> Text:
    from rich.text import Text

    width = layout.widths[column.key]
    if column.wrap in (FIXED, CLIP):
        return Text(value, no_wrap=True, overflow="ellipsis")
    if column.wrap == TEXT:
        return _text_cell(value, width, column.max_lines, console)
    return Text(value, overflow="fold")


def terminal_width(out: IO) -> int | None:
    """The terminal's width for a terminal (Rich finds it), 160 columns for anything else."""
    return None if getattr(out, "isatty", lambda: False)() else 160


def write_spec_table(
    spec: TableSpec,
    records: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    out: IO,
) -> Layout:
    """Print records as spec's table on out, at the terminal's width."""
    from rich.console import Console

    console = Console(file=out, width=terminal_width(out), soft_wrap=False)
    return render_table(spec, records, console, title=title)
