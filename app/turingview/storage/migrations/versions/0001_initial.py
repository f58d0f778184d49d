"""Initial schema: studies, cases, presented images, readers, assignments, the rating log, the audit chain.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("rating", "audit_event")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "study",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("protocol_text", sa.Text, nullable=False),
        sa.Column("scale_labels", sa.Text, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("audit_seq", sa.Integer, nullable=False),
        sa.Column("audit_head", sa.String(64), nullable=False),
    )
    op.create_table(
        "case_",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study_id", sa.Integer, sa.ForeignKey("study.id"), nullable=False, index=True),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("blinded_id", sa.String(32), nullable=False),
        sa.Column("truth", sa.String(16), nullable=False),
        sa.Column("generator", sa.String(200)),
        sa.Column("generator_version", sa.String(100)),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("patient", sa.String(200)),
        sa.Column("sex", sa.String(32)),
        sa.Column("age_band", sa.String(32)),
        sa.Column("site", sa.String(200)),
        sa.Column("scanner", sa.String(200)),
        sa.Column("extra", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("is_training", sa.Boolean, nullable=False),
        sa.UniqueConstraint("study_id", "blinded_id", name="uq_case_blinded"),
        sa.UniqueConstraint("study_id", "label", name="uq_case_label"),
        sa.UniqueConstraint("study_id", "sha256", name="uq_case_sha256"),
        sa.CheckConstraint("truth in ('real', 'synthetic')", name="ck_case_truth"),
    )
    op.create_table(
        "presented_image",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("case_.id"), primary_key=True),
        sa.Column("blinded_id", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "reader",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(100), nullable=False, unique=True),
        _ts("created_at"),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study_id", sa.Integer, sa.ForeignKey("study.id"), nullable=False, index=True),
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("reader.id"), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("n_items", sa.Integer, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("study_id", "reader_id", name="uq_assignment_reader"),
    )
    op.create_table(
        "assignment_item",
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("assignment.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("case_.id"), nullable=False),
        sa.Column("is_training", sa.Boolean, nullable=False),
        sa.Column("is_repeat", sa.Boolean, nullable=False),
    )
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("assignment.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("case_.id"), nullable=False),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("rating.id")),
        sa.Column("is_training", sa.Boolean, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("binary_call", sa.String(16)),
        sa.Column("artefacts", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        _ts("shown_at"),
        _ts("answered_at"),
        sa.Column("elapsed_ms", sa.Integer, nullable=False),
        sa.Column("window_center", sa.Float),
        sa.Column("window_width", sa.Float),
        sa.Column("zoom", sa.Float, nullable=False),
        sa.Column("pan_x", sa.Float, nullable=False),
        sa.Column("pan_y", sa.Float, nullable=False),
        sa.Column("slice_index", sa.Integer),
        sa.Column("preset", sa.String(64)),
        sa.Column("source", sa.String(80), nullable=False),
        _ts("recorded_at"),
        sa.UniqueConstraint("assignment_id", "position", "revision", name="uq_rating_revision"),
        sa.CheckConstraint("revision >= 1", name="ck_rating_revision"),
        sa.CheckConstraint("score >= 1", name="ck_rating_score"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study_id", sa.Integer, sa.ForeignKey("study.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _ts("at"),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("study_id", "seq", name="uq_audit_seq"),
    )
    op.create_table(
        "reader_package",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("package_uid", sa.String(36), nullable=False, unique=True),
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("assignment.id"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _ts("created_at"),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the rating log and the audit chain at the database level."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION tv_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tv_append_only()"
            )


def downgrade() -> None:
    for table in ("reader_package", "audit_event", "rating", "assignment_item", "assignment", "reader",
                  "presented_image", "case_", "study"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tv_append_only()")
