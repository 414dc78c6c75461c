"""Beds: an index for searches by particle kind and parameter ranges, sorted by count.

The filtered bed listing counts every match and pages through them in the sort order. With
this index, PostgreSQL reads the matches from the index alone, already in particle-count
order (its INCLUDE columns hold what the range and access filters read), instead of scanning
the table (whose rows carry the spec and `.bed` text) and sorting, which took about half
the time per listing on bench/bench_api.py's 10,000 beds (the figures are in
docs/benchmarks.md). SQLite gets the same keys without INCLUDE.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDE = ["column_diameter", "particle_diameter", "owner_id", "project_id"]


def upgrade() -> None:
    op.create_index(
        "ix_beds_kind_count",
        "beds",
        ["particle_kind", "particle_count", "id"],
        postgresql_include=INCLUDE,
    )


def downgrade() -> None:
    op.drop_index("ix_beds_kind_count", table_name="beds")
