"""revenue recognition

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _split_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("irr", storage.types.Money(), nullable=False),
        sa.Column("mrr", storage.types.Money(), nullable=False),
        sa.Column("scr", storage.types.Money(), nullable=False),
        sa.Column("set_by", AutoString(length=32), nullable=False),
        sa.Column("set_at", storage.types.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "revenue_split",
        sa.Column("tenant_id", AutoString(length=32), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        *_split_columns(),
        sa.ForeignKeyConstraint(["plan_version_id"], ["plan_version.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("plan_version_id"),
    )
    with op.batch_alter_table("revenue_split", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revenue_split_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "revenue_split_location",
        sa.Column("tenant_id", AutoString(length=32), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        *_split_columns(),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["plan_version_id"], ["plan_version.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("plan_version_id", "location_id"),
    )
    with op.batch_alter_table("revenue_split_location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revenue_split_location_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("revenue_split_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revenue_split_location_tenant_id"))
    op.drop_table("revenue_split_location")
    with op.batch_alter_table("revenue_split", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revenue_split_tenant_id"))
    op.drop_table("revenue_split")
