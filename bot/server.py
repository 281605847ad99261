"""HTTP serving: Bolt's /slack/events and a /healthz that checks the database, on uvicorn."""

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
from core.clock import SystemClock
from storage.migrate import prepare
from storage.uow import Database


def create_server(app: AsyncApp, db: Database) -> Starlette:
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        healthy = await asyncio.to_thread(_database_answers, db)
        return JSONResponse({"ok": healthy}, status_code=200 if healthy else 503)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])


def _database_answers(db: Database) -> bool:
    try:
        with db.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1")).scalar() == 1)
    except Exception:  # any failure to reach the database means unhealthy
        return False


def serve(settings: Settings, host: str = "0.0.0.0") -> None:
    db = Database(settings.database_url)
    prepare(db)
    app = build_app(settings, Deps(db, SystemClock(), settings.admins))
    uvicorn.run(create_server(app, db), host=host, port=settings.port, log_level="info")
