"""`memberbot approvals`: what waits, listed and decided as the system (the policy still holds:
a request decided before is told, not decided twice)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from cli.main import cli
from core.approvals import flows as approval_flows
from core.context import SYSTEM, transaction
from core.memberships import service as memberships
from core.memberships.lifecycle import Status
from core.workspace import roles
from core.workspace.roles import Role
from core.workspace.tenants import update_settings
from core.workspace.test_clock import clock_for
from storage.engine import database_url_from_env
from storage.uow import Database
from tests.conftest import ADMIN, STAFF
from tests.integration.cli.conftest import Run
from tests.integration.helpers import plan_by_name

TEAM = "TCLI"


def waiting(run: Run) -> tuple[int, int]:
    """On the demo workspace: a Silver sale by staff and a big grant by an admin, both waiting."""
    assert run("demo").exit_code == 0
    db = Database(database_url_from_env())
    clock = clock_for(db)
    with transaction(db, TEAM, SYSTEM, clock) as ctx:
        roles.grant(ctx, STAFF, Role.STAFF)
        roles.grant(ctx, ADMIN, Role.ADMIN)
        update_settings(ctx, approve_grants_above=Decimal(10))
    with transaction(db, TEAM, STAFF, clock) as ctx:
        sale = memberships.assign(ctx, 2, plan_by_name(ctx, "Silver").id, ctx.today()).id
    with transaction(db, TEAM, ADMIN, clock) as ctx:
        held = approval_flows.grant(ctx, 1, Decimal(25), "goodwill", key="cli-test")
    assert isinstance(held, approval_flows.Held)
    db.dispose()
    return sale, held.request.id


def test_approvals_are_listed_and_approved_or_rejected_by_id(run: Run) -> None:
    sale, request = waiting(run)
    listed = run("approvals", "list")
    assert listed.exit_code == 0, listed.output
    assert (
        f"M-{sale}" in listed.output and "New membership from" in listed.output and "Silver" in listed.output
    )
    assert f"A-{request}" in listed.output and "Grant 25 credits to Café Müller" in listed.output
    approved = run("approvals", "approve", f"M-{sale}")
    assert approved.exit_code == 0 and f"M-{sale} was approved: it is active." in approved.output
    rejected = run("approvals", "reject", f"a-{request}", "--reason", "Too generous")
    assert rejected.exit_code == 0 and f"A-{request} was rejected: Grant 25 credits" in rejected.output
    assert "Nothing is waiting for approval." in run("approvals", "list").output
    db = Database(database_url_from_env())
    with transaction(db, TEAM, SYSTEM, clock_for(db), write=False) as ctx:
        assert memberships.get(ctx, sale).status is Status.ACTIVE
    db.dispose()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("approve", "12"), "neither a sale such as M-12 nor a held change such as A-3"),
        (("reject", "A-1"), "Missing option '--reason'"),
        (("approve", "A-999"), "There is no approval request A-999."),
    ],
)
def test_a_bad_id_or_a_missing_reason_is_one_line_and_exit_2(
    run: Run, args: tuple[str, ...], said: str
) -> None:
    assert run("db", "upgrade").exit_code == 0
    result = CliRunner().invoke(cli, ["approvals", *args])
    assert result.exit_code == 2 and said in result.output


def test_a_request_decided_before_is_told_and_not_decided_twice(run: Run) -> None:
    _, request = waiting(run)
    assert run("approvals", "approve", f"A-{request}").exit_code == 0
    again = CliRunner().invoke(cli, ["approvals", "reject", f"A-{request}", "--reason", "no"])
    assert again.exit_code == 2 and f"A-{request} was already approved." in again.output
