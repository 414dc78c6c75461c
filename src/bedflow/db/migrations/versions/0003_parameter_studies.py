"""Parameter studies: the studies table and each job's study.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("bed_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("grid", _JSON, nullable=False),
        sa.Column("params", _JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bed_id"], ["beds.id"], name=op.f("fk_studies_bed_id_beds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_studies_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studies")),
    )
    op.create_index(op.f("ix_studies_bed_id"), "studies", ["bed_id"], unique=False)
    op.create_index("ix_studies_user_created", "studies", ["user_id", "created_at"], unique=False)
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("study_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_jobs_study_id_studies"), "studies", ["study_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_jobs_study_id"), ["study_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(op.f("ix_jobs_study_id"))
        batch.drop_constraint(op.f("fk_jobs_study_id_studies"), type_="foreignkey")
        batch.drop_column("study_id")
    op.drop_index("ix_studies_user_created", table_name="studies")
    op.drop_index(op.f("ix_studies_bed_id"), table_name="studies")
    op.drop_table("studies")
