"""CSV formula injection (OWASP): no cell a spreadsheet reads may start a formula, however the
=, +, - or @ is disguised (behind zero-width or blank characters, fullwidth, small, superscript).

The spreadsheet model below is written from OWASP's advice and the Unicode data, not from the
code under test: NFKC the whole cell, drop what displays as nothing, look at what comes first.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.cli.output import write_records
from earmark.csvsafe import safe_csv_cell
from export.formats.records import RECORD_COLUMNS, write_csv

FORMULA_SIGNS = "=+-@"
# Every Basic Multilingual Plane character that NFKC turns into a formula sign: fullwidth,
# small and superscript/subscript forms ("＝", "﹢", "⁻"...), found here, not listed by hand.
DISGUISED_SIGNS = [
    chr(c)
    for c in range(0xA0, 0x10000)
    if not 0xD800 <= c <= 0xDFFF and unicodedata.normalize("NFKC", chr(c))[:1] in FORMULA_SIGNS
]
# DerivedCoreProperties.txt Default_Ignorable_Code_Point outside the format category.
IGNORABLE = [
    "\u034f",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\u17b5",
    "\u180b",
    "\u3164",
    "\ufe0f",
    "\uffa0",
    "\U000e0100",
]
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def displays_nothing(char: str) -> bool:
    return unicodedata.category(char)[0] in "CZM" or char in IGNORABLE


def spreadsheet_reads_formula(cell: str) -> bool:
    """Would a spreadsheet opening this cell evaluate it (OWASP: = + - @, tab, CR)?"""
    if cell.startswith("'"):
        return False  # an apostrophe first makes the cell text
    if cell[:1] in ("\t", "\r"):
        return True
    if NUMBER.fullmatch(cell):
        return False  # a plain (negative) number is a number
    visible = [c for c in unicodedata.normalize("NFKC", cell) if not displays_nothing(c)]
    return bool(visible) and visible[0] in FORMULA_SIGNS


prefix = st.lists(
    st.one_of(
        st.characters(categories=["Cf", "Zs", "Zl", "Zp", "Cc", "Mn", "Me"]),
        st.sampled_from(IGNORABLE),
    ),
    max_size=4,
).map("".join)
disguised = st.tuples(
    prefix,
    st.sampled_from(list(FORMULA_SIGNS) + DISGUISED_SIGNS + ["\t", "\r"]),
    st.sampled_from(['HYPERLINK("http://evil.example","x")', "cmd|' /C calc'!A0", "1+1", ""]),
).map("".join)
cell_text = st.one_of(disguised, st.text(max_size=12), st.tuples(prefix, st.text()).map("".join))


def read_rows(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output, newline="")))


def test_the_disguises_of_the_issue_are_neutralised():
    for text in ("\u200b=1+1", "\uff1d1+1", "\ufeff=1+1", "\u00a0\u2060@SUM(A1)", "\u3164-1"):
        assert safe_csv_cell(text) == "'" + text
    assert safe_csv_cell("\ufe62cmd") == "'\ufe62cmd"  # SMALL PLUS SIGN
    assert safe_csv_cell("\tplain") == "'\tplain"
    assert safe_csv_cell("≠ not a formula") == "≠ not a formula"
    assert safe_csv_cell("\u200bplain") == "\u200bplain"
    assert safe_csv_cell(-3) == -3  # numbers stay numbers


@settings(max_examples=150, deadline=None)
@given(st.lists(cell_text, min_size=1, max_size=4))
def test_no_cell_of_write_records_csv_starts_a_formula(texts):
    records = [{"text": text, "n": -len(text), "tags": [text]} for text in texts]
    out = io.StringIO()
    write_records(records, "csv", ["text", "n", "tags"], out=out)
    rows = read_rows(out.getvalue())
    assert [len(row) for row in rows] == [3] * (len(texts) + 1)  # a CR never splits a row
    assert not any(spreadsheet_reads_formula(cell) for row in rows for cell in row)
    for row, text in zip(rows[1:], texts, strict=True):  # exact but for the apostrophe
        kept = text.replace("\x00", "")  # NUL is dropped from CSV cells (see safe_csv_cell)
        assert row[0] in (kept, "'" + kept)


@settings(max_examples=150, deadline=None)
@given(st.lists(cell_text, min_size=1, max_size=4))
def test_no_cell_of_the_export_csv_starts_a_formula(texts):
    records = []
    for i, text in enumerate(texts):
        record = {column: text for column in RECORD_COLUMNS}
        record.update(id=i, priority=-i, intents=[text, "x"], reply_privately=False)
        records.append(record)
    out = io.StringIO()
    write_csv(records, out)
    rows = read_rows(out.getvalue())
    assert [len(row) for row in rows] == [len(RECORD_COLUMNS)] * (len(texts) + 1)
    assert not any(spreadsheet_reads_formula(cell) for row in rows for cell in row)
    text_column = RECORD_COLUMNS.index("text")
    for row, text in zip(rows[1:], texts, strict=True):
        kept = text.replace("\x00", "")  # NUL is dropped from CSV cells (see safe_csv_cell)
        assert row[text_column] in (kept, "'" + kept)


def test_a_bare_carriage_return_does_not_start_a_new_row():
    text = "hi\r=cmd|' /C calc'!A0\rmore"
    out = io.StringIO()
    write_records([{"text": text, "n": 1}], "csv", ["text", "n"], out=out)
    assert out.getvalue() == "text,n\n\"hi\r=cmd|' /C calc'!A0\rmore\",1\n"
    assert read_rows(out.getvalue()) == [["text", "n"], [text, "1"]]
    export = io.StringIO()
    write_csv([{"id": 1, "text": text}], export)
    assert [row[RECORD_COLUMNS.index("text")] for row in read_rows(export.getvalue())] == [
        "text",
        text,
    ]
