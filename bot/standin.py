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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import limits
from bot.standin_install import Call, InstallStandIn, slash_command_payload

BOT_USER = "UMEMBERBOT"
TRIGGER_SECONDS = 3.0  # a trigger id is valid this long, and once
MODAL_STACK_MAX = 3  # views.open + two views.push


@dataclass
class Posted:
    """A message as Slack would hold it: in a channel, to one user (ephemeral) or via response_url."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral_to: str | None = None
    ts: str = ""
    thread_ts: str | None = None  # a reply in the thread of that message
    files: list[str] = field(default_factory=list)  # ids of the files shared with it
    author: str = ""  # who wrote it: "" for the app, a user id for a person (mentions, DMs)


@dataclass
class SlackStandIn:
    team: str
    bot_token: str
    url: str = ""  # where the stand-in itself is served (for upload URLs)
    messages: list[Posted] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # response_url id -> replies
    # (response_url id, arrival number) in arrival order: numbered from the same counter as message
    # ts, so a page can show replies and messages in the order they came (the sandbox does)
    response_log: list[tuple[str, int]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> published Home view
    modals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user -> modal stack, top last
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> name, content, channel
    problems: list[str] = field(default_factory=list)  # Block Kit Slack would refuse (invalid_blocks)
    rate_limited: dict[str, int] = field(default_factory=dict)  # method -> Retry-After for its next call
    # function execution id -> {"outputs": ...} or {"error": ...}: how each workflow step ended
    completions: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: bool = False  # an outage: every Web API call fails with 503
    install: InstallStandIn = field(default_factory=InstallStandIn)  # OAuth and Socket Mode
    _triggers: dict[str, tuple[str, float]] = field(default_factory=dict)  # id -> (user, issued at)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def web_app(self) -> Starlette:
        async def api(request: Request) -> Response:
            method = request.path_params["method"]
            # slack_sdk sends some methods' arguments in the query string (files.getUploadURLExternal)
            body = _arguments(request.headers.get("content-type", ""), await request.body())
            args = {**request.query_params, **body}
            authorization = request.headers.get("authorization", "")
            installing = self.install.answer(
                Call(method, authorization, args, request.headers.get("host", ""))
            )
            if installing is not None:
                return JSONResponse(installing)
            token = authorization.removeprefix("Bearer ")
            # xwfp-: the token Slack gives a workflow step's execution (Bolt uses it to complete it)
            if (
                token != self.bot_token
                and token not in self.install.workspaces
                and not token.startswith("xwfp-")
            ):
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            with self._lock:
                self.calls.append(method)
                if self.down:
                    return JSONResponse({"ok": False, "error": "service_unavailable"}, status_code=503)
                if method in self.rate_limited:
                    wait = self.rate_limited.pop(method)
                    return JSONResponse(
                        {"ok": False, "error": "ratelimited"},
                        status_code=429,
                        headers={"Retry-After": str(wait)},
                    )
                handler = self._methods().get(method)
                if handler is None:
                    return JSONResponse({"ok": False, "error": "unknown_method"})
                refused = self._refused(method, args)
                if refused:
                    self.problems.extend(f"{method}: {p}" for p in refused)
                    return JSONResponse({"ok": False, "error": "invalid_blocks", "problems": refused})
                return JSONResponse(handler(args))

        async def upload(request: Request) -> Response:
            with self._lock:
                held = self.files.get(request.path_params["id"])
                if held is None:
                    return Response("unknown file", status_code=404)
                held["content"] = await request.body()
            return Response("OK - uploaded")

        async def respond(request: Request) -> Response:
            reply = await request.json()
            with self._lock:
                refused = limits.message_problems(reply)
                if refused:
                    self.problems.extend(f"response_url: {p}" for p in refused)
                    return Response("invalid_blocks", status_code=400)
                self.responses.setdefault(request.path_params["id"], []).append(reply)
                self.response_log.append((request.path_params["id"], next(self._ts)))
            return Response("ok")

        return Starlette(
            routes=[
                Route("/api/{method}", api, methods=["POST"]),
                Route("/respond/{id}", respond, methods=["POST"]),
                Route("/upload/{id}", upload, methods=["POST"]),
                *self.install.routes(),
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
            "functions.completeSuccess": lambda a: self._complete(a, "outputs"),
            "functions.completeError": lambda a: self._complete(a, "error"),
            "views.publish": self._publish,
            "views.open": lambda a: self._open(a, push=False),
            "views.push": lambda a: self._open(a, push=True),
            "views.update": self._update_view,
            "users.info": lambda a: {"ok": True, "user": {"id": a.get("user"), "tz": "UTC", "is_bot": False}},
            "conversations.open": lambda a: {"ok": True, "channel": {"id": f"D{a.get('users', '')}"}},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    # Modals: a stack of at most three views per user, opened and pushed with a trigger id that is
    # valid for three seconds and usable once, as Slack's are.

    def issue_trigger(self, user: str) -> str:
        with self._lock:
            trigger = f"{next(self._ts)}.{uuid.uuid4().hex[:12]}"
            self._triggers[trigger] = (user, time.monotonic())
            return trigger

    def _open(self, args: dict[str, Any], *, push: bool) -> dict[str, Any]:
        trigger = str(args.get("trigger_id", ""))
        issued = self._triggers.pop(trigger, None)
        if issued is None:
            return {"ok": False, "error": "trigger_exchanged" if trigger else "invalid_arguments"}
        user, at = issued
        if time.monotonic() - at > TRIGGER_SECONDS:
            return {"ok": False, "error": "expired_trigger_id"}
        view = _json(args.get("view"))
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        stack = self.modals.setdefault(user, [])
        if push and not stack:
            return {"ok": False, "error": "not_found"}
        if push and len(stack) >= MODAL_STACK_MAX:
            return {"ok": False, "error": "push_limit_reached"}
        if not push:
            stack.clear()
        stack.append(self._held(view, user))
        return {"ok": True, "view": stack[-1]}

    def _update_view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json(args.get("view"))
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        for user, stack in self.modals.items():
            for i, held in enumerate(stack):
                if held["id"] == args.get("view_id") or (
                    args.get("external_id") and held.get("external_id") == args.get("external_id")
                ):
                    if args.get("hash") and args["hash"] != held["hash"]:
                        return {"ok": False, "error": "hash_conflict"}
                    stack[i] = self._held(view, user, view_id=held["id"])
                    return {"ok": True, "view": stack[i]}
        return {"ok": False, "error": "not_found"}

    def _held(self, view: dict[str, Any], user: str, view_id: str | None = None) -> dict[str, Any]:
        return {
            **view,
            "id": view_id or f"V{next(self._ts):08d}",
            "hash": uuid.uuid4().hex,
            "team_id": self.team,
            "user": user,
            "state": {"values": {}},
        }

    def top_modal(self, user: str) -> dict[str, Any] | None:
        with self._lock:
            stack = self.modals.get(user) or []
            return stack[-1] if stack else None

    def apply_view_answer(self, user: str, answer: dict[str, Any]) -> None:
        """What Slack does with a view_submission's response: close, update, push, clear or keep
        the view open with field errors (returned to the caller; nothing else changes)."""
        with self._lock:
            stack = self.modals.get(user) or []
            action = answer.get("response_action")
            if action == "update" and stack:
                stack[-1] = self._held(answer["view"], user, view_id=stack[-1]["id"])
            elif action == "push" and 0 < len(stack) < MODAL_STACK_MAX:
                stack.append(self._held(answer["view"], user))
            elif action == "clear":
                stack.clear()
            elif action != "errors" and stack:
                stack.pop()

    # Files: files_upload_v2 asks for an upload URL, uploads there, then completes the upload.

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        self.files[file_id] = {"name": args["filename"], "content": b"", "channel": None}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        listed = _json(args.get("files"))
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in listed:
            held = self.files.get(str(item.get("id")))
            if held is None or not held["content"]:
                return {"ok": False, "error": "file_not_found"}
            held["channel"] = args.get("channel_id")
            held["title"] = item.get("title", held["name"])
            done.append({"id": item["id"], "name": held["name"], "title": held["title"]})
        if args.get("channel_id"):
            comment = str(args.get("initial_comment", ""))
            self._post({"channel": args["channel_id"], "text": comment}, None)
            self.messages[-1].files = [str(item["id"]) for item in listed]
        return {"ok": True, "files": done}

    def _refused(self, method: str, args: dict[str, Any]) -> list[str]:
        """What Slack would refuse in a message or view: every payload is checked against its limits."""
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            return limits.message_problems(args)
        view = _json(args.get("view"))
        if method.startswith("views.") and isinstance(view, dict):
            return limits.view_problems(view)
        return []

    def _publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _json(args.get("view"))
        if not isinstance(view, dict) or view.get("type") != "home" or not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if len(json.dumps(view)) > 250_000:
            return {"ok": False, "error": "view_too_large"}
        self.homes[str(args["user_id"])] = view
        return {"ok": True, "view": view}

    def _complete(self, args: dict[str, Any], how: str) -> dict[str, Any]:
        """A workflow step's end: once per execution, as Slack takes it."""
        execution = str(args.get("function_execution_id", ""))
        if execution in self.completions:
            return {"ok": False, "error": "function_execution_already_completed"}
        value = _json(args.get("outputs")) if how == "outputs" else args.get("error")
        self.completions[execution] = {how: value}
        return {"ok": True}

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

    def written(self, message: Posted) -> None:
        """A message a person wrote (the driver's mentions and DMs, the sandbox's composer), held
        as Slack holds it."""
        with self._lock:
            self.messages.append(message)

    def next_ts(self) -> str:
        """A message ts as the stand-in numbers them (`<time>.<n>`, n in arrival order)."""
        with self._lock:
            return f"{time.time():.0f}.{next(self._ts):06d}"

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
            Posted(
                str(args["channel"]),
                str(args.get("text", "")),
                blocks,
                ephemeral_to,
                ts,
                str(args["thread_ts"]) if args.get("thread_ts") else None,
            )
        )
        return {"ok": True, "channel": args["channel"], "ts": ts}

    def snapshot(self) -> tuple[list[Posted], list[tuple[str, int]], dict[str, list[dict[str, Any]]]]:
        """A consistent copy of the messages, the response arrivals and the replies (the bot
        posts from its own threads while a page reads them)."""
        with self._lock:
            responses = {rid: list(replies) for rid, replies in self.responses.items()}
            return [replace(m) for m in self.messages], list(self.response_log), responses

    def file(self, file_id: str) -> tuple[str, bytes] | None:
        """A shared file's name and content."""
        with self._lock:
            held = self.files.get(file_id)
            return (str(held["name"]), bytes(held["content"])) if held and held["channel"] else None

    def modal_stack(self, user: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.modals.get(user) or [])

    def replies(self, response_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.responses.get(response_id, []))


def _json(value: Any) -> Any:
    """Arguments that slack_sdk sends form-encoded arrive as JSON strings."""
    return json.loads(value) if isinstance(value, str) else value


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
    standin: SlackStandIn | None = None  # issues trigger ids and holds the modals, as Slack does
    last_event: int = 0  # the number of the last event delivered, for a retry of it
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last: tuple[str, str] | None = None  # the body and content type last sent, for `resend`

    def _trigger(self, user: str, response_id: str) -> str:
        return self.standin.issue_trigger(user) if self.standin else f"T{response_id}"

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
        response_id = f"r{next(self._ids)}x{uuid.uuid4().hex[:8]}"  # unique across drivers of one stand-in
        body = urllib.parse.urlencode(
            slash_command_payload(
                command,
                text,
                team=self.team,
                user=user,
                response_url=f"{self.standin_url}/respond/{response_id}",
                channel=channel,
                trigger_id=self._trigger(user, response_id),
            )
        )
        return self._send(body, secret, timestamp), response_id

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        message: Posted | None = None,
        home: dict[str, Any] | None = None,
        kind: str = "button",
    ) -> tuple[httpx.Response, str]:
        """Press a button (or pick an option of a menu: `kind` "static_select", "overflow") of a
        message, or of the user's published Home view; returns the HTTP response and the id of
        its response_url."""
        response_id = f"r{next(self._ids)}x{uuid.uuid4().hex[:8]}"  # unique across drivers of one stand-in
        action: dict[str, Any] = {
            "type": kind,
            "action_id": action_id,
            "block_id": "b",
            "action_ts": f"{time.time():.6f}",
        }
        if kind == "button":
            action["value"] = value
        else:
            action["selected_option"] = {"value": value, "text": {"type": "plain_text", "text": value}}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "sandbox"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "AMEMBERBOT",
            "actions": [action],
            "trigger_id": self._trigger(user, response_id),
        }
        if message is not None:
            payload["container"] = {
                "type": "message",
                "channel_id": message.channel,
                "message_ts": message.ts,
                **({"is_ephemeral": True} if message.ephemeral_to else {}),
            }
            payload["channel"] = {"id": message.channel}
            payload["message"] = {"ts": message.ts, "text": message.text}
            payload["response_url"] = f"{self.standin_url}/respond/{response_id}"
        else:  # Home: Slack sends no response_url for actions in a view
            view = {**(home or {}), "id": f"VHOME{user}"}
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        return self._interaction(payload), response_id

    def _modal(self, user: str) -> dict[str, Any]:
        view = self.standin.top_modal(user) if self.standin else None
        if view is None:
            raise AssertionError(f"{user} has no modal open")
        return view

    def submit(self, user: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit the user's top modal with `values` by block id (text, ISO date, option value or a
        list of them); fields not given keep their initial value. Returns the bot's answer, which
        the stand-in applies as Slack would (close, update, push, clear, or field errors)."""
        view = self._modal(user)
        state = view_state(view, values or {})
        payload = {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "sandbox"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "AMEMBERBOT",
            "trigger_id": self._trigger(user, "submit"),
            "view": {**view, "state": {"values": state}},
        }
        http = self._interaction(payload)
        assert http.status_code == 200, http.text
        answer: dict[str, Any] = http.json() if http.content else {}
        if self.standin:
            self.standin.apply_view_answer(user, answer)
        return answer

    def suggest(self, user: str, action_id: str, typed: str) -> list[dict[str, Any]]:
        """Type into an external_select of the user's top modal; returns the options offered."""
        view = self._modal(user)
        block_id = next(b["block_id"] for b in view.get("blocks", []) if _element_of(b, action_id))
        payload = {
            "type": "block_suggestion",
            "team": {"id": self.team, "domain": "sandbox"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "AMEMBERBOT",
            "action_id": action_id,
            "block_id": block_id,
            "value": typed,
            "view": view,
        }
        http = self._interaction(payload)
        assert http.status_code == 200, http.text
        options: list[dict[str, Any]] = http.json().get("options", [])
        return options

    def choose(
        self, user: str, action_id: str, value: str, values: dict[str, Any] | None = None
    ) -> httpx.Response:
        """Pick an option (or press a button) inside the user's top modal: a block_actions request,
        carrying the form's other inputs as `values` (by block id, as `submit` takes them)."""
        view = self._modal(user)
        block = next(b for b in view.get("blocks", []) if _element_of(b, action_id))
        element = _element_of(block, action_id) or {}
        payload = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "sandbox"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "AMEMBERBOT",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": self._trigger(user, "choose"),
            "view": {
                **view,
                "state": {"values": view_state(view, {**(values or {}), block["block_id"]: value})},
            },
            "actions": [
                {
                    "type": element.get("type"),
                    "action_id": action_id,
                    "block_id": block["block_id"],
                    "value": value,
                    "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self._interaction(payload)

    def _interaction(self, payload: dict[str, Any]) -> httpx.Response:
        return self._send(urllib.parse.urlencode({"payload": json.dumps(payload)}), None, None)

    def run_step(self, callback_id: str, inputs: dict[str, Any], *, retry_of: int | None = None) -> str:
        """A workflow reaches this app's step `callback_id` (a function_executed event); returns
        the execution's id, under which the stand-in keeps how it ended. `retry_of` resends the
        delivery numbered so, as Slack retries it."""
        n = retry_of if retry_of is not None else next(self._ids)
        self.last_event = n
        execution = f"Fx{n:08d}"
        event = {
            "type": "function_executed",
            "function": {
                "id": f"Fn{callback_id}",
                "callback_id": callback_id,
                "title": callback_id,
                "type": "app",
            },
            "inputs": inputs,
            "function_execution_id": execution,
            "workflow_execution_id": f"Wx{n:08d}",
            "event_ts": f"{time.time():.6f}",
            "bot_access_token": f"xwfp-{n}",
        }
        body = {
            "token": "unused",
            "team_id": self.team,
            "api_app_id": "AMEMBERBOT",
            "type": "event_callback",
            "event_id": f"Ev{n:08d}",
            "event_time": int(time.time()),
            "event": event,
        }
        retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"} if retry_of else {}
        response = self._send(json.dumps(body), None, None, content_type="application/json", extra=retry)
        assert response.status_code == 200, response.text
        return execution

    def open_home(self, user: str, *, retry_of: int | None = None) -> httpx.Response:
        """The user opens the app's Home tab (an app_home_opened event); `retry_of` resends the
        delivery numbered so, as Slack retries it (same event_id, X-Slack-Retry-Num)."""
        event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
        return self.event(event, retry_of=retry_of)

    def mention(
        self, text: str, *, user: str, channel: str = "CFRONTDESK", thread_ts: str | None = None
    ) -> httpx.Response:
        """`@memberbot <text>` written in a channel (an app_mention event); the message itself
        is kept in the channel, as Slack keeps it, for the reply's thread."""
        return self.event(self._written(f"<@{BOT_USER}> {text}", user, channel, "channel", thread_ts))

    def direct_message(self, text: str, *, user: str, **extra: Any) -> httpx.Response:
        """`text` written in the app's DM (a message event of channel_type im); `extra` adds to
        the event as Slack would (a subtype, bot_id…)."""
        return self.event({**self._written(text, user, f"D{user}", "im", None), **extra})

    def _written(
        self, text: str, user: str, channel: str, channel_type: str, thread_ts: str | None
    ) -> dict[str, Any]:
        ts = (
            self.standin.next_ts() if self.standin is not None else f"{time.time():.0f}.{next(self._ids):06d}"
        )
        if self.standin is not None:
            self.standin.written(Posted(channel, text, [], None, ts, thread_ts, author=user))
        kind = "message" if channel_type == "im" else "app_mention"
        event = {"type": kind, "user": user, "text": text, "ts": ts, "channel": channel}
        if kind == "message":
            event["channel_type"] = channel_type
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    def event(self, event: dict[str, Any], *, retry_of: int | None = None) -> httpx.Response:
        """An Events API delivery of `event`; `retry_of` resends the delivery numbered so, as Slack
        retries it (same event_id, X-Slack-Retry-Num)."""
        n = retry_of if retry_of is not None else next(self._ids)
        self.last_event = n
        body = json.dumps(
            {
                "token": "unused",
                "team_id": self.team,
                "api_app_id": "AMEMBERBOT",
                "type": "event_callback",
                "event_id": f"Ev{n:08d}",
                "event_time": int(time.time()),
                "event": {"event_ts": f"{time.time():.6f}", **event},
            }
        )
        retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"} if retry_of else {}
        return self._send(body, None, None, content_type="application/json", extra=retry)

    def shortcut(
        self, callback_id: str, *, user: str, message: Posted | None = None
    ) -> tuple[httpx.Response, str]:
        """Run a global shortcut, or a message shortcut on `message`; returns the HTTP response
        and the id of its response_url (a message shortcut's; a global one has none)."""
        response_id = f"r{next(self._ids)}x{uuid.uuid4().hex[:8]}"
        payload: dict[str, Any] = {
            "type": "shortcut" if message is None else "message_action",
            "callback_id": callback_id,
            "team": {"id": self.team, "domain": "sandbox"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "AMEMBERBOT",
            "action_ts": f"{time.time():.6f}",
            "trigger_id": self._trigger(user, response_id),
        }
        if message is not None:
            payload["channel"] = {"id": message.channel}
            payload["message"] = {"type": "message", "ts": message.ts, "text": message.text}
            payload["message_ts"] = message.ts
            payload["response_url"] = f"{self.standin_url}/respond/{response_id}"
        return self._interaction(payload), response_id

    def _send(
        self,
        body: str,
        secret: str | None,
        timestamp: int | None,
        content_type: str = "application/x-www-form-urlencoded",
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        self._last = (body, content_type)
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature(secret or self.secret, stamp, body),
            **(extra or {}),
        }
        return httpx.post(f"{self.bot_url}/slack/events", content=body, headers=headers, timeout=10)

    def resend(self, *, retry: int | None = None) -> httpx.Response:
        """The last request again, body for body: Slack's retry of it (`retry`: X-Slack-Retry-Num),
        a double submission, or a replay of a captured request within Slack's five minutes."""
        assert self._last is not None, "nothing was sent yet"
        body, content_type = self._last
        extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} if retry else {}
        return self._send(body, None, None, content_type=content_type, extra=extra)


def _element_of(block: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    elements = [block["element"]] if "element" in block else block.get("elements", [])
    if block.get("accessory"):
        elements = [*elements, block["accessory"]]
    return next((e for e in elements if isinstance(e, dict) and e.get("action_id") == action_id), None)


def view_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `state.values` Slack sends with a view: each input's value as typed or chosen, or its
    initial value when untouched."""
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id, kind = block["block_id"], element["type"]
        given = values.get(block_id, _initial(element))
        state[block_id] = {element["action_id"]: _state_value(kind, element, given)}
    return state


def _initial(element: dict[str, Any]) -> Any:
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    if "initial_user" in element or "initial_conversation" in element:
        return element.get("initial_user", element.get("initial_conversation"))
    return element.get("initial_value", element.get("initial_date", element.get("initial_time")))


def _state_value(kind: str, element: dict[str, Any], given: Any) -> dict[str, Any]:
    def option(value: str) -> dict[str, Any]:
        known = [o for o in element.get("options", []) if o.get("value") == value]
        return known[0] if known else {"value": value, "text": {"type": "plain_text", "text": value}}

    if kind in ("plain_text_input", "email_text_input", "number_input", "url_text_input"):
        return {"type": kind, "value": given}
    if kind == "datepicker":
        return {"type": kind, "selected_date": given}
    if kind == "timepicker":
        return {"type": kind, "selected_time": given}
    if kind in ("static_select", "external_select", "radio_buttons"):
        return {"type": kind, "selected_option": option(given) if given else None}
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return {"type": kind, "selected_options": [option(v) for v in given or []]}
    if kind == "users_select":
        return {"type": kind, "selected_user": given}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": given}
    raise AssertionError(f"the stand-in does not know input elements of type {kind}")
