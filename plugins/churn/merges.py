"""Two customers merged: the survivor takes the merged one's signals and win-back tasks, and the
merged one's score goes (the survivor is rescored after the merge's purchases moved). An open task
of the merged customer is dropped when the survivor has one open already: never two open tasks,
and a warning about the same person is one piece of work, not two."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.db import db

from plugins.churn.models import OPEN_STATUSES, Score, Signal, Task


def merge(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    survivor_open = db.session.scalar(sa.select(Task.id).where(
        Task.customer_id == survivor_id, Task.status.in_(OPEN_STATUSES)).with_for_update())
    if survivor_open is not None:
        db.session.execute(sa.delete(Task).where(Task.customer_id == merged_id, Task.status.in_(OPEN_STATUSES))
                           .execution_options(synchronize_session=False))
    for model in (Task, Signal):
        db.session.execute(sa.update(model).where(model.customer_id == merged_id).values(customer_id=survivor_id)
                           .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(Score).where(Score.customer_id == merged_id).execution_options(synchronize_session=False))
