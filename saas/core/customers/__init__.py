"""Customers: the feature every other one builds on.

The customer file (客户档案) and everything written about a customer: records, tags, the
workspace's custom fields, purchases and interactions with the timeline, merges of two records
of one customer, and what modules add to a customer's data.

- ``models``: the tables (customers, tags, custom fields, purchases, interactions)
- ``records``: create, change, find, delete and restore a customer
- ``contact``: normalising e-mails and phone numbers
- ``tags``, ``custom_fields``: the workspace's tags and field definitions
- ``activity``: purchases, refunds, interactions and the timeline
- ``merges``: two records of one customer become one
- ``module_data``: what enabled modules add to an export or move in a merge
- ``signals``: in-transaction notices for the features built on customers (classification)

Other features import this package; it imports only the core's mechanisms. The tables are
re-exported here, so ``from saas.core.customers import Customer`` is the plugin author's import.
"""

from saas.core.customers.models import (
                                        Channel,
                                        Customer,
                                        CustomerKind,
                                        CustomerTag,
                                        CustomFieldDefinition,
                                        Direction,
                                        FieldType,
                                        Interaction,
                                        Purchase,
                                        Tag,
)

__all__ = ["Channel", "Customer", "CustomerKind", "CustomerTag", "CustomFieldDefinition", "Direction", "FieldType",
           "Interaction", "Purchase", "Tag"]
