"""Where a `/credits <customer>` reply spends its time: the Slack command benchmark's workspace,
then the reply path in this one thread — the listener's `credits_reply` (one unit of work through
`Deps.read`, the lookup, the balance, the template) — timed, its SQL statements counted, and
profiled with cProfile. Bolt's own request handling is left out: the bare app pays it too.

Run:  .venv/bin/python -m bench.credits_profile [--database-url URL] [--memberships 20000]
                                                [--requests 300] [--top 25]
Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL URL is
wiped (its public schema is dropped) before the run."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.common import TEAM, arguments, fresh
from bench.served import ADMIN
from bench.slack_commands import BALANCE, NOW, STAFF, company, seed
from bot.deps import Deps
from bot.listeners.credits.commands import credits_reply
from core.kernel.clock import FixedClock

WARM_UP = 20


def main() -> int:
    parser = arguments(__doc__)
    parser.set_defaults(memberships=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        db = fresh(url)
        clock = FixedClock(NOW)
        seed(db, clock, args.memberships)
        deps = Deps(db, clock, (ADMIN,))
        members = random.Random(1).choices(range(args.memberships), k=WARM_UP + args.requests)

        def reply(member: int) -> None:
            text = str(credits_reply(deps, TEAM, STAFF, "CFRONTDESK", company(member)))
            if BALANCE not in text:
                raise RuntimeError(f"/credits {company(member)} was not answered with a balance: {text}")

        for member in members[:WARM_UP]:
            reply(member)

        statements: Counter[str] = Counter()

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[" ".join(statement.split())[:110]] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        for member in members[WARM_UP:]:
            reply(member)
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count)

        profile = cProfile.Profile()
        profile.enable()
        for member in members[WARM_UP:]:
            reply(member)
        profile.disable()

        print(f"database: {db.dialect}; memberships: {args.memberships:,}; replies: {args.requests}")
        print(f"per reply: {elapsed / args.requests * 1000:.2f} ms in this thread (without the profiler)")
        print(f"SQL statements per reply: {sum(statements.values()) / args.requests:g}")
        for statement, n in statements.most_common():
            print(f"  {n / args.requests:4g} x {statement}")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
