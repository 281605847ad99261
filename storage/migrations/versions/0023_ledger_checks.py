"""ledger checks: the database refuses a lot whose remaining is below 0 or above what was granted,
and an entry that changes nothing (but a merge's record)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 16:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite adds a constraint by rebuilding the table (batch mode); PostgreSQL checks existing rows.
    with op.batch_alter_table("credit_lot", schema=None) as batch_op:
        batch_op.create_check_constraint("ck_credit_lot_remaining", "remaining >= 0 AND remaining <= granted")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_check_constraint("ck_ledger_entry_quantity", "quantity <> 0 OR kind = 'merge'")


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_constraint("ck_ledger_entry_quantity", type_="check")
    with op.batch_alter_table("credit_lot", schema=None) as batch_op:
        batch_op.drop_constraint("ck_credit_lot_remaining", type_="check")
