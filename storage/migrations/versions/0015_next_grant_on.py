"""next grant day on contracts: the daily grant job reads only the memberships due

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null on existing rows means "not worked out yet": the next daily run works it out for each.
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_grant_on", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_contract_next_grant_on"), ["next_grant_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_next_grant_on"))
        batch_op.drop_column("next_grant_on")
