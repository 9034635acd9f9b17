"""Asking the customer "was this resolved?": once a case is resolved, an e-mail with the signed
one-click link (:mod:`plugins.complaints.links`) through the mail adapter, from a job after the
commit, in the customer's language (their preference, else the workspace's). A customer without an
e-mail is asked by staff, who see the link on the case's page."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from saas.core import mail
from saas.core.accounts import Tenant
from saas.core.customers import Customer
from saas.core.db import db

from plugins.complaints import links
from plugins.complaints.models import Case


def language_of(customer: Customer, tenant: Tenant) -> str:
    preferred = (customer.preferences or {}).get("language") if isinstance(customer.preferences, dict) else None
    return "en" if str(preferred or tenant.settings.get("locale") or "zh_CN").startswith("en") else "zh_CN"


def ask(case: Case) -> bool:
    customer = db.session.get(Customer, (case.tenant_id, case.customer_id))
    if customer is None or not customer.email:
        return False
    tenant = db.session.get(Tenant, case.tenant_id)
    with force_locale(language_of(customer, tenant)):
        subject = _("Was your complaint resolved? (%(workspace)s)", workspace=tenant.name)
        text = "\n\n".join([
            _("Dear %(name)s,", name=customer.name),
            _("we have resolved your complaint: %(resolution)s", resolution=case.resolution or ""),
            _("Is it resolved for you? One click tells us: %(url)s", url=links.confirmation_url(case)),
            tenant.name])
    mail.send_later(customer.email, subject, text)
    return True
