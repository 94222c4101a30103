"""Read a Rich table back from what it printed: header words per column, rows, line widths.

The parsing relies only on the box characters of Rich's default table (┃ in the header, │ in
the body, ┡ between them), not on earmark's layout code.
"""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console


def console(width: int) -> Console:
    """A recording console of exactly width columns, writing to memory."""
    return Console(width=width, record=True, file=io.StringIO(), color_system=None)


def printed(con: Console) -> str:
    return con.export_text(styles=False)


def too_wide(text: str, width: int) -> list[str]:
    """Return the lines wider than width terminal cells."""
    return [line for line in text.splitlines() if cell_len(line) > width]


def _cells(line: str, bar: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip(bar).split(bar)]


def headers(text: str) -> list[str]:
    """Return each column's header as printed: its pieces from each header line, joined by a
    space (a header wrapped between words reads back whole; one split inside a word does not)."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    bottom = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    pieces: list[list[str]] = []
    for line in lines[top + 1 : bottom]:
        for index, cell in enumerate(_cells(line, "┃")):
            if len(pieces) <= index:
                pieces.append([])
            if cell:
                pieces[index].append(cell)
    return [" ".join(p) for p in pieces]


def body_rows(text: str, key_column: int = 0) -> list[list[list[str]]]:
    """Return the printed rows: each a list of lines, each line a list of cells. A row starts
    at a line whose key_column cell is not empty."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    rows: list[list[list[str]]] = []
    for line in lines[start + 1 :]:
        if not line.startswith("│"):
            break
        cells = _cells(line, "│")
        if cells[key_column] or not rows:
            rows.append([])
        rows[-1].append(cells)
    return rows
