"""class series, session rules and bookings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", AutoString(length=32), nullable=False)


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, AutoString(length=length), nullable=False)


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "class_series",
        _tenant(),
        sa.Column("id", sa.Integer(), nullable=False),
        _text("name", 100),
        _text("name_key", 100),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("recurrence", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("cancel_cutoff_hours", sa.Integer(), nullable=False),
        sa.Column("session_rules", sa.Boolean(), nullable=False),
        sa.Column("sessions_until", sa.Date(), nullable=True),
        _text("created_by", 32),
        _instant("created_at"),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "location_id", "name_key"),
    )
    with op.batch_alter_table("class_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_series_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "class_series_plan",
        _tenant(),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["series_id"], ["class_series.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("series_id", "plan_id"),
    )
    with op.batch_alter_table("class_series_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_series_plan_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "class_session",
        _tenant(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        _instant("starts_at"),
        _instant("ends_at"),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["class_series.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_id", "on_date"),
    )
    with op.batch_alter_table("class_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_session_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_session_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_session_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "class_booking",
        _tenant(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        _text("status", 16),
        sa.Column("round", sa.Integer(), nullable=False),
        _text("credit_key", 200),
        sa.Column("credit_returned", sa.Boolean(), nullable=False),
        _text("booked_by", 32),
        _instant("booked_at"),
        _text("changed_by", 32),
        _instant("changed_at", nullable=True),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["class_session.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "customer_id"),
    )
    with op.batch_alter_table("class_booking", schema=None) as batch_op:
        for column in ("contract_id", "customer_id", "session_id", "tenant_id"):
            batch_op.create_index(batch_op.f(f"ix_class_booking_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("class_booking", schema=None) as batch_op:
        for column in ("tenant_id", "session_id", "customer_id", "contract_id"):
            batch_op.drop_index(batch_op.f(f"ix_class_booking_{column}"))
    op.drop_table("class_booking")
    with op.batch_alter_table("class_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_session_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_class_session_starts_at"))
        batch_op.drop_index(batch_op.f("ix_class_session_series_id"))
    op.drop_table("class_session")
    with op.batch_alter_table("class_series_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_series_plan_tenant_id"))
    op.drop_table("class_series_plan")
    with op.batch_alter_table("class_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_series_tenant_id"))
    op.drop_table("class_series")
