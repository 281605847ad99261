"""balance alerts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 23:18:56.128240
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "balance_alert",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("balance", storage.types.Money(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("followed_up_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followed_up_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("follow_up_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("balance_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_balance_alert_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_balance_alert_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("balance_alert_above", storage.types.Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("balance_alert_above")

    with op.batch_alter_table("balance_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_alert_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_balance_alert_customer_id"))

    op.drop_table("balance_alert")
