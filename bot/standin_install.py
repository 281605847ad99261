"""The Slack stand-in's side for installing and connecting the app, for tests and the sandbox:

- OAuth: `authorize()` plays the person who approves the install in Slack and returns the code
  Slack would redirect with; `oauth.v2.access` exchanges it for that workspace's bot token, and
  `auth.test` answers for the tokens issued that way.
- Socket Mode: `apps.connections.open` (app-level token) returns a ws:// URL on the stand-in, whose
  WebSocket says hello, delivers the envelopes given to `deliver()` and records the acks.

SlackStandIn (bot/standin.py) holds one: `answer()` answers the Web API calls that are its
business (each checks its own credentials) and None to the rest; `routes()` are its extra routes.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

SOCKET_PATH = "/socket-mode"


@dataclass(frozen=True)
class Workspace:
    team: str
    name: str
    bot_token: str
    installer: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """A Web API call as it reached the stand-in."""

    method: str
    authorization: str  # the Authorization header, "" when absent
    args: dict[str, Any]
    host: str  # the Host header: where the stand-in is reachable

    @property
    def bearer(self) -> str:
        scheme, _, token = self.authorization.partition(" ")
        return token if scheme.lower() == "bearer" else str(self.args.get("token", ""))


@dataclass
class Connection:
    """One open Socket Mode WebSocket: envelopes to it go through its event loop's queue."""

    loop: asyncio.AbstractEventLoop
    outbox: asyncio.Queue[dict[str, Any]]


@dataclass
class InstallStandIn:
    """Slack's side of one app: its credentials, the workspaces that installed it, its sockets."""

    client_id: str = "1111111111.2222222222"
    client_secret: str = "standin-client-secret"
    app_token: str = "xapp-1-AMEMBERBOT-standin"
    app_id: str = "AMEMBERBOT"
    bot_user: str = "UMEMBERBOT"  # the app's bot user, as bot/standin.py's BOT_USER
    workspaces: dict[str, Workspace] = field(default_factory=dict)  # bot token -> workspace
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # envelope id -> the app's ack
    calls: list[Call] = field(default_factory=list)  # the calls answered here, in order
    _codes: dict[str, Workspace] = field(default_factory=dict)  # code -> workspace it installs
    _tickets: set[str] = field(default_factory=set)  # WebSocket URLs handed out, each usable once
    _connections: list[Connection] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- OAuth -----------------------------------------------------------------------------

    def authorize(
        self, team: str, *, installer: str, name: str = "", scopes: tuple[str, ...] = ("commands",)
    ) -> str:
        """`installer` approves installing the app in `team`; returns the code of the redirect."""
        workspace = Workspace(team, name or team, f"xoxb-{team}-{uuid.uuid4().hex[:12]}", installer, scopes)
        code = f"code-{uuid.uuid4().hex}"
        with self._lock:
            self._codes[code] = workspace
        return code

    def token_of(self, team: str) -> str | None:
        with self._lock:
            return next((t for t, w in self.workspaces.items() if w.team == team), None)

    def _oauth_access(self, call: Call) -> dict[str, Any]:
        if self._client_credentials(call) != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        workspace = self._codes.pop(str(call.args.get("code", "")), None)  # a code is good once
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        self.workspaces[workspace.bot_token] = workspace
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": workspace.installer},
            "scope": ",".join(workspace.scopes),
            "token_type": "bot",
            "access_token": workspace.bot_token,
            "bot_user_id": self.bot_user,
            "team": {"id": workspace.team, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    @staticmethod
    def _client_credentials(call: Call) -> tuple[str, str]:
        """slack_sdk sends them as HTTP basic auth; form arguments are accepted too, as Slack does."""
        scheme, _, encoded = call.authorization.partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
            return client_id, secret
        return str(call.args.get("client_id", "")), str(call.args.get("client_secret", ""))

    def _auth_test(self, workspace: Workspace) -> dict[str, Any]:
        return {
            "ok": True,
            "team_id": workspace.team,
            "team": workspace.name,
            "user_id": self.bot_user,
            "bot_id": f"B{workspace.team}",
            "url": f"https://{workspace.team.lower()}.slack.example/",
        }

    # --- Socket Mode -----------------------------------------------------------------------

    def _connections_open(self, call: Call) -> dict[str, Any]:
        if call.bearer != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://{call.host}{SOCKET_PATH}?ticket={ticket}"}

    def connected(self) -> bool:
        with self._lock:
            return bool(self._connections)

    def deliver(self, kind: str, payload: dict[str, Any]) -> str:
        """Send an envelope (`slash_commands`, `interactive` or `events_api`) to the connected app,
        as Slack does to one of the app's connections; returns its envelope id."""
        envelope_id = f"env-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        with self._lock:
            if not self._connections:
                raise RuntimeError("no Socket Mode connection is open")
            connection = self._connections[0]
        connection.loop.call_soon_threadsafe(connection.outbox.put_nowait, envelope)
        return envelope_id

    def ack(self, envelope_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self.acks.get(envelope_id)

    async def _socket(self, websocket: WebSocket) -> None:
        with self._lock:
            admitted = websocket.query_params.get("ticket", "") in self._tickets
            self._tickets.discard(websocket.query_params.get("ticket", ""))
        if not admitted:
            await websocket.close(code=1008)  # policy violation: a URL we did not hand out, or reused
            return
        await websocket.accept()
        connection = Connection(asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._connections.append(connection)
        try:
            await websocket.send_json(self._hello())
            await _until_first_done(self._send_envelopes(websocket, connection), self._take_acks(websocket))
        finally:
            with self._lock:
                self._connections.remove(connection)

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._connections),
            "connection_info": {"app_id": self.app_id},
            "debug_info": {"host": "standin", "approximate_connection_time": 18060},
        }

    @staticmethod
    async def _send_envelopes(websocket: WebSocket, connection: Connection) -> None:
        while True:
            await websocket.send_json(await connection.outbox.get())

    async def _take_acks(self, websocket: WebSocket) -> None:
        try:
            while True:
                ack = json.loads(await websocket.receive_text())
                with self._lock:
                    self.acks[str(ack.get("envelope_id"))] = ack
        except WebSocketDisconnect:
            return

    # --- What the stand-in mounts ----------------------------------------------------------

    def answer(self, call: Call) -> dict[str, Any] | None:
        """The answer to a Web API call that is this side's business, else None."""
        with self._lock:
            answer = self._answer(call)
            if answer is not None:
                self.calls.append(call)
            return answer

    def _answer(self, call: Call) -> dict[str, Any] | None:
        if call.method == "oauth.v2.access":
            return self._oauth_access(call)
        if call.method == "apps.connections.open":
            return self._connections_open(call)
        workspace = self.workspaces.get(call.bearer)
        if call.method == "auth.test" and workspace is not None:
            return self._auth_test(workspace)
        return None

    def routes(self) -> list[BaseRoute]:
        return [WebSocketRoute(SOCKET_PATH, self._socket)]


async def _until_first_done(*work: Awaitable[None]) -> None:
    """Run until one finishes (the app hung up), then stop the others."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def slash_command_payload(
    command: str,
    text: str,
    *,
    team: str,
    user: str,
    response_url: str,
    channel: str = "CFRONTDESK",
    trigger_id: str = "",
) -> dict[str, Any]:
    """A slash command's fields as Slack sends them: the HTTP form's (Driver.slash), or the JSON
    object Socket Mode carries."""
    return {
        "token": "unused",
        "team_id": team,
        "team_domain": "sandbox",
        "channel_id": channel,
        "channel_name": "front-desk",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "AMEMBERBOT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"T{uuid.uuid4().hex[:10]}",
    }
