"""surveys: surveys and their questions by version, invitations, responses and answers, opt-outs.

Revision ID: surveys_0001
Revises:
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "surveys_0001"
down_revision = None
branch_labels = ("surveys",)
depends_on = "0001_core"  # the customers table

TABLES = ("surveys_surveys", "surveys_questions", "surveys_invitations", "surveys_responses", "surveys_answers",
          "surveys_optouts")


def _uuid(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Uuid(), nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _table(name: str, *columns, parents: dict[str, str] = {}, unique: tuple[str, ...] = ()) -> None:
    """``name`` keyed on (tenant_id, id), with a tenant foreign key to each of ``parents``
    (column -> table), cascading."""
    op.create_table(
        name, _uuid("tenant_id"), _uuid("id"), *columns,
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{name}_tenant_id"), ondelete="CASCADE"),
        *(sa.ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"],
                                  name=op.f(f"fk_{name}_tenant_id_{column}"), ondelete="CASCADE")
          for column, table in parents.items()),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{name}")),
        *((sa.UniqueConstraint("tenant_id", *unique, name=op.f(f"uq_{name}_tenant_id_{'_'.join(unique)}")),)
          if unique else ()),
    )


def upgrade():
    _table("surveys_surveys", sa.Column("title", sa.JSON(), nullable=False),
           sa.Column("state", sa.String(length=10), nullable=False),
           sa.Column("anonymous", sa.Boolean(), nullable=False), sa.Column("version", sa.Integer(), nullable=False),
           _when("created_at"), _when("updated_at"))
    _table("surveys_questions", _uuid("survey_id"), sa.Column("version", sa.Integer(), nullable=False),
           sa.Column("position", sa.Integer(), nullable=False), sa.Column("kind", sa.String(length=20), nullable=False),
           sa.Column("text", sa.JSON(), nullable=False), sa.Column("choices", sa.JSON(), nullable=False),
           sa.Column("required", sa.Boolean(), nullable=False),
           parents={"survey_id": "surveys_surveys"}, unique=("survey_id", "version", "position"))
    _table("surveys_invitations", _uuid("survey_id"), sa.Column("version", sa.Integer(), nullable=False),
           _uuid("customer_id"), sa.Column("channel", sa.String(length=40), nullable=False),
           _when("sent_at"), _when("expires_at"), _when("delivered_at", True),
           sa.Column("draft", sa.JSON(), nullable=False), _when("finished_at", True),
           parents={"survey_id": "surveys_surveys", "customer_id": "customers"})
    op.create_index("ix_surveys_invitations_customer", "surveys_invitations", ["tenant_id", "customer_id", "sent_at"])
    op.create_index("ix_surveys_invitations_survey", "surveys_invitations", ["tenant_id", "survey_id"])
    _table("surveys_responses", _uuid("survey_id"), sa.Column("version", sa.Integer(), nullable=False),
           _uuid("customer_id", True), _uuid("invitation_id", True), sa.Column("tier", sa.String(length=20), nullable=True),
           _uuid("owner_id", True), sa.Column("language", sa.String(length=10), nullable=False), _when("submitted_at"),
           parents={"survey_id": "surveys_surveys", "customer_id": "customers", "invitation_id": "surveys_invitations"},
           unique=("invitation_id",))
    op.create_index("ix_surveys_responses_survey", "surveys_responses", ["tenant_id", "survey_id", "submitted_at"])
    op.create_index("ix_surveys_responses_customer", "surveys_responses", ["tenant_id", "customer_id", "submitted_at"])
    _table("surveys_answers", _uuid("response_id"), _uuid("question_id"),
           sa.Column("kind", sa.String(length=20), nullable=False), sa.Column("score", sa.Integer(), nullable=True),
           sa.Column("choices", sa.JSON(), nullable=False), sa.Column("text", sa.Text(), nullable=True),
           parents={"response_id": "surveys_responses", "question_id": "surveys_questions"},
           unique=("response_id", "question_id"))
    op.create_index("ix_surveys_answers_question", "surveys_answers", ["tenant_id", "question_id"])
    _table("surveys_optouts", _uuid("customer_id"), _when("created_at"),
           parents={"customer_id": "customers"}, unique=("customer_id",))
    rls.enable(op, *TABLES)


def downgrade():
    rls.disable(op, *TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
