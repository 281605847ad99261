"""Locations, job templates and task templates: the managed entities plans and customers refer to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import col

from core.context import Ctx
from core.kernel.errors import Conflict, Errors, NotFound
from core.kernel.text import clean, fold
from core.workspace import roles
from core.workspace.roles import Action
from storage.tables.catalog import JobTemplate, Location, TaskTemplate

NAME_MAX = 100
_Row = TypeVar("_Row", Location, JobTemplate, TaskTemplate)
_Named = TypeVar("_Named", Location, JobTemplate)


@dataclass(frozen=True)
class TaskView:
    id: int
    name: str


@dataclass(frozen=True)
class JobView:
    id: int
    name: str
    description: str
    tasks: tuple[TaskView, ...]


def add_location(ctx: Ctx, name: str) -> int:
    roles.require(ctx, Action.MANAGE_PLANS)
    name = _name(name, "Location name")
    if find_location(ctx, name) is not None:
        raise Conflict(f"A location named {name!r} already exists.", "name")
    return _id(ctx, Location(tenant_id=ctx.uow.tenant_id, name=name, name_key=fold(name)))


def locations(ctx: Ctx) -> list[Location]:
    return list(ctx.uow.all(ctx.uow.select(Location).order_by(col(Location.name_key))))


def find_location(ctx: Ctx, name: str) -> Location | None:
    return _named(ctx, Location, name)


def location(ctx: Ctx, location_id: int) -> Location:
    return _row(ctx, Location, location_id, "location", "location")


def add_job_template(ctx: Ctx, name: str, description: str = "") -> int:
    roles.require(ctx, Action.MANAGE_PLANS)
    errors = Errors()
    name = clean(errors, "name", name, label="Job template name", max_length=NAME_MAX, required=True)
    description = clean(errors, "description", description, label="Description", max_length=2000)
    errors.raise_if_any()
    if find_job(ctx, name) is not None:
        raise Conflict(f"A job template named {name!r} already exists.", "name")
    return _id(
        ctx, JobTemplate(tenant_id=ctx.uow.tenant_id, name=name, name_key=fold(name), description=description)
    )


def add_task_template(ctx: Ctx, job_template_id: int, name: str) -> int:
    roles.require(ctx, Action.MANAGE_PLANS)
    job = job_template(ctx, job_template_id)
    name = _name(name, "Task template name")
    if find_task(ctx, job.id or 0, name) is not None:
        raise Conflict(f"{job.name} already has a task template named {name!r}.", "name")
    return _id(
        ctx,
        TaskTemplate(
            tenant_id=ctx.uow.tenant_id, job_template_id=job.id or 0, name=name, name_key=fold(name)
        ),
    )


def job_templates(ctx: Ctx) -> list[JobView]:
    jobs = ctx.uow.all(ctx.uow.select(JobTemplate).order_by(col(JobTemplate.name_key)))
    tasks = ctx.uow.all(ctx.uow.select(TaskTemplate).order_by(col(TaskTemplate.name_key)))
    return [
        JobView(
            j.id or 0,
            j.name,
            j.description,
            tuple(TaskView(t.id or 0, t.name) for t in tasks if t.job_template_id == j.id),
        )
        for j in jobs
    ]


def job_template(ctx: Ctx, job_template_id: int) -> JobTemplate:
    return _row(ctx, JobTemplate, job_template_id, "job template", "job")


def task_template(ctx: Ctx, task_template_id: int) -> TaskTemplate:
    return _row(ctx, TaskTemplate, task_template_id, "task template", "task")


def find_job(ctx: Ctx, name: str) -> JobTemplate | None:
    return _named(ctx, JobTemplate, name)


def find_task(ctx: Ctx, job_template_id: int, name: str) -> TaskTemplate | None:
    return ctx.uow.first(
        ctx.uow.select(TaskTemplate).where(
            col(TaskTemplate.job_template_id) == job_template_id, col(TaskTemplate.name_key) == fold(name)
        )
    )


def _name(typed: str, label: str) -> str:
    """The name cleaned, or InvalidInput on the form's "name" field."""
    errors = Errors()
    name = clean(errors, "name", typed, label=label, max_length=NAME_MAX, required=True)
    errors.raise_if_any()
    return name


def _row(ctx: Ctx, table: type[_Row], row_id: int, what: str, field: str) -> _Row:
    found = ctx.uow.get(table, row_id)
    if found is None:
        raise NotFound(f"There is no {what} #{row_id}.", field)
    return found


def _named(ctx: Ctx, table: type[_Named], name: str) -> _Named | None:
    return ctx.uow.first(ctx.uow.select(table).where(col(table.name_key) == fold(name)))


def _id(ctx: Ctx, row: Location | JobTemplate | TaskTemplate) -> int:
    ctx.uow.add(row)
    ctx.uow.flush()
    assert row.id is not None
    return row.id
