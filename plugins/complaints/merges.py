"""Two customers merged: the survivor takes the merged one's cases and their steps."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.db import db

from plugins.complaints.models import Case, Step


def merge(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    for model in (Case, Step):
        db.session.execute(sa.update(model).where(model.customer_id == merged_id).values(customer_id=survivor_id)
                           .execution_options(synchronize_session=False))
