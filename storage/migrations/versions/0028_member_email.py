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
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("smtp_host", TEXT(length=253), nullable=False, server_default=""))
        batch.add_column(sa.Column("smtp_port", sa.Integer(), nullable=False, server_default="587"))
        batch.add_column(sa.Column("smtp_tls", TEXT(length=8), nullable=False, server_default="starttls"))
        batch.add_column(sa.Column("smtp_user", TEXT(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("smtp_password", TEXT(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("mail_from", TEXT(length=320), nullable=False, server_default=""))
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("unsubscribed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("unsubscribed")
    with op.batch_alter_table("tenant") as batch:
        for name in ("mail_from", "smtp_password", "smtp_user", "smtp_tls", "smtp_port", "smtp_host"):
            batch.drop_column(name)
