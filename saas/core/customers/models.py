"""The customer file (客户档案): customers, their tags, the tenant's custom fields, and what happens
between the tenant and them (purchases and interactions)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.db import TenantOwned, TenantScoped, Timestamped, db, tenant_fk
from saas.core.types import Money, ScaledDecimal, UTCDateTime


class CustomerKind(str, enum.Enum):
    person = "person"
    company = "company"


class Channel(str, enum.Enum):
    phone = "phone"
    email = "email"
    visit = "visit"
    meeting = "meeting"
    chat = "chat"
    sms = "sms"
    social = "social"


class FieldType(str, enum.Enum):
    text = "text"
    number = "number"
    date = "date"
    boolean = "boolean"
    choice = "choice"


class Tag(TenantScoped, Timestamped, db.Model):
    __tablename__ = "tags"
    __audit__ = True
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(50))
    color: Mapped[str | None] = mapped_column(sa.String(7))


class CustomerTag(TenantOwned, db.Model):
    """A tag on a customer (the association table, mapped so the tenancy filter covers it)."""

    __tablename__ = "customer_tags"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        tenant_fk(["tag_id"], "tags", ondelete="CASCADE"),
        sa.Index("ix_customer_tags_tag", "tenant_id", "tag_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    tag_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)


class Customer(TenantScoped, Timestamped, db.Model):
    __tablename__ = "customers"
    __audit__ = True
    __audit_relationships__ = {"tags": "name"}
    __table_args__ = (
        tenant_fk(["owner_id"], "memberships.user_id"),
        tenant_fk(["merged_into_id"], "customers"),
        sa.UniqueConstraint("tenant_id", "external_id"),
        sa.Index("ix_customers_tenant_created", "tenant_id", "created_at", "id"),
        sa.Index("ix_customers_tenant_name", "tenant_id", "name", "id"),
        sa.Index("ix_customers_tenant_email", "tenant_id", "email"),
        sa.Index("ix_customers_tenant_phone", "tenant_id", "phone"),
        sa.Index("ix_customers_tenant_owner", "tenant_id", "owner_id"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))  # the customer's id in a shop or ERP
    kind: Mapped[CustomerKind] = mapped_column(
        sa.Enum(CustomerKind, native_enum=False, length=20), default=CustomerKind.person
    )
    company: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    social: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    birthday: Mapped[dt.date | None] = mapped_column(sa.Date)
    source: Mapped[str | None] = mapped_column(sa.String(100))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    team: Mapped[str | None] = mapped_column(sa.String(100))
    preferences: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    custom_fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # set on a merged customer's tombstone

    tags: Mapped[list[Tag]] = relationship(
        secondary="customer_tags", order_by=Tag.name
    )
    figures = relationship(  # saas.core.classification.CustomerFigures: tier, stage and figures
        "CustomerFigures", uselist=False, viewonly=True,
        primaryjoin="and_(Customer.tenant_id == foreign(CustomerFigures.tenant_id), "
                    "Customer.id == foreign(CustomerFigures.customer_id))",
    )

    @property
    def tier(self):
        return self.figures.tier if self.figures else None

    @property
    def lifecycle_stage(self):
        return self.figures.lifecycle_stage if self.figures else None

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    __mapper_args__ = {"version_id_col": version}


class CustomFieldDefinition(TenantScoped, Timestamped, db.Model):
    """A field a tenant adds to its customer records, validated by type."""

    __tablename__ = "custom_field_definitions"
    __audit__ = True
    __table_args__ = (sa.UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(sa.String(50))
    label: Mapped[str] = mapped_column(sa.String(100))
    type: Mapped[FieldType] = mapped_column(sa.Enum(FieldType, native_enum=False, length=20))
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class Direction(str, enum.Enum):
    inbound = "inbound"
    outbound = "outbound"


class Purchase(TenantScoped, Timestamped, db.Model):
    __tablename__ = "purchases"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers"),
        sa.UniqueConstraint("tenant_id", "external_ref"),
        # Covers the figures' aggregate too (an index-only scan on PostgreSQL).
        sa.Index("ix_purchases_customer_time", "tenant_id", "customer_id", "purchased_at", "id",
                 postgresql_include=["amount", "refunded_amount"]),
        sa.Index("ix_purchases_tenant_time", "tenant_id", "purchased_at", "id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    product: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str | None] = mapped_column(sa.String(100))
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(3), default=Decimal(1))
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3))
    purchased_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    external_ref: Mapped[str | None] = mapped_column(sa.String(100))
    refunded_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refund_reason: Mapped[str | None] = mapped_column(sa.String(500))


class Interaction(TenantScoped, Timestamped, db.Model):
    __tablename__ = "interactions"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers"),
        sa.Index("ix_interactions_customer_time", "tenant_id", "customer_id", "occurred_at", "id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    direction: Mapped[Direction] = mapped_column(
        sa.Enum(Direction, native_enum=False, length=20), default=Direction.outbound
    )
    subject: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(sa.String(200))
