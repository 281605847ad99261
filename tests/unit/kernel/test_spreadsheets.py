"""CSV fields a spreadsheet would read as formulas are written as text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from core.kernel.spreadsheets import as_text, to_csv


@pytest.mark.parametrize("attack", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_text_that_would_start_a_formula_gets_an_apostrophe(attack: str) -> None:
    assert as_text(attack) == f"'{attack}"


@pytest.mark.parametrize("value", ["Café Müller", "a=b", "", " =1", Decimal("-3"), -3, None])
def test_anything_else_is_written_as_it_is(value: object) -> None:
    assert as_text(value) == value


def test_a_csv_row_round_trips_but_for_the_apostrophe() -> None:
    rows = list(csv.reader(io.StringIO(to_csv([["Name", "Owed"], ["=cmd|' /C calc'!A0", Decimal("-5.00")]]))))
    assert rows == [["Name", "Owed"], ["'=cmd|' /C calc'!A0", "-5.00"]]
