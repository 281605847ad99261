"""visit assignee; a membership's own discount amounts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee", AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_service_visit_assignee"), ["assignee"], unique=False)
    op.create_table(
        "membership_discount",
        sa.Column("tenant_id", AutoString(length=32), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("discount_id", sa.Integer(), nullable=False),
        sa.Column("value", storage.types.Money(), nullable=False),
        sa.Column("changed_by", AutoString(length=32), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.ForeignKeyConstraint(["discount_id"], ["plan_discount.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "contract_id", "discount_id"),
    )


def downgrade() -> None:
    op.drop_table("membership_discount")
    with op.batch_alter_table("service_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_visit_assignee"))
        batch_op.drop_column("assignee")
