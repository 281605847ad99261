"""What one person sees in one conversation, composed as Slack shows it: the channel's messages,
the ephemeral ones meant for them, and the replies that came through a response_url — ephemeral
unless `in_channel`, or replacing (or deleting) the message whose button was pressed. The page
records where each response_url it handed out came from (`Origin`); the stand-in holds the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.standin import Posted, SlackStandIn


@dataclass(frozen=True)
class Origin:
    """Where a response_url was handed out: who asked, in which conversation, and the message
    whose button was pressed (None for a slash command)."""

    user: str
    channel: str
    message: str | None = None


@dataclass
class Shown:
    key: str  # a message's ts, or "<response id>/<n>" for the n-th reply through a response_url
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral: bool
    order: int
    replies: list[Shown] = field(default_factory=list)  # its thread
    files: list[str] = field(default_factory=list)  # ids of files shared with it
    author: str = ""  # "" for the app, else the person who wrote it


def order_of(ts: str) -> int:
    """The stand-in numbers message ts and response arrivals from one counter: `<time>.<n>`."""
    _, _, n = ts.partition(".")
    return int(n) if n.isdigit() else 0


def conversation(
    standin: SlackStandIn, origins: dict[str, Origin], channels: set[str], viewer: str
) -> list[Shown]:
    messages, log, responses = standin.snapshot()
    events: list[tuple[int, Posted | tuple[str, dict[str, Any], int]]] = [
        (order_of(m.ts), m) for m in messages
    ]
    seen: dict[str, int] = {}
    for rid, n in log:
        index = seen.get(rid, 0)
        seen[rid] = index + 1
        if rid in origins and index < len(responses.get(rid, [])):
            events.append((n, (rid, responses[rid][index], index)))
    shown: dict[str, Shown] = {}
    threads: list[Posted] = []
    for n, event in sorted(events, key=lambda e: e[0]):
        if isinstance(event, Posted):
            if event.channel not in channels or event.ephemeral_to not in (None, viewer):
                continue
            if event.thread_ts:
                threads.append(event)
                continue
            shown[event.ts] = Shown(
                event.ts,
                event.channel,
                event.text,
                event.blocks,
                event.ephemeral_to is not None,
                n,
                files=list(event.files),
                author=event.author,
            )
        else:
            _respond(shown, origins, channels, viewer, n, *event)
    for reply in threads:
        parent = shown.get(reply.thread_ts or "")
        if parent is not None:
            parent.replies.append(
                Shown(
                    reply.ts,
                    reply.channel,
                    reply.text,
                    reply.blocks,
                    reply.ephemeral_to is not None,
                    order_of(reply.ts),
                    author=reply.author,
                )
            )
    return sorted(shown.values(), key=lambda s: s.order)


def _respond(
    shown: dict[str, Shown],
    origins: dict[str, Origin],
    channels: set[str],
    viewer: str,
    n: int,
    rid: str,
    reply: dict[str, Any],
    index: int,
) -> None:
    origin = origins[rid]
    if origin.channel not in channels:
        return
    acts_on_original = origin.message is not None and (
        reply.get("delete_original") or reply.get("replace_original")
    )
    if acts_on_original:  # on a message this person no longer sees (or never did): nothing to do
        target = shown.get(origin.message or "")
        if target is not None and reply.get("delete_original"):
            del shown[target.key]
        elif target is not None:
            target.text, target.blocks = str(reply.get("text", "")), list(reply.get("blocks") or [])
    elif reply.get("response_type") == "in_channel" or origin.user == viewer:
        key = f"{rid}/{index}"
        shown[key] = Shown(
            key,
            origin.channel,
            str(reply.get("text", "")),
            list(reply.get("blocks") or []),
            reply.get("response_type") != "in_channel",
            n,
        )


def fingerprint(standin: SlackStandIn, users: Iterable[str]) -> tuple[Any, ...]:
    """Changes whenever anything a page could show changes (to wait for the bot's answer)."""
    messages, log, _ = standin.snapshot()
    modals = tuple((u, tuple((v["id"], v["hash"]) for v in standin.modal_stack(u))) for u in users)
    homes = tuple((u, id(standin.homes.get(u))) for u in users)
    return (tuple((m.ts, m.text, len(m.blocks)) for m in messages), len(log), modals, homes)
