"""conversation risk window

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL on existing rows: the service rebuilds a window from the stored analyses on first use
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("risk_window", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("risk_window")
