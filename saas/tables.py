"""Every table of the core, its mechanisms' and each feature's (and the tenant lifecycle's deletions and exports), on the metadata before Alembic
looks (a module's tables come with its plugin, which the plugin host imports)."""

from saas.core.accounts import ApiKey, Membership, Tenant, User
from saas.core.audit import AuditEntry
from saas.core.classification import ClassificationChange, CustomerFigures
from saas.core.customers import (
    Customer,
    CustomerTag,
    CustomFieldDefinition,
    Interaction,
    Purchase,
    Tag,
)
from saas.core.data_quality.models import DuplicateKeys, DuplicatePair, DuplicateScan
from saas.core.idempotency import IdempotencyRecord
from saas.core.imports import ImportProblem, ImportRun
from saas.core.modules import PluginError, TenantModule
from saas.core.notifications import Notification
from saas.core.outbox import HandledEvent, OutboxEvent
from saas.core.segments import Segment
from saas.core.webhooks import (
    InboundMessage,
    InboundSecret,
    WebhookDelivery,
    WebhookEndpoint,
)
from tenants.deletion import TenantDeletion
from tenants.export import TenantExport

__all__ = [
    "ApiKey", "AuditEntry", "ClassificationChange", "Customer", "CustomerFigures", "CustomerTag", "CustomFieldDefinition",
    "DuplicateKeys", "DuplicatePair", "DuplicateScan",
    "HandledEvent", "IdempotencyRecord", "ImportProblem", "ImportRun", "InboundMessage", "InboundSecret", "Interaction",
    "Membership", "Notification", "OutboxEvent", "PluginError", "Purchase", "Segment", "Tag", "Tenant", "TenantDeletion", "TenantExport", "TenantModule", "User",
    "WebhookDelivery", "WebhookEndpoint",
]
