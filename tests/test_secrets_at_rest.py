"""Secrets at rest: webhook and inbound secrets, and the answers kept for Idempotency-Key replays,
are stored as Fernet tokens (read back here with raw SQL); signatures still verify; a second key
takes over with `flask secrets reencrypt`; a key that opens nothing is a clear error."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import upgrade
from standardwebhooks.webhooks import Webhook

from saas.core import secretbox
from saas.core.db import db
from saas.core.secretbox import UnreadableSecret
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from saas.core.webhooks import InboundSecret, WebhookEndpoint
from saas.testing import sign_up as sign_up_through
from tests.conftest import TenantClient, create_postgres_database, drop_postgres_database, make_app
from tests.test_inbound import ORDER, inbound_secret, push, signed
from tests.webhook_receiver import Receiver

SEALED_VALUES = ("SELECT secret, previous_secret FROM webhook_endpoints WHERE tenant_id = :t UNION ALL "
                 "SELECT secret, previous_secret FROM inbound_secrets WHERE tenant_id = :t UNION ALL "
                 "SELECT response_body, NULL FROM idempotency_keys WHERE tenant_id = :t")
TEST_KEY = secretbox.derived_key("test-secret-key-that-is-long-enough")  # what make_app's apps seal with


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def raw(app, tenant, sql: str) -> list:
    """Rows of ``sql`` (its tables filtered on ``tenant_id = :t``), as stored, bypassing the models."""
    with app.app_context(), tenant_context(tenant.id):
        rows = [tuple(row) for row in db.session.execute(sa.text(sql).bindparams(sa.bindparam("t", type_=sa.Uuid)),
                                                             {"t": tenant.id})]
        db.session.rollback()
    return rows


def tokens_of(app, tenant) -> list[str]:
    """Every sealed value the workspace's rows hold, as stored."""
    rows = raw(app, tenant, SEALED_VALUES)
    return [value for row in rows for value in row if value is not None]


def opens_with(key: bytes, token: str) -> str:
    return Fernet(key).decrypt(token.encode()).decode()


@pytest.fixture
def other_app(database):
    """Another application on the same database, with the keys a test gives it."""
    made = []

    def _make(keys: str):
        made.append(make_app(database, ENCRYPTION_KEYS=keys))
        return made[-1]

    yield _make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def speaking_to(app, tenant) -> TenantClient:
    return TenantClient(app.test_client(), tenant.key, tenant.tenant, tenant.user, tenant.password)


def test_the_database_holds_no_secret_in_plain_text(app, tenant_a):
    endpoint = tenant_a.post("/api/v1/webhooks", json={"url": "https://shop.example.com/hook"},
                             headers={"Idempotency-Key": "hook-1"}).json
    inbound = inbound_secret(tenant_a)
    rotated = tenant_a.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret").json["secret"]
    [(secret, previous)] = raw(app, tenant_a, "SELECT secret, previous_secret FROM webhook_endpoints WHERE tenant_id = :t")
    [(inbound_stored,)] = raw(app, tenant_a, "SELECT secret FROM inbound_secrets WHERE tenant_id = :t")
    assert (opens_with(TEST_KEY, secret), opens_with(TEST_KEY, previous)) == (rotated, endpoint["secret"])
    assert opens_with(TEST_KEY, inbound_stored) == inbound
    stored = tokens_of(app, tenant_a)
    assert len(stored) == 4  # the endpoint's secret and previous one, the inbound one, the answer kept for replay
    for plain in (endpoint["secret"], rotated, inbound, "whsec_"):
        assert not any(plain in value for value in stored)


def test_a_replayed_webhook_registration_gives_the_secret_back_from_a_sealed_answer(app, tenant_a):
    headers = {"Idempotency-Key": "hook-1"}
    first = tenant_a.post("/api/v1/webhooks", json={"url": "https://shop.example.com/hook"}, headers=headers)
    again = tenant_a.post("/api/v1/webhooks", json={"url": "https://shop.example.com/hook"}, headers=headers)
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json == first.json and again.json["secret"].startswith("whsec_")
    [(body,)] = raw(app, tenant_a, "SELECT response_body FROM idempotency_keys WHERE tenant_id = :t")
    assert json.loads(opens_with(TEST_KEY, body)) == first.json and "whsec_" not in body
    assert len(tenant_a.get("/api/v1/webhooks").json["items"]) == 1


def test_deliveries_and_inbound_orders_still_verify_with_the_secrets_shown(tenant_a, receiver):
    endpoint = tenant_a.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    tenant_a.customer(name="Li Lei")
    [received] = receiver.at("/hook")
    assert Webhook(endpoint["secret"]).verify(received.body, received.headers)["type"] == "customer.created"
    secret, body = inbound_secret(tenant_a), json.dumps(ORDER)
    assert push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body)).status_code == 201


def test_a_new_first_key_seals_new_secrets_while_the_old_one_still_opens_the_stored(app, tenant_a, receiver,
                                                                                   other_app):
    old = tenant_a.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    new_key = Fernet.generate_key()
    rotated_app = other_app(f"{new_key.decode()},{TEST_KEY.decode()}")
    tenant = speaking_to(rotated_app, tenant_a)
    tenant.customer(name="signed with the old key's secret")
    [received] = receiver.at("/hook")
    assert Webhook(old["secret"]).verify(received.body, received.headers)["type"] == "customer.created"
    inbound = inbound_secret(tenant)  # made under the new key
    [(stored,)] = raw(rotated_app, tenant, "SELECT secret FROM inbound_secrets WHERE tenant_id = :t")
    assert opens_with(new_key, stored) == inbound
    body = json.dumps(ORDER)
    assert push(tenant.client, tenant.tenant["slug"], body, signed(inbound, body)).status_code == 201


def test_reencrypt_reseals_every_secret_with_the_first_key_in_batches_and_a_second_run_changes_nothing(
        app, sign_up, other_app):
    workspaces = [sign_up() for _ in range(2)]
    shown = {}
    for tenant in workspaces:
        made = [tenant.post("/api/v1/webhooks", json={"url": f"https://shop.example.com/{n}"},
                            headers={"Idempotency-Key": f"hook-{n}"}).json["secret"] for n in range(3)]
        last = tenant.get("/api/v1/webhooks").json["items"][-1]["id"]
        made.append(tenant.post(f"/api/v1/webhooks/{last}/rotate-secret").json["secret"])
        shown[tenant.id] = made
        inbound_secret(tenant)
    before = {tenant.id: tokens_of(app, tenant) for tenant in workspaces}
    new_key = Fernet.generate_key()
    rotated_app = other_app(f"{new_key.decode()},{TEST_KEY.decode()}")
    runner = rotated_app.test_cli_runner()
    result = runner.invoke(args=["secrets", "reencrypt", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["idempotency_keys: 6 row(s) re-encrypted",
                                          "inbound_secrets: 2 row(s) re-encrypted",
                                          "webhook_endpoints: 6 row(s) re-encrypted"]
    for tenant in workspaces:
        after = tokens_of(app, tenant)
        assert len(after) == len(before[tenant.id]) == 8 and not set(after) & set(before[tenant.id])
        assert [opens_with(new_key, token) for token in after] == [opens_with(TEST_KEY, token)
                                                                  for token in before[tenant.id]]
    again = runner.invoke(args=["secrets", "reencrypt"])
    assert again.exit_code == 0 and again.output.splitlines() == ["idempotency_keys: 0 row(s) re-encrypted",
                                                                  "inbound_secrets: 0 row(s) re-encrypted",
                                                                  "webhook_endpoints: 0 row(s) re-encrypted"]
    new_only = other_app(new_key.decode())  # the old key can go now
    with new_only.app_context(), tenant_context(workspaces[0].id):
        secrets_now = sorted(s for e in db.session.scalars(sa.select(WebhookEndpoint)) for s in e.secrets_at(utcnow()))
        db.session.rollback()
    assert secrets_now == sorted(shown[workspaces[0].id])  # three current ones and the rotated one's previous


def test_a_secret_rotated_while_reencrypt_runs_keeps_its_new_value(tenant_a, other_app, monkeypatch):
    """Re-encryption writes a row back only if its tokens are still those it read: a secret an
    admin rotated meanwhile (and was shown once) is not overwritten by the old one resealed."""
    tenant_a.post("/api/v1/webhooks", json={"url": "https://shop.example.com/hook"})
    new_key = Fernet.generate_key()
    rotated_app = other_app(f"{new_key.decode()},{TEST_KEY.decode()}")
    table = WebhookEndpoint.__table__
    reseal = secretbox.SecretBox.reseal

    def rotated_meanwhile(self, token):  # the admin's rotation commits between the read and the write
        db.session.execute(sa.update(table).values(secret=secretbox.seal("whsec_rotated-meanwhile")))
        return reseal(self, token)

    with rotated_app.app_context(), tenant_context(tenant_a.id):
        monkeypatch.setattr(secretbox.SecretBox, "reseal", rotated_meanwhile)
        changed = secretbox.reseal_table(table, [table.c.secret], batch_size=10, tenant_id=tenant_a.id)
        monkeypatch.undo()
        secret = db.session.scalars(sa.select(WebhookEndpoint)).one().secret
        db.session.rollback()
    assert (changed, secret) == (0, "whsec_rotated-meanwhile")


def test_a_key_that_opens_no_stored_secret_is_a_clear_error_not_a_wrong_signature(app, tenant_a, receiver,
                                                                                 other_app, caplog):
    tenant_a.post("/api/v1/webhooks", json={"url": receiver.url("/hook")})
    secret, body = inbound_secret(tenant_a), json.dumps(ORDER)
    wrong_app = other_app(Fernet.generate_key().decode())
    tenant = speaking_to(wrong_app, tenant_a)
    with caplog.at_level(logging.ERROR):
        tenant.customer(name="never sent")  # the delivery job fails, the request does not
    assert receiver.at("/hook") == []
    assert "does not decrypt with any key in ENCRYPTION_KEYS" in caplog.text
    with wrong_app.app_context(), tenant_context(tenant_a.id):
        endpoint = db.session.scalar(sa.select(WebhookEndpoint))
        with pytest.raises(UnreadableSecret, match="the key that sealed it is missing"):
            endpoint.secrets_at(utcnow())
        with pytest.raises(UnreadableSecret):
            db.session.scalar(sa.select(InboundSecret)).secret
        db.session.rollback()
    with pytest.raises(UnreadableSecret):
        push(tenant.client, tenant.tenant["slug"], body, signed(secret, body))
    failed = wrong_app.test_cli_runner().invoke(args=["secrets", "reencrypt"])
    assert failed.exit_code == 1 and "does not decrypt with any key in ENCRYPTION_KEYS" in failed.output
    assert tenant_a.get("/api/v1/webhooks").status_code == 200  # listing needs no secret


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_seals_the_plaintext_secrets_and_kept_answers_already_stored(kind, tmp_path):
    if kind == "sqlite":
        from saas.testing.databases import Database, sqlite_database
        target: Database = sqlite_database(tmp_path / "old.db")
    else:
        target = create_postgres_database()
    migrated = make_app(target)
    try:
        with migrated.app_context():
            upgrade(revision="0012_account_notices")
        tenant = sign_up_through(migrated.test_client())
        plain = "whsec_" + "A" * 43 + "="
        answer = json.dumps({"secret": plain})
        owner = sa.create_engine(target.owner_url or target.app_url)
        with owner.begin() as conn:
            if kind == "postgresql":
                conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant.id)})
            now = utcnow()
            for table in ("webhook_endpoints", "inbound_secrets"):
                extra = {"url": "https://shop.example.com/h", "event_types": ["*"], "enabled": True} \
                    if table == "webhook_endpoints" else {}
                values = {"tenant_id": tenant.id, "id": uuid.uuid4(), "secret": plain,
                          "previous_secret": plain[::-1], "created_at": now, "updated_at": now, **extra}
                conn.execute(sa.insert(db.metadata.tables[table]).values(**values))  # the 0012 columns
            values = {"tenant_id": tenant.id, "id": uuid.uuid4(), "key": "k", "method": "POST",
                      "path": "/api/v1/webhooks", "request_hash": "0" * 64, "status_code": 201,
                      "response_body": answer, "created_at": now}
            conn.execute(sa.insert(db.metadata.tables["idempotency_keys"]).values(**values))
        owner.dispose()
        with migrated.app_context():
            upgrade(revision="heads")
        rows = raw(migrated, tenant, SEALED_VALUES)
        assert [tuple(opens_with(TEST_KEY, v) if v else v for v in row) for row in rows] == [
            (plain, plain[::-1]), (plain, plain[::-1]), (answer, None)]
        assert not any(plain in v or plain[::-1] in v for row in rows for v in row if v)
        with migrated.app_context(), tenant_context(tenant.id):
            assert db.session.scalar(sa.select(WebhookEndpoint)).secret == plain
            db.session.rollback()
    finally:
        with migrated.app_context():
            db.engine.dispose()
        if kind == "postgresql":
            drop_postgres_database(target)
