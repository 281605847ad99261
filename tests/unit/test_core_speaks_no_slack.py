"""Core says what happened in plain values; only bot/ writes Slack: no Block Kit, no mrkdwn, no
`<@user>` or `<#channel>` mentions anywhere in core's source."""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).parents[2] / "core"
SLACK = re.compile(r'"type": "(section|actions|button|context|header|divider)"|mrkdwn|plain_text|<[@#!]')


def test_no_core_module_writes_block_kit_or_mentions() -> None:
    found = [
        f"{path.relative_to(CORE)}:{number}: {line.strip()}"
        for path in sorted(CORE.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SLACK.search(line)
    ]
    assert found == []
