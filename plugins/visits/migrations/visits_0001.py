"""visits: planned visits and their outcomes, customers' own cadences.

Revision ID: visits_0001
Revises:
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "visits_0001"
down_revision = None
branch_labels = ("visits",)
depends_on = "0001_core"  # the customers table


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id"),
                                   ondelete="CASCADE")


def _customer(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                                   name=op.f(f"fk_{table}_tenant_id_customer_id"), ondelete="CASCADE")


def upgrade():
    op.create_table(
        "visits_visits",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("rule_key", sa.String(length=80), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_minute", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("next_step", sa.String(length=500), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("logged_on", sa.Date(), nullable=True),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("moved_from_id", sa.Uuid(), nullable=True),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant("visits_visits"), _customer("visits_visits"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_visits_visits")),
        sa.UniqueConstraint("tenant_id", "customer_id", "rule_key", "planned_on",
                            name=op.f("uq_visits_visits_tenant_id_customer_id_rule_key_planned_on")),
    )
    op.create_index("ix_visits_visits_owner_due", "visits_visits", ["tenant_id", "owner_id", "due_on"])
    op.create_index("ix_visits_visits_status_due", "visits_visits", ["tenant_id", "status", "due_on"])
    op.create_table(
        "visits_cadences",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant("visits_cadences"), _customer("visits_cadences"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_visits_cadences")),
        sa.UniqueConstraint("tenant_id", "customer_id", name=op.f("uq_visits_cadences_tenant_id_customer_id")),
    )
    rls.enable(op, "visits_visits", "visits_cadences")


def downgrade():
    rls.disable(op, "visits_visits", "visits_cadences")
    op.drop_table("visits_cadences")
    op.drop_table("visits_visits")
