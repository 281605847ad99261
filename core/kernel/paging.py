"""Work done in bounded pages by id: each page starts after the last id of the one before."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class _HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def pages(page: Callable[[int], tuple[T, int | None]]) -> Iterator[T]:
    """What each page returns, in order, from the first id on: `page(after)` does the work for the
    ids after `after` and returns its result with the last id it saw (None: there are no more)."""
    after = 0
    while True:
        result, last = page(after)
        yield result
        if last is None:
            return
        after = last


def last_id(rows: Sequence[_HasId], limit: int) -> int | None:
    """Where the next page starts after these rows, read `limit` at a time; None when this page was
    the last (it came back short)."""
    return rows[-1].id if len(rows) == limit else None
