"""Socket Mode: the app opens a WebSocket to Slack (`apps.connections.open` with the app-level
token) and Slack delivers every request over it; no public URL is needed. Bolt's aiohttp handler
(aiohttp is already the AsyncWebClient's transport) runs the same AsyncApp and listeners as HTTP."""

from __future__ import annotations

import socket
from typing import Protocol

import uvicorn
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.settings import SettingsError


class Connection(Protocol):
    """What we use of Bolt's handler, typed (Bolt leaves these two methods unannotated)."""

    async def connect_async(self) -> None: ...

    async def close_async(self) -> None: ...


async def run_socket_mode(
    app: AsyncApp, app_token: str, http: uvicorn.Server, sockets: list[socket.socket] | None = None
) -> None:
    """Connect to Slack, then serve HTTP (/healthz and any install pages) until asked to stop
    (SIGTERM, Ctrl-C or `http.should_exit`); the connection is closed on the way out."""
    await check_app_token(app, app_token)
    # Built here: the handler starts its message processor on the running event loop.
    connection: Connection = AsyncSocketModeHandler(app, app_token)
    await connection.connect_async()
    try:
        await http.serve(sockets)
    finally:
        await connection.close_async()


async def check_app_token(app: AsyncApp, app_token: str) -> None:
    """Bolt's client retries a refused token forever; refuse to start instead, naming the setting.
    (The URL this asks for goes unused; Slack lets unused ones expire.)"""
    try:
        await app.client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack: {exc.response.get('error')}") from None
