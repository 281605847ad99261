"""Text rules shared by every entity: trimming, length limits, and folding for search and names."""

from __future__ import annotations

import re
import unicodedata

from core.kernel.errors import Errors

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case without accents and with single spaces: "Café  Müller" -> "cafe muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def clean(
    errors: Errors, field: str, value: str | None, *, label: str, max_length: int, required: bool = False
) -> str:
    """The trimmed text, or "" after recording why it is not acceptable."""
    text = _SPACES.sub(" ", value or "").strip() if "\n" not in (value or "") else (value or "").strip()
    if required and not text:
        errors.add(field, f"{label} is required.")
    elif len(text) > max_length:
        errors.add(field, f"{label} is too long ({len(text)} characters; at most {max_length}).")
    elif any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        errors.add(field, f"{label} contains control characters.")
    return text


def clean_reason(reason: str, *, required: bool = False) -> str:
    """The reason given for a change, as every service takes one (field "reason", at most 1000
    characters), or InvalidInput."""
    errors = Errors()
    text = clean(errors, "reason", reason, label="The reason", max_length=1000, required=required)
    errors.raise_if_any()
    return text
