"""Project invitations: a project's owner invites an email address; the invitee accepts.

Adding a member by email had revealed whether the address had an account and made anyone a
member without asking them. An invitation names the address only and waits for its answer.
Memberships made before stay as they are.

Revision ID: 0006_invitations
Revises: 0005
Create Date: 2026-12-04 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_invitations"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_invitations",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('viewer', 'editor')", name=op.f("ck_project_invitations_role")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_invitations_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_project_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_invitations")),
        sa.UniqueConstraint(
            "project_id", "email", name=op.f("uq_project_invitations_project_email")
        ),
    )
    op.create_index(
        op.f("ix_project_invitations_email"), "project_invitations", ["email"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_project_invitations_email"), table_name="project_invitations")
    op.drop_table("project_invitations")
