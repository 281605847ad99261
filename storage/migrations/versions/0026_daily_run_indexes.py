"""daily run indexes: each daily job asks one indexed question before it reads anything (open lots
by expiry, live memberships by status and start or end date, memberships by the end of their planned visits)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credit_lot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_lot_expiring",
            ["tenant_id", "expires_at"],
            unique=False,
            sqlite_where=sa.text("remaining > 0 AND expires_at IS NOT NULL"),
            postgresql_where=sa.text("remaining > 0 AND expires_at IS NOT NULL"),
        )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index("ix_contract_status_start", ["tenant_id", "status", "start_date"], unique=False)
        batch_op.create_index("ix_contract_status_end", ["tenant_id", "status", "end_date"], unique=False)
        batch_op.create_index("ix_contract_visits_until", ["tenant_id", "visits_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_visits_until")
        batch_op.drop_index("ix_contract_status_end")
        batch_op.drop_index("ix_contract_status_start")
    with op.batch_alter_table("credit_lot", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_lot_expiring")
