"""Two customers merged: the survivor takes the merged one's invitations, answers and opt-out."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.db import db

from plugins.surveys.models import Invitation, OptOut, Response


def merge(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    for model in (Invitation, Response):
        db.session.execute(sa.update(model).where(model.customer_id == merged_id).values(customer_id=survivor_id)
                           .execution_options(synchronize_session=False))
    opted_out = db.session.scalar(sa.select(OptOut).where(OptOut.customer_id == merged_id))
    if opted_out is None:
        return
    if db.session.scalar(sa.select(OptOut.id).where(OptOut.customer_id == survivor_id)) is None:
        opted_out.customer_id = survivor_id  # either record's asking for no more surveys holds for both
    else:
        db.session.delete(opted_out)
