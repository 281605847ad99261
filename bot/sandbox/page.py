"""The sandbox's web page: a Slack-like client for one workspace. It renders what the stand-in
holds (messages, modals, Home views) and turns each click, menu choice, typed command and
submitted form into the request Slack would send the bot, through the stand-in's Driver: the
bot cannot tell the page from Slack. Rendering is on the server (Jinja2); a little JavaScript
polls for what arrives later and searches external selects."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from datetime import date
from urllib.parse import parse_qsl, quote, urlsplit

from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.sandbox import forms, people
from bot.sandbox.forms import Note
from bot.sandbox.rendering import HERE, commands, environment
from bot.sandbox.state import Sandbox
from bot.sandbox.timeline import Origin, Shown, conversation, fingerprint
from bot.standin import Posted, SlackStandIn
from core.context import SYSTEM, transaction
from core.kernel.errors import MemberbotError

log = logging.getLogger("memberbot.sandbox")


def create_page(sandbox: Sandbox) -> Starlette:
    page = _Page(sandbox)
    return Starlette(
        routes=[
            Route("/", page.root),
            Route("/favicon.ico", lambda _: Response(status_code=204)),
            Route("/c/{channel}", page.show),
            Route("/dm", page.show),
            Route("/home", page.show),
            Route("/poll", page.poll),
            Route("/files/{id}", page.shared_file),
            Route("/as", page.switch, methods=["POST"]),
            Route("/command", page.command, methods=["POST"]),
            Route("/click", page.click, methods=["POST"]),
            Route("/shortcut", page.shortcut, methods=["POST"]),
            Route("/modal/submit", page.submit, methods=["POST"]),
            Route("/modal/close", page.close, methods=["POST"]),
            Route("/modal/action", page.modal_action, methods=["POST"]),
            Route("/modal/suggest", page.suggest, methods=["POST"]),
            Route("/clock", page.advance, methods=["POST"]),
            Route("/clock/dismiss", page.dismiss, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        exception_handlers={Exception: page.failed},
    )


class _Page:
    """The page's routes, over one sandbox: each handler turns a request into what Slack would
    send the bot, or renders what the stand-in holds."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.env = environment()
        self.env.globals["file_name"] = lambda file_id: (sandbox.standin.file(file_id) or ("a file", b""))[0]
        self.listed = commands()
        self.known = {c.name for c in self.listed}

    def viewer(self, request: Request) -> str:
        who = request.cookies.get("who", "")
        return who if who in people.BY_ID else people.ADMIN.id

    def where(self, path: str, user: str) -> tuple[str, str, set[str]]:
        """A page path as (kind, channel id, the channel ids shown there)."""
        parts = urlsplit(path).path.strip("/").split("/")
        if parts[0] == "home":
            return "home", "", set()
        if parts[0] == "dm":
            return "dm", f"D{user}", people.dm_of(user)
        channel = parts[1] if len(parts) > 1 and parts[1] in people.CHANNELS else people.FRONT_DESK
        return "channel", channel, {channel}

    def main_html(self, path: str, user: str) -> str:
        kind, channel, channels = self.where(path, user)
        if kind == "home":
            home = self.sandbox.standin.homes.get(user)
            return self.env.get_template("_home.html.j2").render(home=home, user=user, path=path)
        shown = conversation(self.sandbox.standin, self.sandbox.origins, channels, user)
        return self.env.get_template("_messages.html.j2").render(
            messages=shown, user=user, channel=channel, path=path
        )

    def modal_html(self, user: str, path: str) -> str:
        stack = self.sandbox.standin.modal_stack(user)
        if not stack:
            return ""
        view = stack[-1]
        return self.env.get_template("_modal.html.j2").render(
            view=view, depth=len(stack), note=self.sandbox.notes.get(view["hash"]), path=path
        )

    def clock_day(self) -> date:
        with transaction(self.sandbox.db, people.TEAM, SYSTEM, self.sandbox.clock, write=False) as ctx:
            return ctx.today()

    async def show(self, request: Request) -> Response:
        user = self.viewer(request)
        path = request.url.path
        kind, channel, _ = self.where(path, user)
        if kind == "home":
            before = self.sandbox.standin.homes.get(user)
            await asyncio.to_thread(self.sandbox.driver.open_home, user)
            await asyncio.to_thread(
                self.sandbox.changed,
                user,
                (),
                until=lambda: self.sandbox.standin.homes.get(user) is not before,
            )
        today = await asyncio.to_thread(self.clock_day)
        main, modal = await asyncio.to_thread(self.main_html, path, user), self.modal_html(user, path)
        html = self.env.get_template("page.html.j2").render(
            user=user,
            me=people.BY_ID[user],
            kind=kind,
            channel=channel,
            path=path,
            main=Markup(main),
            main_sig=_sig(main),
            modal=Markup(modal),
            modal_sig=_sig(modal),
            commands=self.listed,
            today=today,
            move=self.sandbox.last_move,
            flashes=self.sandbox.flashes.pop(user, []),
            dms=_dm_counts(self.sandbox.standin),
        )
        return HTMLResponse(html)

    async def poll(self, request: Request) -> Response:
        user = self.viewer(request)
        path = request.query_params.get("at", "/")
        main, modal = await asyncio.to_thread(self.main_html, path, user), self.modal_html(user, path)
        return JSONResponse({"main": main, "main_sig": _sig(main), "modal": modal, "modal_sig": _sig(modal)})

    def back(self, form: FormData) -> RedirectResponse:
        target = str(form.get("back", "/"))
        local = target.startswith("/") and not target.startswith("//")  # never off to another site
        return RedirectResponse(target if local else "/", status_code=303)

    async def switch(self, request: Request) -> Response:
        form = await _form(request)
        response = self.back(form)
        who = str(form.get("user", ""))
        if who in people.BY_ID:
            response.set_cookie("who", who, samesite="lax")
        return response

    async def command(self, request: Request) -> Response:
        form = await _form(request)
        user = self.viewer(request)
        _, channel, _ = self.where(str(form.get("back", "/")), user)
        typed = str(form.get("text", "")).strip()
        name, _, text = typed.partition(" ")
        if not typed:
            return self.back(form)
        if not typed.startswith("/"):
            return await self.write(form, user, channel, typed)
        if self.known and name not in self.known:  # no manifest at hand (an installed wheel): let the bot say
            hint = ", ".join(sorted(self.known))
            self.sandbox.flashes.setdefault(user, []).append(
                f"{name} is not a command here. Try one of {hint}."
            )
            return self.back(form)
        before = fingerprint(self.sandbox.standin, people.BY_ID)
        _, rid = await asyncio.to_thread(
            self.sandbox.driver.slash, name, text.strip(), user=user, channel=channel
        )
        self.sandbox.origins[rid] = Origin(user, channel)
        await asyncio.to_thread(self.sandbox.changed, user, before)
        return self.back(form)

    async def write(self, form: FormData, user: str, channel: str, typed: str) -> Response:
        """Words that are no command: in the app's DM a message to it; in a channel a message,
        for the app only when it names @memberbot (a mention). Either can take a message shortcut."""
        before = fingerprint(self.sandbox.standin, people.BY_ID)
        mentioned = re.search(r"@memberbot\b", typed, re.IGNORECASE)
        if channel.startswith("D"):
            await asyncio.to_thread(self.sandbox.driver.direct_message, typed, user=user)
        elif mentioned:
            said = f"{typed[: mentioned.start()]} {typed[mentioned.end() :]}".strip()
            await asyncio.to_thread(self.sandbox.driver.mention, said, user=user, channel=channel)
        else:
            ts = self.sandbox.standin.next_ts()
            self.sandbox.standin.written(Posted(channel, typed, [], None, ts, author=user))
            return self.back(form)
        await asyncio.to_thread(self.sandbox.changed, user, before)
        return self.back(form)

    async def shortcut(self, request: Request) -> Response:
        """A global shortcut (from the composer's menu), or a message shortcut on a message."""
        form = await _form(request)
        user = self.viewer(request)
        callback_id, key = str(form.get("callback_id", "")), str(form.get("key", ""))
        before = fingerprint(self.sandbox.standin, people.BY_ID)
        if key:
            _, _, channels = self.where(str(form.get("back", "/")), user)
            message = _message(self.sandbox, key, channels, user)
            if message is None:
                return self.back(form)
            _, rid = await asyncio.to_thread(
                self.sandbox.driver.shortcut, callback_id, user=user, message=message
            )
            self.sandbox.origins[rid] = Origin(user, message.channel)
        else:
            await asyncio.to_thread(self.sandbox.driver.shortcut, callback_id, user=user)
        await asyncio.to_thread(self.sandbox.changed, user, before)
        return self.back(form)

    async def click(self, request: Request) -> Response:
        form = await _form(request)
        user = self.viewer(request)
        key, action_id = str(form.get("key", "")), str(form.get("action_id", ""))
        value, kind = str(form.get("value", "")), str(form.get("kind", "button"))
        before = fingerprint(self.sandbox.standin, people.BY_ID)
        if key == "home":
            home = self.sandbox.standin.homes.get(user) or {}
            await asyncio.to_thread(
                self.sandbox.driver.click, action_id, value, user=user, home=home, kind=kind
            )
        else:
            _, _, channels = self.where(str(form.get("back", "/")), user)
            message = _message(self.sandbox, key, channels, user)
            if message is None:
                return self.back(form)
            _, rid = await asyncio.to_thread(
                self.sandbox.driver.click, action_id, value, user=user, message=message, kind=kind
            )
            self.sandbox.origins[rid] = Origin(user, message.channel, key)
        await asyncio.to_thread(self.sandbox.changed, user, before)
        return self.back(form)

    async def submit(self, request: Request) -> Response:
        form = await _form(request)
        user = self.viewer(request)
        view = self.sandbox.standin.top_modal(user)
        if view is None:
            return self.back(form)
        note = forms.read(view, form)
        before = fingerprint(self.sandbox.standin, people.BY_ID)
        answer = await asyncio.to_thread(self.sandbox.driver.submit, user, note.values)
        if answer.get("response_action") == "errors":
            note.errors = {str(k): str(v) for k, v in answer.get("errors", {}).items()}
            self.sandbox.notes[view["hash"]] = note
        else:
            self.sandbox.notes.pop(view["hash"], None)
            await asyncio.to_thread(self.sandbox.changed, user, before)
        return self.back(form)

    async def close(self, request: Request) -> Response:
        form = await _form(request)
        # As Slack does: Cancel (Back) closes the top view, the close box closes them all.
        closing = {"response_action": "clear"} if form.get("close") == "all" else {}
        self.sandbox.standin.apply_view_answer(self.viewer(request), closing)
        return self.back(form)

    async def modal_action(self, request: Request) -> Response:
        """A button pressed, or an option chosen with dispatch_action, inside the top modal."""
        form = await _form(request)
        user = self.viewer(request)
        view = self.sandbox.standin.top_modal(user)
        pressed = json.loads(str(form.get("press", "{}")))
        if view is None or not pressed.get("a"):
            return self.back(form)
        note = forms.read(view, form)
        value = pressed.get("v")
        if value is None:
            value = note.values.get(str(pressed.get("b", "")), "") or ""
        self.sandbox.notes[view["hash"]] = note
        before = fingerprint(self.sandbox.standin, people.BY_ID)
        await asyncio.to_thread(self.sandbox.driver.choose, user, str(pressed["a"]), str(value), note.values)
        await asyncio.to_thread(self.sandbox.changed, user, before)
        updated = self.sandbox.standin.top_modal(user)
        if updated is not None and updated["hash"] != view["hash"] and updated["id"] == view["id"]:
            self.sandbox.notes[updated["hash"]] = Note(dict(note.values), dict(note.labels))  # typed stays
        return self.back(form)

    async def suggest(self, request: Request) -> Response:
        asked = await request.json()
        user = self.viewer(request)
        options = await asyncio.to_thread(
            self.sandbox.driver.suggest, user, str(asked.get("action_id", "")), str(asked.get("typed", ""))
        )
        return JSONResponse(
            [{"value": o["value"], "label": o.get("text", {}).get("text", o["value"])} for o in options]
        )

    async def advance(self, request: Request) -> Response:
        form = await _form(request)
        user = self.viewer(request)
        try:
            day = date.fromisoformat(str(form.get("to", "")))
            self.sandbox.last_move = await asyncio.to_thread(self.sandbox.advance, day)
        except ValueError:
            self.sandbox.flashes.setdefault(user, []).append("Choose the day to move the clock to.")
        except MemberbotError as exc:
            self.sandbox.flashes.setdefault(user, []).append(exc.message)
        return self.back(form)

    async def dismiss(self, request: Request) -> Response:
        form = await _form(request)
        self.sandbox.last_move = None
        return self.back(form)

    async def shared_file(self, request: Request) -> Response:
        """A file the bot uploaded to a conversation (the Excel credit report), to download."""
        held = self.sandbox.standin.file(request.path_params["id"])
        if held is None:
            return Response("No such file.", status_code=404)
        name, content = held
        disposition = f"attachment; filename*=UTF-8''{quote(name)}"  # RFC 6266: any name survives
        return Response(content, headers={"content-disposition": disposition})

    async def failed(self, request: Request, exc: Exception) -> Response:
        """Whatever breaks (the bot refusing a request, say) is shown, not a bare 500."""
        log.exception("the sandbox page failed on %s", request.url.path, exc_info=exc)
        return HTMLResponse(
            f"<p>The sandbox could not do that: {escape(type(exc).__name__)}: {escape(str(exc))}</p>"
            '<p><a href="/">Back to the sandbox</a> (details are in its output)</p>',
            status_code=500,
        )

    async def root(self, _: Request) -> Response:
        return RedirectResponse(f"/c/{people.FRONT_DESK}", status_code=303)


def _dm_counts(standin: SlackStandIn) -> dict[str, int]:
    """How many direct messages each person has had from the bot (who gets which reminder)."""
    messages = standin.snapshot()[0]
    return {
        p.id: sum(1 for m in messages if m.channel in people.dm_of(p.id) and not m.thread_ts)
        for p in people.PEOPLE
    }


def _message(sandbox: Sandbox, key: str, channels: set[str], user: str) -> Posted | None:
    """The message whose button was pressed, as the user sees it now (a reply through a
    response_url has no ts of its own in Slack's payload; its key stands in for one)."""
    shown: Shown | None = next(
        (s for s in conversation(sandbox.standin, sandbox.origins, channels, user) if s.key == key), None
    )
    if shown is None:
        return None
    return Posted(
        shown.channel, shown.text, shown.blocks, user if shown.ephemeral else None, key, author=shown.author
    )


def _sig(html: str) -> str:
    """Lets the page's poller tell whether a fragment changed without comparing it whole."""
    return hashlib.sha1(html.encode(), usedforsecurity=False).hexdigest()


async def _form(request: Request) -> FormData:
    """The page's forms are URL-encoded (no file uploads), read without python-multipart."""
    fields: list[tuple[str, str | UploadFile]] = list(
        parse_qsl((await request.body()).decode(), keep_blank_values=True)
    )
    return FormData(fields)
