"""Delivering survey links: e-mail through the core's mail adapter to a real SMTP server on
loopback (aiosmtpd), in a job that rq retries when the server is away, sent once; and channels
other plugins add through the ``surveys_channels`` hook the module declares."""

from __future__ import annotations

import re
import types
import uuid
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from rq import Retry

from saas import hookimpl
from saas.core import queues
from saas.core.db import db
from saas.core.hooktypes import ModuleInfo
from saas.core.plugins import Plugins
from saas.core.tenancy import tenant_context
from saas.testing import sign_up
from tests.conftest import free_port, make_app, rq_retry_due, wait_until
from tests.test_surveys import make
from tests.test_web_accounts import Inbox


def received(inbox: Inbox, n: int = 0):
    return message_from_bytes(inbox.messages[n].original_content, policy=policy.default)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_a_link_goes_by_e_mail_in_the_customer_s_language_and_opens_the_survey(app, database, smtp):
    controller, inbox = smtp
    mailing = make_app(database, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT_SECONDS=5,
                       PUBLIC_URL="https://crm.example.com")
    tenant = sign_up(mailing.test_client())
    tenant.enable("surveys")
    survey = make(tenant, state="active")
    customer = tenant.customer(email="lin@example.com")
    no_address = tenant.customer()
    sent = tenant.post(f"/api/v1/surveys/{survey['id']}/send", json={"customer_ids": [customer["id"], no_address["id"]]})
    assert sent.status_code == 200 and sent.json["invited"] == 1 and sent.json["links"] is None
    assert sent.json["skipped"] == [{"customer_id": no_address["id"], "reason": "unreachable"}]
    assert inbox.arrived.wait(5)  # the job ran after the request
    mail = received(inbox)
    assert inbox.messages[0].rcpt_tos == ["lin@example.com"] and "几个小问题" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    link = re.search(r"https://crm\.example\.com(/s/[\w.-]+)", body).group(1)
    assert "/s/unsubscribe/" in body
    assert mailing.test_client().get(link).status_code == 200
    with mailing.app_context():
        from plugins.surveys import sending
        from plugins.surveys.models import Invitation

        with tenant_context(tenant.id):
            [invitation] = db.session.query(Invitation).all()
            assert invitation.delivered_at is not None
            invitation_id = str(invitation.id)
            db.session.rollback()
        sending.deliver(str(tenant.id), invitation_id)  # delivered already: not sent twice
        db.engine.dispose()
    assert len(inbox.messages) == 1


@pytest.mark.redis
@pytest.mark.backend_independent
def test_on_rq_a_mail_the_server_refused_is_retried_and_arrives_once(app, database, redis_server, monkeypatch):
    monkeypatch.setattr(queues, "RETRY", Retry(max=2, interval=1))
    port = free_port()
    rq_app = make_app(database, REDIS_URL=redis_server.url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      MAIL_TIMEOUT_SECONDS=2)
    tenant = sign_up(rq_app.test_client())
    tenant.enable("surveys")
    survey = make(tenant, state="active")
    tenant.post(f"/api/v1/surveys/{survey['id']}/send", json={"customer_ids": [tenant.customer(email="a@example.com")["id"]]})
    with rq_app.app_context():
        queues.current_queue().work(burst=True)  # no server yet: the delivery fails, its retry waits
        assert queues.current_queue().queue("default").scheduled_job_registry.count == 1
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        wait_until(lambda: rq_retry_due(rq_app), what="the retry's backoff")
        worked = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
        assert worked.exit_code == 0, worked.output
        assert inbox.arrived.wait(5) and len(inbox.messages) == 1
    finally:
        controller.stop()
    with rq_app.app_context():
        db.engine.dispose()


class Sms:
    """A plugin that delivers survey links by SMS (into ``sent``)."""

    def __init__(self):
        self.sent = []

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="sms", title="SMS")

    @hookimpl(optionalhook=True)  # it may load before the surveys module declares the hook
    def surveys_channels(self):
        from plugins.surveys.channels import Channel

        return [Channel("sms", "SMS", reaches=lambda customer: bool(customer.phone), deliver=self.sent.append)]


@pytest.fixture
def sms():
    return Sms()


@pytest.fixture
def sms_app(app, database, sms):
    import plugins.loyalty.plugin
    import plugins.surveys.plugin

    return make_app(database, plugins=[("sms", sms), ("surveys", plugins.surveys.plugin),
                                       ("loyalty", plugins.loyalty.plugin)])


def test_a_plugin_adds_a_channel_through_the_hook_the_module_declares(sms_app, sms):
    tenant = sign_up(sms_app.test_client())
    tenant.enable("surveys")
    survey = make(tenant, state="active")
    phoned, silent = tenant.customer(phone="+8613800138000"), tenant.customer()
    path = f"/api/v1/surveys/{survey['id']}/send"
    assert tenant.post(path, json={"customer_ids": [phoned["id"]], "channel": "sms"}).status_code == 422  # sms is off
    tenant.enable("sms")
    sent = tenant.post(path, json={"customer_ids": [phoned["id"], silent["id"]], "channel": "sms"})
    assert sent.status_code == 200, sent.json
    assert sent.json["skipped"] == [{"customer_id": silent["id"], "reason": "unreachable"}]
    [recipient] = sms.sent
    assert (recipient.customer_id, recipient.phone, recipient.language) == (uuid.UUID(phoned["id"]), "+8613800138000", "zh-CN")
    assert "/s/" in recipient.url and recipient.title == "客户满意度调查"
    assert sms_app.test_client().get(re.sub(r"^https?://[^/]+", "", recipient.url)).status_code == 200


@pytest.mark.backend_independent
def test_a_module_declares_only_hooks_named_after_itself():
    from saas.core import hookspecs

    good = types.SimpleNamespace(hookspecs=types.SimpleNamespace(
        stamps_colours=hookspecs.hookspec(lambda: None)), saas_module=hookimpl(
        lambda: ModuleInfo(name="stamps", title="Stamps")))
    bad = types.SimpleNamespace(hookspecs=types.SimpleNamespace(
        other_colours=hookspecs.hookspec(lambda: None)), saas_module=hookimpl(
        lambda: ModuleInfo(name="pirate", title="Pirate")))
    host = Plugins("0.2")
    assert host.add(good, "stamps") is not None and host.pm.hook.stamps_colours.has_spec()
    assert host.add(bad, "pirate") is None and "named 'pirate_...'" in host.refused["pirate"]
