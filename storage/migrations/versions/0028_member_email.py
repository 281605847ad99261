"""member e-mail: a workspace's SMTP settings, and a customer's unsubscribe flag

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # Not batches: on SQLite a batch copies the table, and the copy loses the triggers that keep
    # the customer search index (0025) in step, and cannot replace a table others refer to while
    # foreign keys are enforced. SQLite adds (3.35+: drops) a column in place.
    op.add_column("tenant", sa.Column("smtp_host", TEXT(length=253), nullable=False, server_default=""))
    op.add_column("tenant", sa.Column("smtp_port", sa.Integer(), nullable=False, server_default="587"))
    op.add_column("tenant", sa.Column("smtp_tls", TEXT(length=8), nullable=False, server_default="starttls"))
    op.add_column("tenant", sa.Column("smtp_user", TEXT(length=200), nullable=False, server_default=""))
    op.add_column("tenant", sa.Column("smtp_password", TEXT(length=200), nullable=False, server_default=""))
    op.add_column("tenant", sa.Column("mail_from", TEXT(length=320), nullable=False, server_default=""))
    unsubscribed = sa.Column("unsubscribed", sa.Boolean(), nullable=False, server_default=sa.false())
    op.add_column("customer", unsubscribed)


def downgrade() -> None:
    op.drop_column("customer", "unsubscribed")  # SQLite 3.35+ drops a column in place, triggers kept
    for name in ("mail_from", "smtp_password", "smtp_user", "smtp_tls", "smtp_port", "smtp_host"):
        op.drop_column("tenant", name)
