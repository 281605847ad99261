"""outbox holds a kind and plain data, worded by the bot at delivery, instead of rendered Slack text

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENDERED = "rendered"  # core.outbox.Kind.RENDERED: the bot posts data's text and blocks as they are


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=RENDERED
            )
        )
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))
    # Rows queued before: their words as they were, so those not yet sent still go out unchanged.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE outbox SET data = json_build_object('text', text, 'blocks', blocks)")
    else:
        op.execute("UPDATE outbox SET data = json_object('text', text, 'blocks', json(blocks))")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("data", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("text")
        batch_op.drop_column("blocks")


def downgrade() -> None:
    # Only the rows queued as rendered text get their words back; the others are named by their
    # kind (the older bot cannot word them).
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("blocks", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"UPDATE outbox SET text = CASE WHEN kind = '{RENDERED}' THEN data->>'text' ELSE kind END, "
            f"blocks = CASE WHEN kind = '{RENDERED}' THEN data->'blocks' ELSE '[]'::json END"
        )
    else:
        op.execute(
            f"UPDATE outbox SET text = CASE WHEN kind = '{RENDERED}' THEN json_extract(data, '$.text') "
            f"ELSE kind END, blocks = CASE WHEN kind = '{RENDERED}' THEN json_extract(data, '$.blocks') "
            "ELSE '[]' END"
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("text", server_default=None)
        batch_op.alter_column("blocks", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("data")
        batch_op.drop_column("kind")
