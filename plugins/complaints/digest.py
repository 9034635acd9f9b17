"""The weekly digest (``complaints.digest``, Mondays): last week's cause review by e-mail, through
the mail adapter from a job, to each active manager, admin and owner, in their language. Once per
workspace and week: a ``complaints_digests`` row, inserted ``ON CONFLICT DO NOTHING RETURNING``,
decides who sends it, so a second run (or a second scheduler) sends nothing."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from saas.core import mail
from saas.core.accounts import Membership, Role, User
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.tenancy import current_tenant, current_tenant_id
from saas.core.types import new_id

from plugins.complaints import clock, review
from plugins.complaints.models import Digest
from plugins.complaints.pages.wording import TARGETS, category_label
from plugins.complaints.settings import NAME

READERS = (Role.owner, Role.admin, Role.manager)  # the roles holding complaints.review


def _percent(rate) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def text_of(found: dict) -> str:
    lines = [_("Complaints in %(week)s (%(first)s to %(last)s)", week=found["week"],
               first=found["starts_on"].isoformat(), last=found["ends_on"].isoformat()), "",
             _("Opened: %(opened)s, resolved: %(resolved)s", opened=found["opened"], resolved=found["resolved"]),
             _("Resolution rate: %(rate)s (target %(target)s)", rate=_percent(found["resolution_rate"]),
               target=_percent(found["targets"]["resolution_rate"])),
             _("Satisfied after resolution: %(rate)s of %(count)s who answered (target %(target)s)",
               rate=_percent(found["satisfaction"]), count=found["answered"],
               target=_percent(found["targets"]["satisfaction"])), "", _("Clocks met:")]
    lines += [f"- {TARGETS[row['target']]}: {row['met']} / {row['cases']} ({_percent(row['rate'])})"
              for row in found["compliance"]]
    lines += ["", _("By category:")] + [f"- {category_label(row['key'])}: {row['cases']}" for row in found["by_category"]]
    lines += ["", _("By cause:")] + [f"- {row['key'] or _('Not given')}: {row['cases']}" for row in found["by_cause"]]
    if found["repeat_complainers"]:
        lines += ["", _("Repeat complainers (90 days):")] + [f"- {row['name']}: {row['cases']}"
                                                           for row in found["repeat_complainers"]]
    return "\n".join(str(line) for line in lines)


def send_weekly() -> int:
    """Last week's digest to the bound workspace's readers, once; returns how many were sent."""
    if not settings_of(NAME)["digest"]:
        return 0
    found = review.of_week(None)
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    claimed = db.session.execute(insert(Digest.__table__).values(
        tenant_id=current_tenant_id(), id=new_id(), week=found["week"], recipients=0, sent_at=clock.now())
        .on_conflict_do_nothing(index_elements=["tenant_id", "week"]).returning(Digest.__table__.c.id)).first()
    if claimed is None:
        return 0
    tenant = current_tenant()
    readers = db.session.execute(
        sa.select(User.email, User.locale).join(Membership, Membership.user_id == User.id)
        .where(Membership.status == "active", Membership.role.in_(READERS), User.is_disabled.is_(False))
        .order_by(User.email)).all()
    for email, locale in readers:
        with force_locale(locale or tenant.settings.get("locale") or "zh_CN"):
            mail.send_later(email, _("Weekly complaint review %(week)s: %(workspace)s", week=found["week"],
                                     workspace=tenant.name), text_of(found))
    db.session.execute(sa.update(Digest).where(Digest.id == claimed[0]).values(recipients=len(readers))
                       .execution_options(synchronize_session=False))
    return len(readers)
