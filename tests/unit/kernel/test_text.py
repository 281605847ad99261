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


PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a non-joiner


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Cafe\u0301 Mu\u0308ller", "Café Müller"),  # decomposed accents, composed (NFC)
        ("Blue\u200b Fin\ufeff", "Blue Fin"),  # zero-width space and BOM pasted along
        ("Sof\u00adtware", "Software"),  # a soft hyphen
        (PERSIAN, PERSIAN),  # Persian needs the zero-width non-joiner
        ("👩\u200d🔧 Repairs", "👩\u200d🔧 Repairs"),  # an emoji sequence needs the joiner
    ],
)
def test_clean_composes_and_drops_what_is_pasted_invisibly(typed: str, kept: str) -> None:
    errors = Errors()
    assert clean(errors, "name", typed, label="The name", max_length=50) == kept
    assert not errors.items


@pytest.mark.parametrize(
    "typed", ["invoice\u202etxt.exe", "left\u2066right\u2069", "nul\x00byte", "esc\x1b[31m"]
)
def test_clean_refuses_direction_overrides_and_control_characters(typed: str) -> None:
    errors = Errors()
    clean(errors, "name", typed, label="The name", max_length=50)
    assert [e.field for e in errors.items] == ["name"]
    assert "characters" in errors.items[0].message
