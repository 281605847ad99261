"""merged customers: the survivor a duplicate was merged into, who merged it and when

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03 15:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing customers were never merged: null survivor, no one, never.
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("merged_by", AutoString(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("merged_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_customer_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_customer_merged_into_id_customer"), "customer", ["merged_into_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customer_merged_into_id_customer"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_customer_merged_into_id"))
        batch_op.drop_column("merged_at")
        batch_op.drop_column("merged_by")
        batch_op.drop_column("merged_into_id")
