"""Webhook URLs cannot reach private networks (SSRF): checked at registration and on every
connection, on the address actually connected to."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from saas.core import netguard
from saas.core.webhooks import outbound
from saas.core.db import db
from saas.core.tenancy import tenant_context
from saas.core.webhooks import WebhookDelivery
from tests.webhook_receiver import Receiver

BLOCKED = [
    # loopback, in every spelling
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://017700000001/",
    "http://0177.0.0.1/", "http://localhost:8080/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://[::]/",
    # private, link-local (cloud metadata), shared (CGNAT), multicast, reserved, broadcast
    "http://10.1.2.3/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://239.255.255.250/", "http://240.0.0.1/",
    "http://255.255.255.255/", "http://192.0.0.8/", "http://198.18.0.1/",
    # IPv6: unique local, link-local, multicast, documentation
    "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[ff02::1]/", "http://[2001:db8::1]/",
    # IPv4 hidden in IPv6: mapped, compatible, NAT64 (both prefixes), 6to4, Teredo
    "http://[::ffff:10.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::7f00:1]/", "http://[64:ff9b:1::a00:1]/",
    "http://[2002:a9fe:a9fe::1]/", "http://[2002:7f00:1::]/", "http://[2001::1]/",
]
ALLOWED = ["https://93.184.216.34/hook", "http://8.8.8.8:8080/x", "http://[2606:4700:4700::1111]/",
           "http://[64:ff9b::808:808]/"]  # the last: NAT64 of a public address


@pytest.mark.parametrize("url", BLOCKED)
def test_private_and_special_addresses_are_refused(url):
    problem = netguard.check_url(url, allow_private=False)
    assert problem is not None and any(why in problem for why in ("not a public", "multicast", "Teredo", "reserved"))


@pytest.mark.parametrize("url", ALLOWED)
def test_public_addresses_are_accepted(url):
    assert netguard.check_url(url, allow_private=False) is None


@pytest.mark.parametrize("url, reason", [
    ("ftp://93.184.216.34/", "Only http and https"), ("file:///etc/passwd", "Only http and https"),
    ("gopher://93.184.216.34/", "Only http and https"), ("http://user:pw@93.184.216.34/", "no user name"),
    ("http://93.184.216.34:99999/", "Not a valid URL"), ("https:///path", "no host"),
    ("http://no-such-host.invalid/", "does not resolve"),
])
def test_other_urls_that_cannot_receive_webhooks(url, reason):
    assert reason in netguard.check_url(url, allow_private=False)


@pytest.fixture
def guarded(app, monkeypatch):
    """The test app with the address check on (the suite's receivers listen on loopback)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
    app.extensions.pop(outbound.POOL, None)
    yield app
    app.extensions.pop(outbound.POOL, None)


def test_registration_refuses_a_private_url_with_the_reason(guarded, tenant_a):
    for url in ("http://169.254.169.254/latest/meta-data", "http://localhost/hook", "http://[::ffff:10.0.0.1]/"):
        response = tenant_a.post("/api/v1/webhooks", json={"url": url})
        assert response.status_code == 422
        assert "not a public address" in response.json["error"]["fields"]["url"][0]
    assert tenant_a.get("/api/v1/webhooks").json["items"] == []


def last_error(app, tenant) -> str:
    with app.app_context(), tenant_context(tenant.id):
        error = db.session.scalar(sa.select(WebhookDelivery.last_error))
        db.session.rollback()
    return error


def test_sending_refuses_an_address_that_became_private_after_registration(app, tenant_a, monkeypatch):
    with Receiver() as receiver:
        endpoint = tenant_a.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json  # checks off
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
        app.extensions.pop(outbound.POOL, None)
        tenant_a.customer()
        assert receiver.received == []
    assert "127.0.0.1" in last_error(app, tenant_a) and "not a public address" in last_error(app, tenant_a)
    assert tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json["enabled"] is True
    app.extensions.pop(outbound.POOL, None)


def test_a_name_that_rebinds_to_loopback_is_caught_on_the_connection(guarded, tenant_a, monkeypatch):
    """DNS rebinding: public when registered, loopback when connected to."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(netguard.socket, "getaddrinfo", rebinding)
    registered = tenant_a.post("/api/v1/webhooks", json={"url": "http://hooks.rebind.example/hook"})
    assert registered.status_code == 201
    tenant_a.customer()
    assert "resolves to 127.0.0.1" in last_error(guarded, tenant_a)


@pytest.mark.parametrize("url", ["http://[fec0::1]/", "http://[::ffff:0:a00:1]/", "http://[5f00::1]/",
                                 "http://[64:ff9b:1::808:808]/"])
def test_ranges_some_pythons_call_global_are_refused_too(url):
    assert "not a public address" in netguard.check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["http://93.184.216.34/ü", "http://bücher.example/hook", "http://93.184.216.34:0/"])
def test_urls_that_could_not_be_sent_to_are_refused_at_registration(url):
    assert netguard.check_url(url, allow_private=True) is not None


@pytest.mark.parametrize("url", BLOCKED + ["http://[fec0::1]/", "http://[64:ff9b:1::808:808]/"])
def test_the_sending_side_refuses_to_connect_to_every_one_of_them(url):
    """What registration refuses, the connection refuses too (for URLs registered while allowed,
    or names that changed their answer)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with pytest.raises(netguard.BlockedAddress):
        netguard.GuardedBackend(allow_private=False).connect_tcp(parts.hostname, parts.port or 80, timeout=1)
