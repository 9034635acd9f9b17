"""The churn module's block on a customer's profile (``saas_customer_panels``): the score and its
level, the main reasons in sentences, and the win-back task, with a link to the task (or, without
one, to the customers at risk)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from saas.core.db import db
from saas.core.hooktypes import Panel

from plugins.churn.models import Score, Task
from plugins.churn.pages.wording import LEVELS, STATUSES, sentences
from plugins.churn.settings import NAME


def panel(customer) -> Panel:
    score = db.session.scalar(sa.select(Score).where(Score.customer_id == customer.id))
    task = db.session.scalar(sa.select(Task).where(Task.customer_id == customer.id)
                             .order_by(Task.opened_at.desc()).limit(1))
    if score is None:
        rows = ((_("Risk"), _("Not scored yet")),)
    else:
        why = " ".join(text for text, _share in sentences(score.reasons, 2))
        rows = ((_("Risk score"), f"{score.score} / 100"), (_("Level"), str(LEVELS[score.level.value])),
                *(((_("Why"), why),) if why else ()))
    if task is not None:
        rows = (*rows, (_("Win-back task"), _("%(status)s, due %(day)s", status=STATUSES[task.status.value],
                                                day=format_date(task.due_on, "medium"))))
    link = f"/churn/tasks/{task.id}" if task is not None else "/churn/"
    return Panel(NAME, _("Churn warning"), rows, link=link)
