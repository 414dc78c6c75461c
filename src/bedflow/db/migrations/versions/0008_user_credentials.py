"""Credentials belong to users: a credential's name is unique per owner, not per installation.

Any signed-in user keeps their own credentials (for their own destinations, such as an S3
bucket to export to); two users may each name one ``archive``. The installation-wide unique
name becomes unique per ``created_by_id``. Existing rows keep their names (they were unique).
The downgrade makes names unique again by suffixing all but the oldest of each name with
the first characters of the row's id.

Revision ID: 0008_user_credentials
Revises: 0007_typed_results
Create Date: 2026-12-05 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_user_credentials"
down_revision: str | None = "0007_typed_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CREDENTIALS = sa.table(
    "credentials",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_constraint(op.f("uq_credentials_name"), type_="unique")
        batch.create_unique_constraint("uq_credentials_created_by_name", ["created_by_id", "name"])


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_CREDENTIALS.c.id, _CREDENTIALS.c.name).order_by(
            _CREDENTIALS.c.name, _CREDENTIALS.c.created_at, _CREDENTIALS.c.id
        )
    ).all()
    seen: set[str] = set()
    for row_id, name in rows:
        if name in seen:
            bind.execute(
                _CREDENTIALS.update()
                .where(_CREDENTIALS.c.id == row_id)
                .values(name=f"{name[:91]}-{row_id.hex[:8]}")
            )
        seen.add(name)
    with op.batch_alter_table("credentials") as batch:
        batch.drop_constraint("uq_credentials_created_by_name", type_="unique")
        batch.create_unique_constraint(op.f("uq_credentials_name"), ["name"])
