"""The service form (/services add, /services edit) and the equality-template form (/services
template new|edit); core checks every field at once and writes nothing when one is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import messages, views
from bot.deps import Deps
from bot.listeners.catalog.ids import CatalogForm
from bot.listeners.replies import submission
from bot.mrkdwn import escape
from core.catalog import flows
from core.catalog.services import ServiceInput, ServiceKind, ServiceView

COSTS = "costs."  # the template form's block ids: costs.<service id>
TEMPLATE_SERVICES_MAX = 45  # a modal holds at most 100 blocks; room for the name and a note


Saved = Callable[[Deps, str, str, dict[str, Any], int | None], dict[str, Any]]


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CatalogForm.SERVICE.value)(_submitted(deps, service_submitted))
    app.view(CatalogForm.TEMPLATE.value)(_submitted(deps, template_submitted))


def _submitted(deps: Deps, work: Saved) -> Callable[..., Awaitable[None]]:
    """A form's submission: `work(deps, team, user, values, id)` with the id of what it edits (None:
    a new one) from the view's metadata; its answer, or core's errors under the fields."""

    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        team, user = body["team"]["id"], body["user"]["id"]
        chosen, edited = views.values(view), views.metadata(view).get("id")
        answer = await asyncio.to_thread(submission, lambda: work(deps, team, user, chosen, edited), view)
        await ack(**(answer or {}))

    return handle


def service_view(service: ServiceView | None, *, name: str = "") -> dict[str, Any]:
    """The form for the service (None: a new one, named `name` if given)."""
    s = service
    kinds = [(ServiceKind.SERVICE.value, "Service"), (ServiceKind.PRODUCT.value, "Product")]
    price = "" if s is None or s.price is None else str(s.price)
    minutes = "" if s is None or s.duration_minutes is None else str(s.duration_minutes)
    blocks = [
        views.text_input("name", "Name", initial=s.name if s else name[:100], max_length=100),
        views.select("kind", "Kind", kinds, initial=s.kind.value if s else ServiceKind.SERVICE.value),
        views.text_input(
            "category", "Category", initial=s.category if s else None, optional=True, max_length=100
        ),
        views.text_input(
            "price", "Price", initial=price, optional=True, hint="Empty: priced at checkout.", max_length=20
        ),
        views.text_input(
            "duration_minutes", "Duration in minutes", initial=minutes, optional=True, max_length=5
        ),
        views.checkboxes(
            "active", "Sold", [("yes", "Active")], initial=["yes"] if s is None or s.active else []
        ),
    ]
    title = "New service" if s is None else "Edit service"
    return views.modal(CatalogForm.SERVICE, title, blocks, metadata={"id": s.id} if s else None)


def service_submitted(
    deps: Deps, team: str, user: str, chosen: dict[str, Any], service_id: int | None
) -> dict[str, Any]:
    data = ServiceInput(
        name=chosen.get("name", ""),
        kind=chosen.get("kind") or ServiceKind.SERVICE.value,
        category=chosen.get("category", ""),
        price=chosen.get("price", ""),
        duration_minutes=chosen.get("duration_minutes", ""),
        active="yes" in chosen.get("active", []),
    )
    if service_id is None:
        saved = deps.write(team, user, flows.new_service, data)
    else:
        saved = deps.write(team, user, flows.edit_service, int(service_id), data)
    s = saved.service
    said = messages.say(
        "service_saved",
        name=escape(s.name),
        kind=s.kind.value,
        price=s.price,
        currency=saved.currency,
        created=saved.created,
    )
    return _done("Service saved", said)


def template_submitted(
    deps: Deps, team: str, user: str, chosen: dict[str, Any], template_id: int | None
) -> dict[str, Any]:
    costs = {int(k.removeprefix(COSTS)): v for k, v in chosen.items() if k.startswith(COSTS)}
    edited = None if template_id is None else int(template_id)
    saved = deps.write(team, user, flows.save_template, edited, chosen.get("name", ""), costs)
    listed = [f"{escape(name)} {cost}" for _, name, cost in saved.costs]
    said = messages.say("template_saved", name=escape(saved.name), costs=listed, created=edited is None)
    return _done("Template saved", said)


def _done(title: str, said: str) -> dict[str, Any]:
    """What was done and what next, in place of the form."""
    return {
        "response_action": "update",
        "view": views.modal(CatalogForm.DONE, title, [views.section(said)], submit=None),
    }


def template_view(form: flows.TemplateForm) -> dict[str, Any]:
    t = form.template
    costs = {service_id: cost for service_id, _, cost in t.costs} if t else {}
    blocks: list[dict[str, Any]] = [
        views.text_input("name", "Template name", initial=t.name if t else None, max_length=100),
        views.context(
            "What each service costs in the template's units (a 60-minute massage 2 where a"
            " 30-minute one is 1); leave a service empty to keep it out."
        ),
    ]
    for s in form.services[:TEMPLATE_SERVICES_MAX]:
        label = s.name if s.duration_minutes is None else f"{s.name} ({s.duration_minutes} min)"
        initial = str(costs[s.id]) if s.id in costs else None
        blocks.append(views.text_input(f"{COSTS}{s.id}", label, initial=initial, optional=True, max_length=3))
    title = "New template" if t is None else "Edit template"
    return views.modal(CatalogForm.TEMPLATE, title, blocks, metadata={"id": t.id} if t else None)
