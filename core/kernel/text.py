"""Text rules shared by every entity: trimming, length limits, and folding for search and names."""

from __future__ import annotations

import re
import unicodedata

from core.kernel.errors import Errors

_SPACES = re.compile(r"\s+")
# Invisible characters people paste by accident (zero-width space, byte-order mark, word joiner,
# soft hyphen): removed. The joiners U+200C and U+200D are kept: Persian, Indic scripts and emoji
# need them. Every other format character (Unicode category Cf: the bidirectional overrides such as
# U+202E, which make "exe.txt" read "txt.exe") is refused, as are control characters (Cc).
_DROPPED = dict.fromkeys(map(ord, "\u200b\ufeff\u2060\u00ad"))
_JOINERS = "\u200c\u200d"


def fold(text: str) -> str:
    """Lower case without accents and with single spaces: "Café  Müller" -> "cafe muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def clean(
    errors: Errors, field: str, value: str | None, *, label: str, max_length: int, required: bool = False
) -> str:
    """The trimmed text in Unicode's composed form (NFC: "é" is one character however it was
    typed), or "" after recording why it is not acceptable."""
    given = unicodedata.normalize("NFC", (value or "").translate(_DROPPED))
    text = _SPACES.sub(" ", given).strip() if "\n" not in given else given.strip()
    if required and not text:
        errors.add(field, f"{label} is required.")
    elif len(text) > max_length:
        errors.add(field, f"{label} is too long ({len(text)} characters; at most {max_length}).")
    elif any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        errors.add(field, f"{label} contains control characters.")
    elif any(unicodedata.category(ch) == "Cf" and ch not in _JOINERS for ch in text):
        errors.add(field, f"{label} contains invisible characters that change how text reads.")
    return text


def clean_reason(reason: str, *, required: bool = False) -> str:
    """The reason given for a change, as every service takes one (field "reason", at most 1000
    characters), or InvalidInput."""
    errors = Errors()
    text = clean(errors, "reason", reason, label="The reason", max_length=1000, required=required)
    errors.raise_if_any()
    return text
