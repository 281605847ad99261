"""Locations, job templates and task templates."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.catalog import locations as catalog
from core.context import Ctx
from core.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.conftest import STAFF, Shop


def test_job_templates_hold_their_tasks(shop: Shop) -> None:
    with shop.tx() as ctx:
        hvac = catalog.add_job_template(ctx, "HVAC maintenance", "Heating and cooling")
        catalog.add_task_template(ctx, hvac, "Tune-up")
        catalog.add_task_template(ctx, hvac, "Filter change")
        plumbing = catalog.add_job_template(ctx, "Plumbing")
        catalog.add_task_template(ctx, plumbing, "Tune-up")  # the same task name under another job is fine
        jobs = catalog.job_templates(ctx)
    assert [(j.name, [t.name for t in j.tasks]) for j in jobs] == [
        ("HVAC maintenance", ["Filter change", "Tune-up"]),
        ("Plumbing", ["Tune-up"]),
    ]


def test_names_are_unique_and_required(shop: Shop) -> None:
    with shop.tx() as ctx:
        hvac = catalog.add_job_template(ctx, "HVAC")
        catalog.add_task_template(ctx, hvac, "Tune-up")
        catalog.add_location(ctx, "Downtown")
    cases: list[tuple[Callable[[Ctx], object], type[Exception]]] = [
        (lambda ctx: catalog.add_job_template(ctx, "hvac"), Conflict),
        (lambda ctx: catalog.add_task_template(ctx, hvac, "TUNE-UP"), Conflict),
        (lambda ctx: catalog.add_location(ctx, "downtown"), Conflict),
        (lambda ctx: catalog.add_job_template(ctx, "  "), InvalidInput),
        (lambda ctx: catalog.add_location(ctx, "x" * 101), InvalidInput),
        (lambda ctx: catalog.add_task_template(ctx, 999_999, "Orphan"), NotFound),
    ]
    for action, error in cases:
        with pytest.raises(error), shop.tx() as ctx:
            action(ctx)


def test_only_admins_manage_templates(shop: Shop) -> None:
    with pytest.raises(PermissionDenied), shop.tx(STAFF) as ctx:
        catalog.add_job_template(ctx, "Sneaky")
    with shop.tx(write=False) as ctx:
        assert catalog.job_templates(ctx) == []
