"""Customer search ranking: pure rules, shared by the CLI and Slack's pick lists.

Matching ignores case and accents and accepts parts of words; every word typed must match the
company or the contact. Best first: a name equal to the query, a name starting with it, every word
starting a word of the name, every word somewhere inside the name.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from core.text import fold

K = TypeVar("K", bound=Hashable)


def like_patterns(query: str) -> list[str]:
    """LIKE patterns (escape character: backslash) that prefilter candidates in the database."""
    return [f"%{_escape(token)}%" for token in fold(query).split()]


def rank(query: str, candidates: Iterable[tuple[K, str, str]]) -> list[K]:
    """Keys of the candidates (key, company, contact) that match, best match first."""
    folded = fold(query)
    tokens = folded.split()
    if not tokens:
        return []
    scored = []
    for key, company, contact in candidates:
        names = [n for n in (fold(company), fold(contact)) if n]
        match = _match(folded, tokens, names)
        if match is not None:
            tier, name = match
            scored.append(((tier, len(name), name, str(key)), key))
    return [key for _, key in sorted(scored, key=lambda item: item[0])]


def _match(query: str, tokens: list[str], names: list[str]) -> tuple[int, str] | None:
    """The tier of the match and the name it ranks by (ties go to the shorter name)."""
    equal = [n for n in names if n == query]
    if equal:
        return 0, equal[0]
    starting = [n for n in names if n.startswith(query)]
    if starting:
        return 1, min(starting, key=len)
    words = [word for name in names for word in name.split()]
    shortest = min(names, key=len)
    if all(any(word.startswith(token) for word in words) for token in tokens):
        return 2, shortest
    if all(any(token in name for name in names) for token in tokens):
        return 3, shortest
    return None


def _escape(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
