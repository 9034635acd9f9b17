"""Imports every core model so that the metadata (and Alembic) sees every table."""

from saas.core.accounts import ApiKey, Membership, Tenant, User
from saas.core.customers import Interaction, Purchase
from saas.core.audit import AuditEntry
from saas.core.classification import ClassificationChange, CustomerFigures
from saas.core.customers import CustomerTag, CustomFieldDefinition, Customer, Tag
from saas.core.outbox import HandledEvent, OutboxEvent
from saas.core.idempotency import IdempotencyRecord
from saas.core.imports import ImportProblem, ImportRun
from saas.core.modules import PluginError, TenantModule
from saas.core.segments import Segment
from saas.core.webhooks import InboundMessage, InboundSecret, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey", "AuditEntry", "ClassificationChange", "CustomerFigures", "HandledEvent", "OutboxEvent", "CustomFieldDefinition", "Customer", "IdempotencyRecord", "Interaction",
    "Membership", "PluginError", "Purchase", "Tag", "Tenant", "TenantModule", "User", "CustomerTag",
    "InboundMessage", "Segment", "ImportProblem", "ImportRun", "InboundSecret", "WebhookDelivery", "WebhookEndpoint",
]
