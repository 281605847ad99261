"""Customer search ranking: pure rules, shared by the CLI and Slack's pick lists.

Matching ignores case and accents and accepts parts of words; every word typed must match the
company or the contact. Best first: a name equal to the query, a name starting with it, every word
starting a word of the name, every word somewhere inside the name. Among equals the shorter name
comes first (the user typed most of it), then the alphabetical order, then the key, so the order
never depends on the order the database happened to return the rows in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from core.kernel.text import fold


class _Orderable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Orderable)

# Tiers, best first.
EQUAL, STARTS, WORD_STARTS, INSIDE = range(4)


def like_patterns(query: str) -> list[str]:
    """LIKE patterns (escape character: backslash) that prefilter candidates in the database: one
    per folded word of the query, each matching text that contains the word anywhere."""
    return [f"%{escape_like(token)}%" for token in dict.fromkeys(fold(query).split())]


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern whose escape character is backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rank(query: str, candidates: Iterable[tuple[K, str, str]]) -> list[K]:
    """Keys of the candidates (key, company, contact) that match, best match first."""
    phrase = fold(query)
    tokens = phrase.split()
    if not tokens:
        return []
    scored: list[tuple[tuple[int, int, str], K]] = []
    for key, company, contact in candidates:
        match = _match(phrase, tokens, fold(company), fold(contact))
        if match is not None:
            tier, name = match
            scored.append(((tier, len(name), name), key))
    # Two stable sorts: by key first, so that it only decides what the match leaves tied.
    scored.sort(key=lambda item: item[1])
    scored.sort(key=lambda item: item[0])
    return [key for _, key in scored]


def _match(phrase: str, tokens: list[str], company: str, contact: str) -> tuple[int, str] | None:
    """The tier of the match and the name that ranks it among its tier (ties go to the shorter).

    The name is the field that matched; when the words match only across both fields (the
    company's name and the contact's first name, say), it is both together.
    """
    names = [n for n in (company, contact) if n]
    both = " ".join(names)
    for tier, matches in (
        (EQUAL, lambda name: name == phrase),
        (STARTS, lambda name: name.startswith(phrase)),
        (WORD_STARTS, lambda name: all(_starts_a_word(token, name) for token in tokens)),
        (INSIDE, lambda name: all(token in name for token in tokens)),
    ):
        matching = [n for n in names if matches(n)]
        if matching:
            return tier, min(matching, key=lambda n: (len(n), n))
        if tier >= WORD_STARTS and len(names) == 2 and matches(both):
            return tier, both
    return None


def _starts_a_word(token: str, name: str) -> bool:
    return name.startswith(token) or f" {token}" in name


def meant(query: str, candidates: Iterable[tuple[K, str, str]]) -> list[K]:
    """Which of the matching candidates (key, company, contact; best match first) the query names.

    One key when the query is the whole name of exactly one of them — its company, its contact,
    or both as pick lists show them ("Café Müller (Anna)") — ignoring case and accents, or when
    only one matched at all; otherwise every candidate, for the person to choose from (never a
    guess); none when none matched."""
    listed = list(candidates)
    phrase = fold(query)
    exact = [key for key, company, contact in listed if phrase in _whole_names(company, contact)]
    if len(exact) == 1:
        return exact
    return [key for key, _, _ in listed]


def _whole_names(company: str, contact: str) -> set[str]:
    label = f"{company} ({contact})" if company and contact else company or contact
    return {fold(name) for name in (company, contact, label) if name}


def named_in(text: str, candidates: Iterable[tuple[K, str, str]]) -> list[K]:
    """Keys of the candidates (key, company, contact) whose company or contact is written in
    `text` as whole words ("Café Müller called" names "Cafe Muller", ignoring case and accents),
    the longest name first. A candidate named only inside a longer name another one is named by
    ("Müller" in "Café Müller") is left out: the text means the longer one."""
    folded = f" {_words_only(text)} "
    found: list[tuple[str, K]] = []
    for key, company, contact in candidates:
        names = [n for n in (_words_only(company), _words_only(contact)) if n and f" {n} " in folded]
        if names:
            found.append((max(names, key=len), key))
    found.sort(key=lambda item: (-len(item[0]), item[0], item[1]))
    kept = [
        (name, key)
        for name, key in found
        if not any(len(other) > len(name) and f" {name} " in f" {other} " for other, _ in found)
    ]
    return [key for _, key in kept]


def mentioned_words(text: str) -> list[str]:
    """The words of `text` (folded, once each, in order) the database prefilters `named_in`'s
    candidates by: a name written whole has one of them. Words of one or two letters and the
    commonest words of a message are left out — each would match most names, and a trigram
    index cannot serve one shorter than three letters — so a name made only of those ("Bo",
    "Ask") is found by its number instead."""
    words = _words_only(text).split()
    return list(dict.fromkeys(w for w in words if len(w) >= _NAME_WORD_MIN and w not in _COMMON))


_NAME_WORD_MIN = 3
_COMMON_WORDS = """the and for from with about called call asked ask wants want can could would will
she her his him they them their this that there here have has had was were are not but our you
your please thanks today tomorrow week next again also just"""
_COMMON = frozenset(_COMMON_WORDS.split())
# Punctuation as spaces; curly apostrophes (phones type them) as the straight one names are kept with.
_PUNCTUATION = str.maketrans({**{c: " " for c in '.,;:!?()[]{}"“”<>*_~`|/\\'}, "\u2018": "'", "\u2019": "'"})


def _words_only(text: str) -> str:
    """Folded, with punctuation as spaces ("Bo's Bakery," -> "bo's bakery")."""
    return fold(text.translate(_PUNCTUATION))
