"""slack requests: the writes made for each Slack request and their answer, so a retry or replay
answers as the first did

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-03 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_request",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "key"),
    )
    with op.batch_alter_table("slack_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_request_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_slack_request_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_request_received_at"))
        batch_op.drop_index(batch_op.f("ix_slack_request_tenant_id"))
    op.drop_table("slack_request")
