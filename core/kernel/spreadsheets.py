"""The Excel sheets of the reports (credit reports, liability, deferred revenue): one look for all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


def add_sheet(
    book: Workbook, title: str, header: list[str], rows: list[list[object]], formats: list[str]
) -> None:
    """A sheet with a bold, frozen, filterable header row; amounts shown with each row's number
    format (`formats`, one per row: credits have no decimals, money its currency's), dates as ISO,
    columns as wide as their content (within reason)."""
    sheet: Worksheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, number_format in zip(rows, formats, strict=True):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = number_format
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(sheet.iter_cols(min_row=1, max_row=sheet.max_row), start=1):
        longest = max(len(str(c.value)) if c.value is not None else 0 for c in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 10), 60)
