"""Keeping each customer's figures in step with its record, through the customers' signals
(:mod:`saas.core.customers.signals`): the application calls :func:`connect` once."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.classification.models import ClassificationChange, CustomerFigures
from saas.core.classification.recompute import refresh
from saas.core.customers import signals
from saas.core.db import db


def connect() -> None:
    signals.created.connect(add_figures)
    signals.activity_changed.connect(refresh)  # refresh(customer_ids): their figures again
    signals.merged.connect(move_history)


def add_figures(customer_ids: list[uuid.UUID]) -> None:
    """A new customer's figures start empty (no purchase yet)."""
    db.session.add_all(CustomerFigures(customer_id=customer_id) for customer_id in customer_ids)


def move_history(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    """The merged customer's tier and stage changes become the survivor's."""
    for change in db.session.scalars(sa.select(ClassificationChange).where(ClassificationChange.customer_id == merged_id)):
        change.customer_id = survivor_id
