"""Slack command benchmark: `/credits <customer>` through the real bot, next to a bare Bolt app.

Signed slash commands, 20 in flight, in a workspace of 100,000 memberships. For each request it
times the acknowledgement (the HTTP response to /slack/events) and the final reply (the
response_url POST arriving at the Slack stand-in). The same load goes first to a Bolt app whose
listener only acknowledges, on the same server stack, so the difference is memberbot's own cost.

Targets: memberbot's p99 acknowledgement at most 1 s (a third of Slack's 3 s, leaving the rest to
the network), and its p50 acknowledgement within 2x of the bare app's. The final reply is reported
next to the bare app's acknowledgement for information only: the bare app sends no reply, so that
ratio measures the work a reply needs, not overhead.

20 in flight means 20 staff members, each sending the next command once the last is answered. The
client, the stand-in and the bot share one process, as in the bot tests.

Run:  .venv/bin/python -m bench.slack_commands [--database-url URL] [--memberships 100000]
                                               [--requests 1000] [--concurrency 20]
Without --database-url it uses a fresh SQLite file in a temporary directory. A PostgreSQL URL is
wiped (its public schema is dropped) before the run. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import Connection, insert, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.common import TEAM, arguments, contract_row, fresh, insert_rows, table_of, totals_row
from bench.served import ADMIN, SECRET, TOKEN
from bot.local_server import Running
from bot.standin import SlackStandIn, signature
from core.context import SYSTEM, transaction
from core.kernel.clock import FixedClock
from core.kernel.text import fold
from core.plans import service as plans
from core.workspace import roles
from core.workspace.flows import ensure_tenant
from storage.uow import Database

STAFF = "USTAFF"
NOW = datetime(2025, 6, 1, 14, 0, tzinfo=UTC)
BATCH = 5_000
GRANT = Decimal(8)  # credits granted to each member
GRANTED_AT = datetime(2025, 1, 1, 5, 0, tzinfo=UTC)
WARM_UP = 50  # requests per app before timing: first-request set-up, caches, pooled connections
ACK_P99_LIMIT = 1.0  # seconds
P50_RATIO_LIMIT = 2.0
BALANCE = "available for"  # in every balance reply (bot/templates/balance.md.j2), never in an error

# Company names: three consonant-vowel syllables give 343,000 distinct words, so every customer
# has a name of its own that staff can type, and no word is part of another.
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
TRADES = ("Plumbing", "Fitness", "Day Spa", "Salon", "Heating", "Pools", "Pest Control", "Gardens")
CONTACTS = ("Anna Weber", "Luis Ortega", "Mei Chen", "Sam Okafor", "Priya Nair", "Tom Berg")


@dataclass(frozen=True)
class Sample:
    ack: float  # seconds from sending to the HTTP response
    reply: float | None  # seconds from sending to the response_url POST; None: the app only acks


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # the SQLite file (90 MB) goes with it
        return run(args, args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}")


def run(args: argparse.Namespace, url: str) -> int:
    idle = os.getloadavg()  # what else the machine was running, before this benchmark adds its own
    db = fresh(url)
    clock = FixedClock(NOW)
    print(f"database: {db.dialect}; memberships: {args.memberships:,}")
    started = time.perf_counter()
    seed(db, clock, args.memberships)
    print(f"set-up: {time.perf_counter() - started:.1f} s")

    # Staff look up random members by company name, the same ones for both apps.
    members = random.Random(1).choices(range(args.memberships), k=WARM_UP + args.requests)
    replies = Replies()
    standin = Running(replies.app(SlackStandIn(team=TEAM, bot_token=TOKEN)))
    try:
        timed = {
            "bare Bolt app": measure("bare", db, standin.url, None, members, args.concurrency),
            "memberbot": measure("memberbot", db, standin.url, replies, members, args.concurrency),
        }
    finally:
        standin.stop()
    results = {name: samples for name, (samples, _) in timed.items()}
    print(f"{args.requests:,} requests, {args.concurrency} in flight, per app")
    report(results)
    rates = {name: len(samples) / seconds for name, (samples, seconds) in timed.items()}
    print(
        f"answered per second: bare Bolt app {rates['bare Bolt app']:.0f} acknowledgements, "
        f"memberbot {rates['memberbot']:.0f} completed replies "
        f"({rates['memberbot'] / rates['bare Bolt app']:.0%} of the bare app's)"
    )
    print("\n".join(machine(db, idle)))
    return 0 if checks(results["memberbot"], results["bare Bolt app"]) else 1


# --- the database ---------------------------------------------------------------------------------


def seed(db: Database, clock: FixedClock, memberships: int) -> None:
    """The workspace through core (its plans and a staff member), then the members in bulk: core
    would take an hour for 100,000; the rows are the shape it writes."""
    ensure_tenant(db, clock, TEAM, name="Bench Services", timezone="America/New_York", admins=[ADMIN])
    with transaction(db, TEAM, SYSTEM, clock) as ctx:
        roles.grant(ctx, STAFF, "staff")
        version_id = next(p for p in plans.list_plans(ctx) if p.code == "GOLD").version_id
    with db.engine.begin() as conn:
        for start in range(0, memberships, BATCH):
            seed_batch(conn, version_id, range(start, min(start + BATCH, memberships)))
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # planner statistics, as a database in service has them


def seed_batch(conn: Connection, version_id: int, numbers: range) -> None:
    """Customers, each with an active membership and a grant of credits: the customer, the
    contract, the lot, the ledger operation and entry of the grant, and the running totals."""
    customers = insert_ids(conn, "customer", [customer_row(n) for n in numbers])
    contracts = insert_ids(
        conn, "contract", [contract_row(c, version_id, STAFF, GRANTED_AT) for c in customers]
    )
    # Every other grant expires within the 30 days the balance warns about.
    expiries = [NOW + timedelta(days=10) if n % 2 else datetime(2026, 1, 1, tzinfo=UTC) for n in numbers]
    lots = insert_ids(
        conn, "credit_lot", [lot_row(*held) for held in zip(customers, contracts, expiries, strict=True)]
    )
    operations = insert_ids(conn, "ledger_operation", [operation_row(c) for c in customers])
    held = zip(operations, customers, lots, contracts, strict=True)
    insert_rows(conn, "ledger_entry", [entry_row(*ids) for ids in held])
    insert_rows(conn, "credit_totals", [totals_row(c, GRANT) for c in customers])


def company(n: int) -> str:
    size = len(SYLLABLES)
    word = SYLLABLES[n // size // size % size] + SYLLABLES[n // size % size] + SYLLABLES[n % size]
    return f"{word.capitalize()} {TRADES[n % len(TRADES)]}"


def contact(n: int) -> str:
    return CONTACTS[n % len(CONTACTS)]


def customer_row(n: int) -> dict[str, Any]:
    return {
        "tenant_id": TEAM,
        "company": company(n),
        "contact": contact(n),
        "email": "",
        "phone": "",
        "notes": "",
        "search_text": fold(f"{company(n)} {contact(n)}"),
        "created_at": GRANTED_AT,
    }


def lot_row(customer_id: int, contract_id: int, expires_at: datetime) -> dict[str, Any]:
    return {
        "tenant_id": TEAM,
        "customer_id": customer_id,
        "contract_id": contract_id,
        "unit": "credit",
        "pool": "any",
        "priority": 100,
        "promotional": False,
        "granted": GRANT,
        "remaining": GRANT,
        "usable_from": GRANTED_AT,
        "expires_at": expires_at,
        "granted_at": GRANTED_AT,
        "source": "grant",
    }


def operation_row(customer_id: int) -> dict[str, Any]:
    return {
        "tenant_id": TEAM,
        "key": f"seed-{customer_id}",
        "kind": "grant",
        "request_hash": "0" * 64,
        "actor": SYSTEM,
        "at": GRANTED_AT,
    }


def entry_row(operation_id: int, customer_id: int, lot_id: int, contract_id: int) -> dict[str, Any]:
    return {
        "tenant_id": TEAM,
        "operation_id": operation_id,
        "customer_id": customer_id,
        "lot_id": lot_id,
        "contract_id": contract_id,
        "kind": "grant",
        "quantity": GRANT,
        "remaining_after": GRANT,
        "actor": SYSTEM,
        "reason": "",
        "reference": "",
        "at": GRANTED_AT,
    }


def insert_ids(conn: Connection, table_name: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in few statements; their new ids, in the order of the rows."""
    table = table_of(table_name)
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(row[0]) for row in result]


# --- the apps and the load -----------------------------------------------------------------------


Arrival = tuple[float, dict[str, Any]]  # perf_counter() when the reply arrived, and the reply


class Replies:
    """The stand-in's response_url route, replaced by one that notes when each reply arrives and
    hands it to the request waiting for it (on the benchmark's event loop, another thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[Arrival]]] = {}

    def expect(self, response_id: str) -> asyncio.Future[Arrival]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Arrival] = loop.create_future()
        with self._lock:
            self._waiting[response_id] = (loop, future)
        return future

    def app(self, standin: SlackStandIn) -> Starlette:
        async def respond(request: Request) -> Response:
            at = time.perf_counter()  # before reading the body: the reply has arrived
            self._arrived(request.path_params["id"], (at, await request.json()))
            return Response("ok")

        # Routes match in order: this one shadows the stand-in's own /respond/{id}.
        return Starlette(
            routes=[Route("/respond/{id}", respond, methods=["POST"]), *standin.web_app().routes]
        )

    def _arrived(self, response_id: str, arrival: Arrival) -> None:
        with self._lock:
            waiting = self._waiting.pop(response_id, None)
        if waiting is not None:
            loop, future = waiting
            loop.call_soon_threadsafe(_settle, future, arrival)


def _settle(future: asyncio.Future[Arrival], arrival: Arrival) -> None:
    if not future.done():  # a request that timed out no longer waits
        future.set_result(arrival)


def measure(
    which: str,
    db: Database,
    standin_url: str,
    replies: Replies | None,
    members: Sequence[int],
    concurrency: int,
) -> tuple[list[Sample], float]:
    """Serve the app (`memberbot` or `bare`) in a process of its own and ask it for the members'
    balances (a warm-up first); `replies` None: the app only acknowledges. The samples of the
    timed requests, and the seconds from the first sent to the last answered."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    command = [
        sys.executable,
        "-m",
        "bench.served",
        which,
        str(port),
        db.url,
        f"{standin_url}/api/",
        NOW.isoformat(),
    ]
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(server, url)
        asyncio.run(load(url, standin_url, replies, members[:WARM_UP], concurrency, "warm"))
        started = time.perf_counter()
        samples = asyncio.run(load(url, standin_url, replies, members[WARM_UP:], concurrency, "run"))
        return samples, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_health(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the app stopped at start (exit {server.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the app did not answer /healthz within 60 s")


async def load(
    bot_url: str,
    standin_url: str,
    replies: Replies | None,
    members: Sequence[int],
    concurrency: int,
    label: str,
) -> list[Sample]:
    """`concurrency` staff members, each sending the next command once the last one is answered.

    The client is aiohttp: httpx's AsyncClient, tried first, was the bottleneck itself against the
    bare app (150-300 requests/s, p99 600-780 ms, where aiohttp drives 800-1,300/s, p99 25-60 ms)."""
    work = iter(enumerate(members))
    samples: list[Sample] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(bot_url, connector=connector) as session:

        async def staff_member() -> None:
            for n, member in work:
                samples.append(await command(session, standin_url, replies, f"{label}{n}", member))

        await asyncio.gather(*(staff_member() for _ in range(concurrency)))
    return samples


async def command(
    session: aiohttp.ClientSession, standin_url: str, replies: Replies | None, response_id: str, member: int
) -> Sample:
    """One `/credits <company>`, as Slack signs it; checked to be answered with that member's balance."""
    query = company(member)
    body = slash_body(query, f"{standin_url}/respond/{response_id}")
    stamp = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature(SECRET, stamp, body),
    }
    reply = replies.expect(response_id) if replies is not None else None
    start = time.perf_counter()
    async with session.post("/slack/events", data=body, headers=headers) as http:
        answer = await http.text()
    acked = time.perf_counter() - start
    if http.status != 200:
        raise RuntimeError(f"/credits {query} was answered {http.status}: {answer}")
    if reply is None:
        return Sample(acked, None)
    arrived, message = await asyncio.wait_for(reply, timeout=30)
    # A fast wrong answer would make a fine number: every reply must be the member's balance.
    answered = str(message.get("text", ""))
    if BALANCE not in answered or f"*{query} ({contact(member)})*" not in answered:
        raise RuntimeError(f"/credits {query} replied {answered!r}")
    return Sample(acked, arrived - start)


def slash_body(query: str, response_url: str) -> str:
    """The form Slack posts for `/credits <query>` (as bot.standin.Driver builds it)."""
    return urllib.parse.urlencode(
        {
            "token": "unused",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": "CFRONTDESK",
            "channel_name": "front-desk",
            "user_id": STAFF,
            "user_name": STAFF.lower(),
            "command": "/credits",
            "text": query,
            "api_app_id": "AMEMBERBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"T{response_url.rsplit('/', 1)[-1]}",
        }
    )


# --- the report ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(results: dict[str, list[Sample]]) -> None:
    print(f"{'':<16}{'ack p50':>10}{'ack p99':>10}{'reply p50':>12}{'reply p99':>12}")
    for name, samples in results.items():
        acks = [s.ack for s in samples]
        answered = [s.reply for s in samples if s.reply is not None]
        cells = [f"{percentile(acks, p) * 1000:7.1f} ms" for p in (50, 99)]
        cells += [f"{percentile(answered, p) * 1000:9.1f} ms" if answered else f"{'—':>12}" for p in (50, 99)]
        print(f"{name:<16}{cells[0]:>10}{cells[1]:>10}{cells[2]:>12}{cells[3]:>12}")
    print("(the bare app's acknowledgement is its whole answer: it sends no reply)")


def checks(ours: list[Sample], bare: list[Sample]) -> bool:
    bare_p50 = percentile([s.ack for s in bare], 50)
    ack_p99 = percentile([s.ack for s in ours], 99)
    ack_ratio = percentile([s.ack for s in ours], 50) / bare_p50
    reply_ratio = percentile([s.reply or 0.0 for s in ours], 50) / bare_p50
    results = [
        (f"memberbot ack p99 {ack_p99 * 1000:.0f} ms", ack_p99 <= ACK_P99_LIMIT, f"<= {ACK_P99_LIMIT:.0f} s"),
        (f"ack p50 vs bare ack p50 {ack_ratio:.2f}x", ack_ratio <= P50_RATIO_LIMIT, f"<= {P50_RATIO_LIMIT}x"),
    ]
    for name, passed, target in results:
        print(f"{name:<40} (target {target}) {'PASS' if passed else 'FAIL'}")
    # Not a target: the bare app sends no reply, so this compares our whole answer with its ack.
    print(f"{f'reply p50 vs bare ack p50 {reply_ratio:.2f}x':<40} (for information)")
    return all(passed for _, passed, _ in results)


def machine(db: Database, load: tuple[float, float, float]) -> list[str]:
    """What the numbers were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model, mhz = (
        next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith(key)), "?")
        for key in ("model name", "cpu MHz")
    )
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    with db.engine.connect() as conn:
        query = "SELECT sqlite_version()" if db.dialect == "sqlite" else "SHOW server_version"
        version = conn.execute(text(query)).scalar()
    return [
        f"machine: {os.cpu_count()} x {model} at {mhz} MHz, {int(memory) / 2**20:.1f} GiB RAM; "
        f"{platform.platform()}",
        f"Python {platform.python_version()}; {db.dialect} {version}",
        "load average at the start (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*load),
    ]


if __name__ == "__main__":
    sys.exit(main())
