"""birthdays: the greetings table.

Revision ID: birthdays_0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "birthdays_0001"
down_revision = None
branch_labels = ("birthdays",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "birthdays_greetings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("greeted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_birthdays_greetings_tenant_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_birthdays_greetings")),
        sa.UniqueConstraint("tenant_id", "customer_id", "year", name=op.f("uq_birthdays_greetings_tenant_id_customer_id_year")),
    )
    rls.enable(op, "birthdays_greetings")


def downgrade():
    rls.disable(op, "birthdays_greetings")
    op.drop_table("birthdays_greetings")
