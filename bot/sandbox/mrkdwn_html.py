"""Slack's mrkdwn as HTML, for the sandbox's page: *bold*, _italic_, ~strike~, `code`, ```blocks```,
> quotes, links <url|label>, mentions <@U…> and <#C…>, and the entities Slack escapes (&amp; &lt;
&gt;). Everything else is text, escaped: what the bot sends can never become markup."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from markupsafe import Markup

_ANGLE = re.compile(r"<([^<>\n]+)>")
_FENCE = re.compile(r"```(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "s"),
)
_HELD = re.compile("\x00(\\d+)\x00")


def to_html(text: str, names: Mapping[str, str]) -> Markup:
    held: list[str] = []

    def hold(fragment: str) -> str:
        held.append(fragment)
        return f"\x00{len(held) - 1}\x00"

    text = text.replace("\x00", "")
    text = _FENCE.sub(lambda m: hold(f"<pre>{_escape(m.group(1).strip(chr(10)))}</pre>"), text)
    text = _CODE.sub(lambda m: hold(f"<code>{_escape(m.group(1))}</code>"), text)
    text = _ANGLE.sub(lambda m: hold(_angle(m.group(1), names)), text)
    text = _escape(text)
    for pattern, tag in _STYLES:
        text = pattern.sub(rf"<{tag}>\1</{tag}>", text)
    lines = []
    for line in text.split("\n"):
        if line.startswith("&gt; ") or line == "&gt;":
            lines.append(f'<span class="quote">{line[5:]}</span>')
        else:
            lines.append(line)
    joined = "<br>".join(lines)
    return Markup(_HELD.sub(lambda m: held[int(m.group(1))], joined))


def _escape(text: str) -> str:
    """Slack's own escapes undone first, so `&lt;` shows as `<` and is escaped once, for HTML."""
    return html.escape(html.unescape(text), quote=True)


def _angle(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        who = names.get(target[1:], label or target[1:])
        return f'<span class="mention">@{_escape(who)}</span>'
    if target.startswith("#"):
        channel = label or names.get(target[1:], target[1:])
        return f'<span class="mention">#{_escape(channel)}</span>'
    if target.startswith("!"):
        shown = label or target[1:].split("^")[0]
        return f'<span class="mention">{"" if label else "@"}{_escape(shown)}</span>'
    if re.match(r"^(https?|mailto):", target):
        return f'<a href="{_escape(target)}" target="_blank" rel="noopener">{_escape(label or target)}</a>'
    return _escape(f"<{inner}>")
