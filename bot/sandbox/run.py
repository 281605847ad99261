"""Starting a sandbox: one process, three local HTTP servers on 127.0.0.1. The Slack stand-in
(Web API and response_url) and the bot (`memberbot serve`'s own Service: the Bolt app, its
listeners and the scheduler) each on a free port in a thread of its own, with its own event
loop; the page on the chosen port in the main thread. The bot is configured exactly as for a
workspace: a bot token, a signing secret (made up per run), and the Web API's URL (the
stand-in's)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import httpx
import uvicorn

from bot.deliver import deliver_due
from bot.deps import Deps
from bot.sandbox import people
from bot.sandbox.page import create_page
from bot.sandbox.state import Sandbox
from bot.server import Service, clients
from bot.settings import Settings
from bot.standin import Driver, SlackStandIn
from core.context import Ctx, transaction
from core.daily import jobs as daily
from core.kernel.clock import Clock, SystemClock
from core.workspace import roles, tenants
from core.workspace.flows import ensure_tenant
from core.workspace.tenants import tenant_ids
from core.workspace.test_clock import clock_for, has_test_clock, start_test_clock
from storage.migrate import prepare
from storage.uow import Database

BOT_TOKEN = "xoxb-sandbox"
TIMEZONE = "America/New_York"
ALERT_ABOVE = Decimal(100)
T = TypeVar("T")
Seed = Callable[[Ctx, str, str], None]  # demo data: (ctx as the admin, a staff member, another)


@dataclass(frozen=True)
class Options:
    port: int
    db_file: Path | None  # None: a fresh temporary file
    seed: Seed | None  # None: an empty sandbox
    open_browser: bool = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no use
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def open_database(db_file: Path | None) -> tuple[Database, Path]:
    path = db_file or Path(tempfile.mkdtemp(prefix="memberbot-sandbox-")) / "sandbox.sqlite"
    db = Database(f"sqlite:///{path.resolve()}")
    prepare(db)
    return db, path


def set_up(db: Database, seed: Seed | None) -> Clock:
    """A new sandbox: its own test clock standing at now, the workspace with one person per role
    and its channels, and the demo data. A kept sandbox (--db) is left as it was."""
    if tenant_ids(db) and people.TEAM not in tenant_ids(db):
        raise SystemExit(f"{db.url} holds another workspace; give the sandbox a file of its own.")
    if people.TEAM in tenant_ids(db):
        return clock_for(db)
    if not has_test_clock(db):
        start_test_clock(db, SystemClock().now())
    clock = clock_for(db)
    ensure_tenant(db, clock, people.TEAM, name=people.WORKSPACE, timezone=TIMEZONE, admins=(people.ADMIN.id,))
    with transaction(db, people.TEAM, people.ADMIN.id, clock) as ctx:
        for person in people.PEOPLE:
            if person is not people.ADMIN:
                roles.grant(ctx, person.id, person.role)
        # Tomorrow's services to #operations; the specialist alerted of account credit above 100.
        tenants.update_settings(ctx, operations_channel=people.OPERATIONS, balance_alert_above=ALERT_ABOVE)
        if seed is not None:
            seed(ctx, people.STAFF.id, people.STAFF_2.id)
    daily.catch_up(db, people.TEAM, clock)  # today's jobs; the clock moves on from here
    return clock


class Threaded:
    """A uvicorn server in a thread of its own (its own event loop)."""

    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("a sandbox server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Bot:
    """`memberbot serve`'s Service, run on an event loop in a thread of its own."""

    def __init__(self, service: Service, url: str) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(service.run(),), daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not _healthy(url):
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the sandbox's bot did not start")
            time.sleep(0.05)

    def run(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Runs `work` on the bot's event loop (where its Web API client lives) and waits for it."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(work(), self.loop)
        return future.result(timeout=60)

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(timeout=10)


def _healthy(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/healthz", timeout=1).json().get("ok"))
    except (httpx.HTTPError, ValueError):
        return False


def run(options: Options, say: Callable[[str], None] = print) -> None:
    if not port_is_free(options.port):
        raise SystemExit(f"Port {options.port} is in use; choose another with --port.")
    db, path = open_database(options.db_file)
    clock = set_up(db, options.seed)
    standin = SlackStandIn(team=people.TEAM, bot_token=BOT_TOKEN)
    fake = Threaded(
        uvicorn.Server(
            uvicorn.Config(standin.web_app(), host="127.0.0.1", port=free_port(), log_level="warning")
        )
    )
    standin.url = f"http://127.0.0.1:{fake.server.config.port}"
    secret = secrets.token_hex(16)
    settings = Settings(
        signing_secret=secret,
        bot_token=BOT_TOKEN,
        database_url=db.url,
        port=free_port(),
        api_url=f"{standin.url}/api/",
        admins=(people.ADMIN.id,),
    )
    service = Service(settings, Deps(db, clock, settings.admins), host="127.0.0.1")
    for name in ("uvicorn.error", "uvicorn.access"):  # the page says where things are; the rest is noise
        logging.getLogger(name).setLevel(logging.WARNING)
    bot_url = f"http://127.0.0.1:{settings.port}"
    bot = Bot(service, bot_url)
    client_for = clients(service.app)

    def deliver_now() -> int:
        return bot.run(lambda: deliver_due(db, client_for))

    while deliver_now():  # what set-up queued (the day's reminders and alerts) is there at once
        pass
    sandbox = Sandbox(
        standin, Driver(bot_url, standin.url, secret, people.TEAM, standin), db, clock, deliver_now
    )
    page = uvicorn.Server(
        uvicorn.Config(create_page(sandbox), host="127.0.0.1", port=options.port, log_level="warning")
    )
    url = f"http://127.0.0.1:{options.port}/"
    say(f"memberbot sandbox: {url}  (the bot on {bot_url}, the Slack stand-in on {standin.url})")
    say(f"Database: {path}" + ("" if options.db_file else " (fresh; keep one between runs with --db FILE)"))
    say("Stop it with Ctrl-C.")
    if options.open_browser:
        threading.Timer(0.5, _open, args=(url,)).start()
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a service manager: as Ctrl-C
    try:
        page.run()
    except KeyboardInterrupt:  # uvicorn hands the signal back once it has stopped: a normal stop
        pass
    finally:
        bot.stop()
        fake.stop()
        db.dispose()
        if options.db_file is None:  # a fresh sandbox is gone with its process
            shutil.rmtree(path.parent, ignore_errors=True)
    say("The sandbox stopped." + (f" It is kept in {path}." if options.db_file else ""))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _open(url: str) -> None:
    """Opens the default browser when there is one. Without a display nothing is opened: Python's
    webbrowser would otherwise start a text browser (w3m, lynx) in the terminal the sandbox runs in."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return
    with contextlib.suppress(webbrowser.Error):
        webbrowser.open(url)
