"""Webhooks both ways, per Standard Webhooks: the workspace's endpoints, every event sent to the
endpoints that want it (signed, retried, logged), and shops' orders received, signed, once.

- ``models``: endpoints, deliveries with their attempts, the inbound secret and messages
- ``endpoints``: registering, changing, testing endpoints; the delivery log and redelivery
- ``outbound``: the event delivery's receiver, sending and retrying, disabling dead endpoints
- ``inbound``: verifying a shop's signed order and recording its purchase once
"""

from saas.core.webhooks.models import (
                                       ALL_EVENTS,
                                       DeliveryStatus,
                                       InboundMessage,
                                       InboundSecret,
                                       WebhookDelivery,
                                       WebhookEndpoint,
)

__all__ = ["ALL_EVENTS", "DeliveryStatus", "InboundMessage", "InboundSecret", "WebhookDelivery", "WebhookEndpoint"]
