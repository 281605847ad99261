"""Serving: over HTTP (Bolt's /slack/events, signed by Slack) or in Socket Mode (requests arrive
over a WebSocket the app opens; bot/socket_mode.py). Either way HTTP on $PORT answers /healthz,
which checks the database, and with OAuth Bolt's install pages /slack/install and
/slack/oauth_redirect."""

from __future__ import annotations

import asyncio

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import build_app
from bot.deps import Deps
from bot.settings import Settings
from bot.socket_mode import run_socket_mode
from core.clock import SystemClock
from storage.migrate import prepare
from storage.uow import Database


def create_server(app: AsyncApp, db: Database, *, events: bool = True) -> Starlette:
    """The HTTP app; `events=False` in Socket Mode, where nothing may arrive unsigned over HTTP."""
    handler = AsyncSlackRequestHandler(app)

    async def slack(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        healthy = await asyncio.to_thread(_database_answers, db)
        return JSONResponse({"ok": healthy}, status_code=200 if healthy else 503)

    routes = [Route("/healthz", healthz)]
    if events:
        routes.append(Route("/slack/events", slack, methods=["POST"]))
    if app.oauth_flow is not None:
        routes += [
            Route(app.oauth_flow.install_path, slack, methods=["GET"]),
            Route(app.oauth_flow.redirect_uri_path, slack, methods=["GET"]),
        ]
    return Starlette(routes=routes)


def _database_answers(db: Database) -> bool:
    try:
        with db.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1")).scalar() == 1)
    except Exception:  # any failure to reach the database means unhealthy
        return False


class Service:
    """The bot as `memberbot serve` runs it: HTTP on the port, plus the Socket Mode connection
    when there is an app token. `stop()` ends `run()` from another thread."""

    def __init__(self, settings: Settings, deps: Deps, host: str = "0.0.0.0") -> None:
        self.app = build_app(settings, deps)
        self.app_token = settings.app_token
        http = create_server(self.app, deps.db, events=not settings.socket_mode)
        self.http = uvicorn.Server(uvicorn.Config(http, host=host, port=settings.port, log_level="info"))

    async def run(self) -> None:
        if self.app_token is not None:
            await run_socket_mode(self.app, self.app_token, self.http)
        else:
            await self.http.serve()

    def stop(self) -> None:
        self.http.should_exit = True


def serve(settings: Settings, host: str = "0.0.0.0") -> None:
    db = Database(settings.database_url)
    prepare(db)
    asyncio.run(Service(settings, Deps(db, SystemClock(), settings.admins), host).run())
