"""complaints: the cases, their steps, their clocks' alerts and the weekly digests sent.

Revision ID: complaints_0001
Revises:
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "complaints_0001"
down_revision = None
branch_labels = ("complaints",)
depends_on = "0001_core"  # the customers and users tables

TABLES = ("complaints_cases", "complaints_steps", "complaints_alerts", "complaints_digests")


def _keys(table: str) -> list:
    return [sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}"))]


def _case(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id", "case_id"], ["complaints_cases.tenant_id", "complaints_cases.id"],
                                   name=op.f(f"fk_{table}_tenant_id_case_id"), ondelete="CASCADE")


def upgrade():
    op.create_table(
        "complaints_cases",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=False),
        sa.Column("plan_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("source_event_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_keys("complaints_cases"),
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                                name=op.f("fk_complaints_cases_tenant_id_customer_id"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_complaints_cases_owner_id"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_complaints_cases_created_by"),
                                ondelete="SET NULL"),
        sa.UniqueConstraint("tenant_id", "source_event_id",
                            name=op.f("uq_complaints_cases_tenant_id_source_event_id")),
    )
    op.create_index("ix_complaints_cases_queue", "complaints_cases", ["tenant_id", "status", "next_due_at"])
    op.create_index("ix_complaints_cases_owner", "complaints_cases", ["tenant_id", "owner_id", "status"])
    op.create_index("ix_complaints_cases_customer", "complaints_cases", ["tenant_id", "customer_id", "opened_at"])
    op.create_index("ix_complaints_cases_opened", "complaints_cases", ["tenant_id", "opened_at"])
    op.create_table(
        "complaints_steps",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_keys("complaints_steps"), _case("complaints_steps"),
    )
    op.create_index("ix_complaints_steps_case", "complaints_steps", ["tenant_id", "case_id", "at"])
    op.create_index("ix_complaints_steps_customer", "complaints_steps", ["tenant_id", "customer_id", "at", "id"])
    op.create_table(
        "complaints_alerts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_keys("complaints_alerts"), _case("complaints_alerts"),
        sa.UniqueConstraint("tenant_id", "case_id", "target", "level",
                            name=op.f("uq_complaints_alerts_tenant_id_case_id_target_level")),
    )
    op.create_index("ix_complaints_alerts_at", "complaints_alerts", ["tenant_id", "level", "at"])
    op.create_table(
        "complaints_digests",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        *_keys("complaints_digests"),
        sa.UniqueConstraint("tenant_id", "week", name=op.f("uq_complaints_digests_tenant_id_week")),
    )
    rls.enable(op, *TABLES)


def downgrade():
    rls.disable(op, *TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
