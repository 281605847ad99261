"""billing schedule, charges and payments, freezes and cancellations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_id() -> sa.Column[str]:
    return sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "location_price",
        _tenant_id(),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("price", storage.types.Money(), nullable=True),
        sa.Column("setup_fee", storage.types.Money(), nullable=True),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["plan_version_id"], ["plan_version.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("plan_version_id", "location_id"),
    )
    with op.batch_alter_table("location_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_price_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "cancellation",
        _tenant_id(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("lock_in_fee", storage.types.Money(), nullable=False),
        _text("credits", 8),
        sa.Column("applied", sa.Boolean(), nullable=False),
        _at("revoked_at", nullable=True),
        _text("reason", 1000),
        _text("created_by", 32),
        _at("created_at"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cancellation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cancellation_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cancellation_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "charge",
        _tenant_id(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        _text("kind", 8),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", storage.types.Money(), nullable=False),
        sa.Column("setup_fee", storage.types.Money(), nullable=False),
        _text("status", 8),
        _text("void_reason", 12),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        _at("settled_at", nullable=True),
        _text("settled_by", 32),
        _text("note", 500),
        _at("created_at"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "contract_id", "kind", "period_start"),
    )
    with op.batch_alter_table("charge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charge_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_charge_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_charge_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "membership_freeze",
        _tenant_id(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        _text("reason", 1000),
        _text("created_by", 32),
        _at("created_at"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("membership_freeze", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_freeze_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_freeze_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "forfeited_lot",
        _tenant_id(),
        sa.Column("cancellation_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        _at("expires_at", nullable=True),
        sa.Column("remaining", storage.types.Money(), nullable=False),
        sa.ForeignKeyConstraint(["cancellation_id"], ["cancellation.id"]),
        sa.ForeignKeyConstraint(["lot_id"], ["credit_lot.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("cancellation_id", "lot_id"),
    )
    with op.batch_alter_table("forfeited_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forfeited_lot_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prorate_first_period", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enforce_billing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "cancelled_credits",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="keep",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("cancelled_credits")
        batch_op.drop_column("enforce_billing")

    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_column("prorate_first_period")

    for table, indexes in (
        ("forfeited_lot", ("tenant_id",)),
        ("membership_freeze", ("tenant_id", "contract_id")),
        ("charge", ("tenant_id", "due_on", "contract_id")),
        ("cancellation", ("tenant_id", "contract_id")),
        ("location_price", ("tenant_id",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
