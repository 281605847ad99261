"""The Excel sheets and CSV files of the reports (credit reports, liability, deferred revenue): one
look for all, and text that a spreadsheet program shows as text.

A customer named `=HYPERLINK(...)` must not become a live formula in the reader's spreadsheet
(OWASP, CSV injection): in Excel files every text cell is stored as text, and in CSV a field that
a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) is
written with a leading apostrophe, which spreadsheets take to mean "text"."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class Sheet:
    """One sheet of an Excel file: its header row, its rows, and each row's number format for its
    amounts (`formats`, one per row: credits have no decimals, money its currency's)."""

    title: str
    header: list[str]
    rows: list[list[object]]
    formats: list[str]


def to_xlsx(sheets: Iterable[Sheet]) -> bytes:
    """An Excel file of `sheets`, in order, each with a bold, frozen, filterable header row; amounts
    shown with their row's number format, dates as ISO, columns as wide as their content (within
    reason).

    openpyxl (some 180 modules) is imported here, when an Excel file is written, not by every
    command that reaches a report's module: `memberbot plans list` never writes one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for s in sheets:
        sheet: Worksheet = book.create_sheet(s.title)
        sheet.append(s.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row, number_format in zip(s.rows, s.formats, strict=True):
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl takes a text starting with "=" for a formula
                elif isinstance(cell.value, Decimal):
                    cell.number_format = number_format
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for index, column in enumerate(sheet.iter_cols(min_row=1, max_row=sheet.max_row), start=1):
            longest = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 10), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: object) -> object:
    """A CSV field as spreadsheets will show it: text that would start a formula gets an apostrophe."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def to_csv(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([as_text(v) for v in row])
    return out.getvalue()
