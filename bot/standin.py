"""A local stand-in for Slack: the Web API methods the bot calls, with state, and a driver that
sends the bot correctly signed requests over HTTP as Slack would. Used by the tests now and the
sandbox later. It grows with the bot: a method it does not know answers `unknown_method`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_USER = "UMEMBERBOT"


@dataclass
class Posted:
    """A message as Slack would hold it: in a channel, to one user (ephemeral) or via response_url."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral_to: str | None = None
    ts: str = ""


@dataclass
class SlackStandIn:
    team: str
    bot_token: str
    messages: list[Posted] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # response_url id -> replies
    calls: list[str] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> published Home view
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def web_app(self) -> Starlette:
        async def api(request: Request) -> Response:
            method = request.path_params["method"]
            if request.headers.get("authorization") != f"Bearer {self.bot_token}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            args = _arguments(request.headers.get("content-type", ""), await request.body())
            with self._lock:
                self.calls.append(method)
                handler = self._methods().get(method)
                if handler is None:
                    return JSONResponse({"ok": False, "error": "unknown_method"})
                return JSONResponse(handler(args))

        async def respond(request: Request) -> Response:
            with self._lock:
                self.responses.setdefault(request.path_params["id"], []).append(await request.json())
            return Response("ok")

        return Starlette(
            routes=[
                Route("/api/{method}", api, methods=["POST"]),
                Route("/respond/{id}", respond, methods=["POST"]),
            ]
        )

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": lambda _: {
                "ok": True,
                "team_id": self.team,
                "user_id": BOT_USER,
                "bot_id": "BMEMBERBOT",
                "team": "Sandbox",
                "url": "https://sandbox.slack.example/",
            },
            "chat.postMessage": lambda a: self._post(a, None),
            "chat.postEphemeral": lambda a: self._post(a, str(a.get("user", ""))),
            "chat.update": self._update,
            "views.publish": self._publish,
        }

    def _publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict) or view.get("type") != "home" or not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if len(json.dumps(view)) > 250_000:
            return {"ok": False, "error": "view_too_large"}
        self.homes[str(args["user_id"])] = view
        return {"ok": True, "view": view}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        for posted in self.messages:
            if (
                posted.channel == args.get("channel")
                and posted.ts == args.get("ts")
                and not posted.ephemeral_to
            ):
                posted.text = str(args.get("text", posted.text))
                blocks = args.get("blocks", posted.blocks)
                posted.blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
                return {"ok": True, "channel": posted.channel, "ts": posted.ts}
        return {"ok": False, "error": "message_not_found"}

    def channel_messages(self, channel: str) -> list[Posted]:
        with self._lock:
            return [m for m in self.messages if m.channel == channel and not m.ephemeral_to]

    def _post(self, args: dict[str, Any], ephemeral_to: str | None) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        ts = f"{time.time():.0f}.{next(self._ts):06d}"
        self.messages.append(
            Posted(str(args["channel"]), str(args.get("text", "")), blocks, ephemeral_to, ts)
        )
        return {"ok": True, "channel": args["channel"], "ts": ts}

    def replies(self, response_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.responses.get(response_id, []))


def _arguments(content_type: str, body: bytes) -> dict[str, Any]:
    """Web API arguments arrive form-encoded or as JSON, as slack_sdk sends them."""
    if not body:
        return {}
    if "json" in content_type:
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    return {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class Driver:
    """Sends the bot what Slack would send, signed with the app's signing secret."""

    bot_url: str  # e.g. http://127.0.0.1:3000
    standin_url: str
    secret: str
    team: str
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def slash(
        self,
        command: str,
        text: str,
        *,
        user: str,
        channel: str = "CFRONTDESK",
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[httpx.Response, str]:
        """POST a slash command; returns the HTTP response and the id of its response_url."""
        response_id = f"r{next(self._ids)}"
        body = urllib.parse.urlencode(
            {
                "token": "unused",
                "team_id": self.team,
                "team_domain": "sandbox",
                "channel_id": channel,
                "channel_name": "front-desk",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "AMEMBERBOT",
                "is_enterprise_install": "false",
                "response_url": f"{self.standin_url}/respond/{response_id}",
                "trigger_id": f"T{response_id}",
            }
        )
        return self._send(body, secret, timestamp), response_id

    def click(self, action_id: str, value: str, *, user: str, message: Posted) -> tuple[httpx.Response, str]:
        """Press a button of a message; returns the HTTP response and the id of its response_url."""
        response_id = f"r{next(self._ids)}"
        payload = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "sandbox"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "AMEMBERBOT",
            "container": {"type": "message", "channel_id": message.channel, "message_ts": message.ts},
            "channel": {"id": message.channel},
            "message": {"ts": message.ts, "text": message.text},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
            "response_url": f"{self.standin_url}/respond/{response_id}",
            "trigger_id": f"T{response_id}",
        }
        return self._send(urllib.parse.urlencode({"payload": json.dumps(payload)}), None, None), response_id

    def open_home(self, user: str) -> httpx.Response:
        """The user opens the app's Home tab (an app_home_opened event)."""
        n = next(self._ids)
        body = json.dumps(
            {
                "token": "unused",
                "team_id": self.team,
                "api_app_id": "AMEMBERBOT",
                "type": "event_callback",
                "event_id": f"Ev{n:08d}",
                "event_time": int(time.time()),
                "event": {
                    "type": "app_home_opened",
                    "user": user,
                    "channel": f"D{user}",
                    "tab": "home",
                    "event_ts": f"{time.time():.6f}",
                },
            }
        )
        return self._send(body, None, None, content_type="application/json")

    def _send(
        self,
        body: str,
        secret: str | None,
        timestamp: int | None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature(secret or self.secret, stamp, body),
        }
        return httpx.post(f"{self.bot_url}/slack/events", content=body, headers=headers, timeout=10)
