"""service catalog: kind, list price and active flag on services; a location's own service price

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows are services, active, priced at the desk as before.
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", AutoString(length=8), nullable=False, server_default="service"))
        batch_op.add_column(sa.Column("price", storage.types.Money(), nullable=True))
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "service_price",
        sa.Column("tenant_id", AutoString(length=32), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("price", storage.types.Money(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("service_id", "location_id"),
    )
    with op.batch_alter_table("service_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_price_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_price_tenant_id"))
    op.drop_table("service_price")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("price")
        batch_op.drop_column("kind")
