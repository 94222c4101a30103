"""CSV that spreadsheets cannot execute: formula cells neutralised, rows ending in LF."""

from __future__ import annotations

import csv
from typing import IO, Any

from earmark.safetext import starts_formula


def safe_csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: prefix with ' a text cell whose first visible character
    is = + - or @ (also fullwidth, or behind spaces and zero-width characters), or that starts
    with a tab or CR. Numbers stay numbers. NUL characters are dropped: spreadsheets end the
    cell there, and Python 3.10's csv module cannot write one."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        if starts_formula(value):
            return "'" + value
    return value


class _LineFeedRows:
    """Hand csv rows written with CRLF line ends to out with LF line ends (one write per row)."""

    def __init__(self, out: IO):
        self._out = out

    def write(self, row: str) -> int:
        return self._out.write(row[:-2] + "\n" if row.endswith("\r\n") else row)


def csv_writer(out: IO) -> Any:
    """Return a csv.writer with LF line ends that quotes every cell holding a CR or LF.

    The csv module quotes only the characters of its line terminator: with "\n" a bare CR in a
    post went out unquoted, and spreadsheets end a row there ("hi\r=cmd|..." became a row
    starting with a formula). So rows are written with "\r\n" and turned to "\n" on the way
    out. Cells are neutralised against formulas by safe_csv_cell, not here.
    """
    return csv.writer(_LineFeedRows(out), lineterminator="\r\n")
