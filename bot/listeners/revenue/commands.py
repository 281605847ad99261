"""/revenue: the deferred revenue report of a month — its totals by plan and location in the
reply, and with `export` the Excel report (by plan and location, and by membership) uploaded to
the conversation. The figures are core/revenue/service.py's; nothing here computes or rounds money."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import messages
from bot.deps import Deps
from bot.listeners.replies import Upload, slash_command
from bot.mrkdwn import escape
from core.kernel import formats
from core.kernel.money import display
from core.revenue import flows as revenue_flows
from core.revenue import service as revenue
from core.revenue.flows import MembershipStatement
from core.revenue.service import RevenueLine

LINES_SHOWN = 30  # plan-and-location lines in the reply; the Excel report has every one
MONTHS_SHOWN = 24  # months of one membership's statement
_MEMBERSHIP = re.compile(r"^M-?\d+$", re.IGNORECASE)


def register(app: AsyncApp, deps: Deps) -> None:
    app.command("/revenue")(slash_command(deps, "/revenue", revenue_reply))


def revenue_reply(deps: Deps, team: str, user: str, text: str) -> dict[str, Any] | Upload:
    verb, _, rest = text.partition(" ")
    exporting = verb.lower() == "export"
    month_text = rest.strip() if exporting else text
    if not month_text or verb.lower() == "help":
        return messages.message(messages.say("revenue_help"))
    if _MEMBERSHIP.match(verb):  # one membership's statement: M-12 [YYYY-MM]
        return statement(deps.read(team, user, revenue_flows.membership_statement, verb, rest.strip()))
    report = deps.read(team, user, revenue.deferred_report, month_text)  # a bad month is quoted back
    content = revenue.to_xlsx(report) if exporting else b""
    said = totals(report, exported=exporting)
    if not exporting:
        return messages.message(said)
    return Upload(
        f"deferred-revenue-{report.month:%Y-%m}.xlsx",
        content,
        f"Deferred revenue — {formats.month(report.month)}",
        said,
    )


def statement(s: MembershipStatement) -> dict[str, Any]:
    """The months it earned in (the latest MONTHS_SHOWN) with each part, and the totals to date."""

    def money(value: Decimal) -> str:
        return display(value, s.currency)

    shown = s.months[-MONTHS_SHOWN:]
    return messages.message(
        messages.say(
            "membership_revenue",
            s=s,
            customer=escape(s.customer),
            plan=escape(s.plan),
            location=escape(s.location),
            months=[(m, money(a.irr), money(a.mrr), money(a.scr)) for m, a in shown],
            earlier=len(s.months) - len(shown),
            sold=money(s.sold_to_date),
            recognised=money(s.recognised_to_date),
            deferred=money(s.deferred),
        )
    )


def totals(report: revenue.RevenueReport, *, exported: bool) -> str:
    shown = report.lines[:LINES_SHOWN]
    return messages.say(
        "revenue_totals",
        month=report.month,
        lines=[_amounts(line, report.currency) for line in shown],
        total=_amounts(report.total, report.currency),
        hidden=len(report.lines) - len(shown),
        exported=exported,
    )


def _amounts(line: RevenueLine, currency: str) -> dict[str, str]:
    def money(value: Decimal) -> str:
        return display(value, currency)

    return {
        "plan": escape(line.plan),
        "location": "" if line.location == revenue.NO_LOCATION else escape(line.location),
        "sold": money(line.sold),
        "recognised": money(line.recognised),
        "irr": money(line.irr),
        "mrr": money(line.mrr),
        "scr": money(line.scr),
        "to_date": money(line.recognised_to_date),
        "deferred": money(line.deferred),
    }
