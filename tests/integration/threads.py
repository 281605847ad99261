"""Many threads doing the same thing at the same instant: how the concurrency tests make a race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def race(work: Callable[[int], T], workers: int) -> tuple[list[T], list[Exception]]:
    """Run `work(i)` on `workers` threads released together by a barrier: what they returned and
    what they raised, for the test to assert."""
    start = threading.Barrier(workers)
    results: list[T] = []
    failures: list[Exception] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        start.wait()
        try:
            outcome = work(i)
        except Exception as exc:  # collected for the test to assert
            with lock:
                failures.append(exc)
        else:
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, failures
