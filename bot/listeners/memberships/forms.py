"""The sell-a-membership form: the customer found as one types (external_select), the plan, the
start and end dates, and what the chosen plan includes (its services and credit terms) shown
before submitting — updated in place when another plan is picked. And the form asking why a sale
is rejected (the Approve and Reject buttons are the actions')."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, views
from bot.deps import Deps
from bot.listeners.approvals import decisions
from bot.listeners.approvals.requests import waiting
from bot.listeners.memberships.ids import MembershipForm, SaleField
from bot.listeners.memberships.requests import sale_request
from bot.listeners.replies import answer, submission
from bot.mrkdwn import escape
from core.approvals.flows import Held
from core.credits.terms import CreditKind, Expiry
from core.customers import service as customers
from core.kernel import formats
from core.kernel.errors import InvalidInput, MemberbotError
from core.memberships import flows
from core.memberships.flows import SaleForm
from core.plans.service import PlanView

SUGGESTIONS = 50  # options offered while typing a customer's name


@dataclass(frozen=True)
class Draft:
    """What the command already said, to pre-fill the form."""

    channel: str
    customer: tuple[int, str] | None = None
    plan_id: int | None = None
    start: date | None = None
    end: date | None = None


PostForApproval = Callable[[AsyncWebClient, str, dict[str, Any]], Awaitable[None]]


def register(
    app: AsyncApp, deps: Deps, post_for_approval: PostForApproval, sales: decisions.Decisions
) -> None:
    """The sale form, and the form asking why a sale is rejected (`sales`: how sales are decided)."""
    decisions.register_reason_form(app, sales)

    @app.options(SaleField.CUSTOMER)
    async def customer_suggestions(ack: AsyncAck, body: dict[str, Any]) -> None:
        team, user, typed = body["team"]["id"], body["user"]["id"], str(body.get("value", ""))
        found = await asyncio.to_thread(suggest_customers, deps, team, user, typed)
        await ack(options=found)

    @app.action(SaleField.PLAN)
    async def plan_chosen(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Show what the chosen plan includes, in place, keeping what was typed."""
        await ack()
        view = body["view"]
        team, user = body["team"]["id"], body["user"]["id"]
        chosen = views.values(view)
        updated = await asyncio.to_thread(answer, lambda: refreshed_view(deps, team, user, view, chosen))
        if updated.get("type") == "modal":
            await client.views_update(view_id=view["id"], hash=view["hash"], view=updated)

    @app.view(MembershipForm.ASSIGN)
    async def assign_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        sold: dict[str, Any] = {}

        def work() -> None:
            sold.update(sell(deps, team, user, view))

        errors = await asyncio.to_thread(submission, work, view)
        await ack(**(errors or {}))
        if sold:
            await post_for_approval(client, team, sold["post"])
            if sold["channel"]:
                await client.chat_postEphemeral(channel=sold["channel"], user=user, text=sold["told"])
            else:  # opened where there is no conversation (the Home, a global shortcut): the app's DM
                await client.chat_postMessage(channel=user, text=sold["told"])

    @app.view(MembershipForm.EDIT)
    async def edit_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await _edit_answered(
            ack, client, body, view, lambda team, user: edit_submission(deps, team, user, view)
        )

    @app.view(MembershipForm.EDIT_CONFIRM)
    async def edit_confirmed(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await _edit_answered(ack, client, body, view, lambda team, user: apply_edit(deps, team, user, view))

    async def _edit_answered(
        ack: AsyncAck,
        client: AsyncWebClient,
        body: dict[str, Any],
        view: dict[str, Any],
        work: Callable[[str, str], EditAnswer],
    ) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        done: dict[str, EditAnswer] = {}

        def run() -> dict[str, Any] | None:
            done["answer"] = work(team, user)
            return done["answer"].view

        errors = await asyncio.to_thread(submission, run, view)
        await ack(**(errors or {}))
        answered = done.get("answer")
        if answered is None or answered.told is None:
            return
        if answered.post is not None:
            await post_for_approval(client, team, answered.post)
        channel = str(views.metadata(view).get("channel", ""))
        await client.chat_postEphemeral(channel=channel, user=user, **answered.told)


def suggest_customers(deps: Deps, team: str, user: str, typed: str) -> list[dict[str, Any]]:
    if not typed.strip():
        return []
    try:
        found = deps.read(team, user, customers.search_customers, typed, limit=SUGGESTIONS)
    except MemberbotError:  # no role to see customers, or a search refused: Slack shows "No results"
        return []
    return [views.option(str(c.id), c.label) for c in found]


def assign_view(deps: Deps, team: str, user: str, draft: Draft) -> dict[str, Any]:
    customer = draft.customer[0] if draft.customer else None
    form = deps.read(team, user, flows.sale_form, customer, draft.plan_id, draft.start, draft.end)
    return sale_view(form, draft.channel)


def refreshed_view(
    deps: Deps, team: str, user: str, view: dict[str, Any], chosen: dict[str, Any]
) -> dict[str, Any]:
    form = deps.read(
        team,
        user,
        flows.sale_form,
        int(chosen["customer"]) if chosen.get("customer") else None,
        int(chosen["plan"]) if chosen.get("plan") else None,
        date.fromisoformat(chosen["start"]) if chosen.get("start") else None,
        date.fromisoformat(chosen["end"]) if chosen.get("end") else None,
        int(chosen["location"]) if chosen.get("location") else None,
    )
    return sale_view(form, views.metadata(view).get("channel", ""))


def sale_view(form: SaleForm, channel: str) -> dict[str, Any]:
    currency, plan = form.currency, form.plan
    blocks = [
        views.external_select(
            SaleField.CUSTOMER,
            "Customer",
            initial=(str(form.customer[0]), form.customer[1]) if form.customer else None,
        ),
        views.select(
            SaleField.PLAN,
            "Plan",
            [
                (
                    str(p.id),
                    f"{p.name} — {formats.money(p.terms.price, currency)} {p.terms.billing_type.label}",
                )
                for p in form.plans
            ],
            initial=str(plan.id) if plan else None,
            dispatch=True,
        ),
        views.select(
            "location",
            "Location (empty: the customer's)",
            [(str(i), name) for i, name in form.locations],
            initial=str(form.location) if form.location else None,
            optional=True,
        ),
        views.date_input("start", "Start", initial=form.start),
        views.date_input("end", "End (empty: the plan's term)", initial=form.end, optional=True),
        views.text_input("summary", "Summary or details", multiline=True, optional=True),
        views.checkboxes(
            "past", "Past sale", [("yes", "Record it although its dates lie entirely in the past")]
        ),
        views.section(includes(plan, currency) if plan else "_Choose a plan to see what it includes._"),
    ]
    if not form.locations:
        del blocks[2]  # the workspace has no locations (or the plan none left)
    return views.modal(
        MembershipForm.ASSIGN,
        "Sell a membership",
        blocks,
        submit="Send for approval",
        metadata={"channel": channel},
    )


def includes(plan: PlanView, currency: str) -> str:
    """What a plan gives: its term, recurring services and credit terms."""
    t = plan.terms
    lines = [f"*{escape(plan.name)}* — {formats.money(t.price, currency)} {t.billing_type.label}"]
    lines.append(
        f"Term: {formats.count(t.term_months, 'month')}" if t.term_months else "Term: until cancelled"
    )
    if t.setup_fee:
        lines.append(f"Setup fee: {formats.money(t.setup_fee, currency)}")
    for s in plan.services:
        lines.append(f"• {escape(s.job)} / {escape(s.task)}: {escape(s.schedule)} at {formats.clock(s.at)}")
    if not plan.services:
        lines.append("No recurring services.")
    c = t.credits
    if c is None:
        lines.append("No credits: unlimited use.")
    else:
        what = "Points" if c.kind == CreditKind.POINTS else "Credits"
        lines.append(f"{what}: {messages.say('credit_summary', c=c, currency=currency)}")
        expiry = {
            Expiry.NEVER: "never expire",
            Expiry.DAYS: f"expire {formats.count(c.expiry_days, 'day')} after they are granted",
            Expiry.MEMBERSHIP_END: "expire when the membership ends",
        }[c.expiry]
        lines.append(f"Credits {expiry}.")
    return "\n".join(lines)


def sell(deps: Deps, team: str, user: str, view: dict[str, Any]) -> dict[str, Any]:
    chosen = views.values(view)
    channel = str(views.metadata(view).get("channel", ""))
    if not chosen.get("customer"):
        raise InvalidInput.single("customer", "Choose the customer.")
    if not chosen.get("plan"):
        raise InvalidInput.single("plan", "Choose the plan.")
    end = date.fromisoformat(chosen["end"]) if chosen.get("end") else None
    start = date.fromisoformat(chosen["start"]) if chosen.get("start") else None
    customer, plan = int(chosen["customer"]), int(chosen["plan"])
    summary, past = str(chosen.get("summary", "")), "yes" in (chosen.get("past") or [])
    location = int(chosen["location"]) if chosen.get("location") else None
    sale = deps.write(
        team,
        user,
        flows.sell,
        customer,
        plan,
        start,
        end,
        summary=summary,
        past=past,
        location_id=location,
        asked_in=channel,
    )
    done = sale.membership
    told = messages.say(
        "sold_from_form", reference=done.reference, customer=escape(done.customer), plan=escape(done.plan)
    )
    return {"post": sale_request(sale, channel), "channel": channel, "told": told}


# --- editing a sold contract ---------------------------------------------------------------------

SUMMARY_MAX = 1500  # the preview carries the edit in its private_metadata (3000 characters)
REASON_MAX = 500


@dataclass(frozen=True)
class EditAnswer:
    """A submitted edit: the view to show next (None closes the form), the ephemeral reply, and
    a request for approval to post."""

    view: dict[str, Any] | None
    told: dict[str, Any] | None = None
    post: dict[str, Any] | None = None


def edit_view(deps: Deps, team: str, user: str, contract_id: int, channel: str) -> dict[str, Any]:
    form = deps.read(team, user, flows.edit_form, contract_id)
    m = form.membership
    note = f"*{m.reference}* {escape(m.customer)}: {escape(m.plan)} — {m.status.label}"
    if form.dates_wait:
        note += "\nNew dates wait for a manager's approval."
    blocks = [
        views.context(note),
        views.date_input("start", "Start", initial=m.start),
        views.date_input("end", "End (empty: no end date)", initial=m.end, optional=True),
        views.text_input(
            "summary",
            "Summary or details",
            initial=m.summary,
            multiline=True,
            optional=True,
            max_length=SUMMARY_MAX,
        ),
        views.select(
            "location",
            "Location",
            [(str(i), name) for i, name in form.locations],
            initial=str(m.location_id) if m.location_id else None,
            optional=True,
        ),
        views.picker("seller", "Seller", "users_select", initial=m.seller),
        views.text_input("reason", "Reason (for the contract log)", max_length=REASON_MAX),
    ]
    if not form.locations:
        del blocks[4]  # the workspace has no locations
    return views.modal(
        MembershipForm.EDIT,
        f"Edit {m.reference}",
        blocks,
        submit="Next",
        metadata={"channel": channel, "contract": m.id},
    )


def edit_submission(deps: Deps, team: str, user: str, view: dict[str, Any]) -> EditAnswer:
    """New dates are previewed first; other corrections are made at once."""
    chosen, meta = views.values(view), views.metadata(view)
    if not chosen.get("start"):
        raise InvalidInput.single("start", "Choose the start date.")
    asked = flows.Edit(
        date.fromisoformat(chosen["start"]),
        date.fromisoformat(chosen["end"]) if chosen.get("end") else None,
        str(chosen.get("summary", "")),
        int(chosen["location"]) if chosen.get("location") else None,
        str(chosen.get("seller", "")),
        str(chosen.get("reason", "")),
    )
    contract_id, channel = int(meta["contract"]), str(meta.get("channel", ""))
    shown = deps.write(team, user, flows.preview_edit, contract_id, asked)
    if not shown.dates_changed:
        return _applied(deps, team, user, contract_id, asked, channel)
    return EditAnswer({"response_action": "update", "view": preview_view(shown, channel)})


def preview_view(shown: flows.EditPreview, channel: str) -> dict[str, Any]:
    m, asked = shown.membership, shown.edit
    text = messages.say(
        "edit_preview",
        reference=m.reference,
        customer=escape(m.customer),
        plan=escape(m.plan),
        start=asked.start,
        end=asked.end,
        before=shown.before,
        after=shown.after,
        currency=shown.currency,
        reason=escape(asked.reason),
        waits=shown.waits,
    )
    carried = {"channel": channel, "contract": m.id, **asked.carried()}
    if len(json.dumps(carried, separators=(",", ":"))) > views.METADATA_MAX:
        raise InvalidInput.single(
            "summary", "Too long to preview with new dates: shorten it, or edit it on its own."
        )
    submit = "Send for approval" if shown.waits else "Apply"
    return views.modal(
        MembershipForm.EDIT_CONFIRM,
        f"Edit {m.reference}",
        [views.section(text)],
        submit=submit,
        metadata=carried,
    )


def apply_edit(deps: Deps, team: str, user: str, view: dict[str, Any]) -> EditAnswer:
    """The previewed edit, as the preview carries it."""
    meta = views.metadata(view)
    asked = flows.Edit.from_carried(meta)
    return _applied(deps, team, user, int(meta["contract"]), asked, str(meta.get("channel", "")))


def _applied(
    deps: Deps, team: str, user: str, contract_id: int, asked: flows.Edit, channel: str
) -> EditAnswer:
    done = deps.write(team, user, flows.edit, contract_id, asked, asked_in=channel)
    if isinstance(done, Held):
        held = waiting(done, channel)
        return EditAnswer(None, held.reply, held.post)
    m = done.membership
    told = messages.message(
        messages.say("edited", reference=m.reference, start=m.start, end=m.end, status=m.status.label)
    )
    return EditAnswer(None, told)
