"""Text as people type it: folding for comparison, and cleaning with its errors."""

from __future__ import annotations

import pytest

from core.kernel.errors import Errors, InvalidInput
from core.kernel.text import clean, fold


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  Café   MÜLLER ") == "cafe muller"
    assert fold("Ångström") == "angstrom"


def test_clean_reports_required_too_long_and_control_characters() -> None:
    errors = Errors()
    assert clean(errors, "a", "  x  ", label="A", max_length=5) == "x"
    clean(errors, "b", "   ", label="B", max_length=5, required=True)
    clean(errors, "c", "toolong", label="C", max_length=5)
    clean(errors, "d", "bell\x07", label="D", max_length=50)
    assert [(e.field, e.message) for e in errors.items] == [
        ("b", "B is required."),
        ("c", "C is too long (7 characters; at most 5)."),
        ("d", "D contains control characters."),
    ]
    with pytest.raises(InvalidInput) as raised:
        errors.raise_if_any()
    assert raised.value.field == "b" and len(raised.value.errors) == 3
