"""class waitlist: customers in line for a full session

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 19:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("customer_id", "session_id", "tenant_id")


def upgrade() -> None:
    op.create_table(
        "class_waitlist",
        sa.Column("tenant_id", AutoString(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("joined_by", AutoString(length=32), nullable=False),
        sa.Column("joined_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("note", AutoString(length=500), nullable=False),
        sa.Column("changed_by", AutoString(length=32), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["class_booking.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["class_session.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "customer_id"),
    )
    with op.batch_alter_table("class_waitlist", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_class_waitlist_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("class_waitlist", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_class_waitlist_{column}"))
    op.drop_table("class_waitlist")
