"""checkout: invoices, discounts, benefit order and points

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "plan_discount",
        sa.Column("tenant_id", _string(32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("applies_to", _string(8), nullable=False),
        sa.Column("kind", _string(8), nullable=False),
        sa.Column("value", storage.types.Money(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_version_id"], ["plan_version.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_discount", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_discount_plan_version_id"), ["plan_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_discount_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "location_benefit_order",
        sa.Column("tenant_id", _string(32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("benefit_order", _string(16), nullable=False),
        sa.Column("changed_by", _string(32), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "location_id"),
    )

    op.create_table(
        "checkout_invoice",
        sa.Column("tenant_id", _string(32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _string(200), nullable=False),
        sa.Column("request_hash", _string(64), nullable=False),
        sa.Column("reference", _string(40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("status", _string(8), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("gross", storage.types.Money(), nullable=False),
        sa.Column("due", storage.types.Money(), nullable=False),
        sa.Column("points", storage.types.Money(), nullable=False),
        sa.Column("posted_by", _string(32), nullable=False),
        sa.Column("posted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_by", _string(32), nullable=False),
        sa.Column("voided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", _string(1000), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "key"),
        sa.UniqueConstraint("tenant_id", "reference"),
    )
    with op.batch_alter_table("checkout_invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkout_invoice_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkout_invoice_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "removed_discount",
        sa.Column("tenant_id", _string(32), nullable=False),
        sa.Column("reference", _string(40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("discount_id", sa.Integer(), nullable=False),
        sa.Column("removed_by", _string(32), nullable=False),
        sa.Column("removed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["discount_id"], ["plan_discount.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("tenant_id", "reference", "line", "discount_id"),
    )


def downgrade() -> None:
    for table in ("removed_discount", "checkout_invoice", "location_benefit_order", "plan_discount"):
        op.drop_table(table)
