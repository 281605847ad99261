"""Serving: over HTTP (Bolt's /slack/events, signed by Slack) or in Socket Mode (requests arrive
over a WebSocket the app opens; bot/socket_mode.py). Either way HTTP on $PORT answers /healthz,
which checks the database, and with OAuth Bolt's install pages /slack/install and
/slack/oauth_redirect.

Core runs under the interpreter lock, so one process uses one core: `serve` starts one process
per core on PostgreSQL (`MEMBERBOT_PROCESSES`), each a whole bot with its own bounded pool,
sharing one listening socket (the kernel hands each connection to one of them) and, in Socket
Mode, each with its own connection (Slack spreads requests over an app's connections). Every
process runs the scheduler; the lease (bot/scheduler.py) lets one work. A supervisor restarts a
process that dies. SQLite serves one writer at a time, so there one process is the default."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import signed
from bot.app import build_app
from bot.deliver import ClientFor
from bot.deps import Deps
from bot.health import Health
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.socket_mode import run_socket_mode
from core.workspace.test_clock import clock_for
from storage.migrate import prepare
from storage.uow import Database

log = logging.getLogger("memberbot.serve")


def create_server(app: AsyncApp, db: Database, *, signing_secret: str | None, threads: int = 1) -> Starlette:
    """The HTTP app. With the signing secret it takes Slack's requests on /slack/events, each
    checked by bot/signed.py before Bolt reads it; without (Socket Mode) nothing is taken over
    HTTP but /healthz and the install pages.

    Listeners run core (synchronous) in the event loop's default executor, given `threads`
    threads. One by default: core is CPU-bound under the interpreter lock, and each extra thread
    contending for it delays the event loop's acknowledgements (bench/slack_commands.py: ack p50
    1.1x a bare Bolt app's with one thread, 2.6x with two, 5.9x with Python's default of six) for
    no more throughput. More threads help only when database round trips dominate (a distant
    database); more processes (replicas) are the way to more throughput."""
    handler = AsyncSlackRequestHandler(app)
    health = Health(db)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pool = ThreadPoolExecutor(threads, thread_name_prefix="core")
        asyncio.get_running_loop().set_default_executor(pool)
        yield
        pool.shutdown(wait=False)
        health.close()

    async def slack(request: Request) -> Response:
        return await handler.handle(request)

    async def events(request: Request) -> Response:
        refused = signed.refused(verifier, await request.body(), request.headers) if verifier else None
        return refused or await handler.handle(request)

    async def healthz(_: Request) -> Response:
        healthy = await health.healthy()  # within a second, on a thread of its own
        return JSONResponse({"ok": healthy}, status_code=200 if healthy else 503)

    verifier = SignatureVerifier(signing_secret) if signing_secret else None
    routes = [Route("/healthz", healthz)]
    if verifier is not None:
        routes.append(Route("/slack/events", events, methods=["POST"]))
    if app.oauth_flow is not None:
        routes += [
            Route(app.oauth_flow.install_path, slack, methods=["GET"]),
            Route(app.oauth_flow.redirect_uri_path, slack, methods=["GET"]),
        ]
    return Starlette(routes=routes, lifespan=lifespan)


class Service:
    """The bot as `memberbot serve` runs it: HTTP on the port, plus the Socket Mode connection
    when there is an app token. `stop()` ends `run()` from another thread."""

    def __init__(
        self, settings: Settings, deps: Deps, host: str = "0.0.0.0", listening: socket.socket | None = None
    ) -> None:
        self.app = build_app(settings, deps)
        self.app_token = settings.app_token
        secret = None if settings.socket_mode else settings.signing_secret
        http = create_server(self.app, deps.db, signing_secret=secret, threads=settings.threads)
        self.http = uvicorn.Server(uvicorn.Config(http, host=host, port=settings.port, log_level="info"))
        self.scheduler = Scheduler(deps.db, deps.clock, clients(self.app)) if settings.scheduler else None
        self.sockets = [listening] if listening is not None else None

    async def run(self) -> None:
        if self.scheduler is not None:
            self.scheduler.start()  # on this event loop
        try:
            if self.app_token is not None:
                await run_socket_mode(self.app, self.app_token, self.http, self.sockets)
            else:
                await self.http.serve(self.sockets)
        finally:
            if self.scheduler is not None:
                self.scheduler.shutdown()

    def stop(self) -> None:
        self.http.should_exit = True


def clients(app: AsyncApp) -> ClientFor:
    """Each workspace's Web API client: the app's own with a bot token, or with OAuth one with the
    bot token its installation stored (None for a workspace that uninstalled the app)."""

    async def client_for(team: str) -> AsyncWebClient | None:
        store = app.installation_store
        if store is None:
            return app.client
        bot = await store.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            return None
        return AsyncWebClient(
            token=bot.bot_token, base_url=app.client.base_url, retry_handlers=app.client.retry_handlers
        )

    return client_for


def run_scheduler(settings: Settings) -> None:
    """`memberbot scheduler`: the scheduler alone, until stopped."""
    db = Database(settings.database_url, settings.database_limits)
    prepare(db)
    deps = Deps(db, clock_for(db), settings.admins)
    scheduler = Scheduler(db, deps.clock, clients(build_app(settings, deps)))

    async def run() -> None:
        scheduler.start()
        try:
            await asyncio.Event().wait()  # until the process is stopped
        finally:
            scheduler.shutdown()

    asyncio.run(run())


def serve(settings: Settings, host: str = "0.0.0.0") -> None:
    """`memberbot serve`: the bot in one process, or in several under a supervisor."""
    db = Database(settings.database_url, settings.database_limits)
    prepare(db)  # once, before any process serves
    count = settings.processes or ((os.cpu_count() or 1) if db.dialect == "postgresql" else 1)
    db.dispose()
    if count == 1:
        serve_one(settings, host)
    else:
        _supervise(settings, host, count)


def serve_one(settings: Settings, host: str, listening: socket.socket | None = None) -> None:
    """One whole bot: its database pool, Bolt app, HTTP server (on `listening` when shared) and
    scheduler, until SIGTERM or SIGINT."""
    db = Database(settings.database_url, settings.database_limits)
    asyncio.run(Service(settings, Deps(db, clock_for(db), settings.admins), host, listening).run())


def _supervise(settings: Settings, host: str, count: int) -> None:
    """`count` processes on one listening socket; one that dies is started again; SIGTERM or
    SIGINT stops them all (each finishes its requests: uvicorn's graceful shutdown)."""
    listening = socket.create_server((host, settings.port), backlog=2048)
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no event loop or pool copied

    def start() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=serve_one, args=(settings, host, listening), name="memberbot")
        process.start()
        return process

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    processes = [start() for _ in range(count)]
    log.info("serving with %d processes on port %d", count, settings.port)
    while not stopping.wait(1):
        for n, process in enumerate(processes):
            if not process.is_alive():
                log.warning("process %s exited (%s); starting another", process.pid, process.exitcode)
                processes[n] = start()
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        process.join(15)
        if process.is_alive():
            process.kill()
    listening.close()
