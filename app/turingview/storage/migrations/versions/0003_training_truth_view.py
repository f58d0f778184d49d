"""The ``reader_training_truth`` view: truth of training cases only, for reader-side feedback.

A reader workstation on a shared PostgreSQL server runs with column privileges that exclude
``case_.truth`` (packaging/postgres/reader_role.sql); it reads the feedback of training cases through this
view instead, which never exposes a study case.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIEW = ("CREATE VIEW reader_training_truth AS "
        "SELECT id AS case_id, study_id, blinded_id, truth FROM case_ WHERE is_training")


def upgrade() -> None:
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS reader_training_truth")
