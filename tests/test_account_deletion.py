"""A person deletes their own account through the API (their web session): gone from every
workspace, what they did kept without them; 409 while they are a workspace's last owner."""

from __future__ import annotations

from saas.testing import CSRF_INPUT

PASSWORD = "a long enough password"


def session_of(client, email: str, password: str):
    browser = client.application.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 302
    return browser, {"X-CSRFToken": CSRF_INPUT.search(browser.get("/profile").get_data(as_text=True)).group(1)}


def test_a_member_deletes_their_account_and_their_customers_and_interactions_stay(client, sign_up):
    first, second = sign_up(), sign_up()
    email = f"both@{first.tenant['slug']}.example"
    for workspace in (first, second):
        assert workspace.post("/api/v1/members", json={"email": email, "password": PASSWORD,
                                                       "role": "agent"}).status_code in (201,)
    browser, headers = session_of(client, email, PASSWORD)
    user_id = [m for m in first.get("/api/v1/members").json["items"] if m["email"] == email][0]["user_id"]
    customer = first.customer(owner_id=user_id)
    logged = browser.post("/api/v1/interactions", headers=headers, json={
        "customer_id": customer["id"], "channel": "phone", "subject": "call", "occurred_at": "2026-01-01T00:00:00Z"})
    assert logged.status_code == 201, logged.json

    wrong = browser.delete("/api/v1/account", headers=headers, json={"password": "not the password"})
    assert wrong.status_code == 422
    assert browser.delete("/api/v1/account", headers=headers, json={}).status_code == 422
    deleted = browser.delete("/api/v1/account", headers=headers, json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.json

    for workspace in (first, second):
        assert email not in [m["email"] for m in workspace.get("/api/v1/members").json["items"]]
    assert first.get(f"/api/v1/customers/{customer['id']}").json["owner_id"] is None
    assert first.get(f"/api/v1/interactions/{logged.json['id']}").json["staff_id"] is None
    again = client.application.test_client()
    token = CSRF_INPUT.search(again.get("/login").get_data(as_text=True)).group(1)
    assert again.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code != 302


def test_the_last_owner_of_a_workspace_cannot_delete_their_account(client, sign_up):
    workspace = sign_up()
    browser, headers = session_of(client, workspace.user["email"], workspace.password)
    refused = browser.delete("/api/v1/account", headers=headers, json={"password": workspace.password})
    assert refused.status_code == 409
    assert "last owner of" in refused.json["error"]["message"]
    assert refused.json["error"]["fields"] == {"workspaces": [workspace.tenant["slug"]]}
    assert workspace.get("/api/v1/tenant").status_code == 200
    assert browser.get("/profile").status_code == 200


def test_an_api_key_cannot_delete_a_person(sign_up):
    workspace = sign_up()
    refused = workspace.delete("/api/v1/account", json={"password": workspace.password})
    assert refused.status_code == 403
    assert workspace.get("/api/v1/tenant").status_code == 200


def test_a_person_removed_from_a_workspace_deletes_their_account_and_their_interactions_there_stay(
        client, sign_up):
    """Their interactions in a workspace they have left point at no account afterwards (the foreign
    key's ON DELETE SET NULL): their request could not reach those rows, and the account's delete
    must not fail on them."""
    left = sign_up()
    email = f"mover@{left.tenant['slug']}.example"
    made = left.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": "agent"})
    assert made.status_code == 201, made.json
    browser, headers = session_of(client, email, PASSWORD)
    logged = browser.post("/api/v1/interactions", headers=headers, json={
        "customer_id": left.customer()["id"], "channel": "phone", "subject": "call",
        "occurred_at": "2026-01-01T00:00:00Z"})
    assert logged.status_code == 201, logged.json
    assert left.delete(f"/api/v1/members/{made.json['id']}").status_code == 204
    token = CSRF_INPUT.search(browser.get("/profile").get_data(as_text=True)).group(1)

    deleted = browser.post("/profile/delete", data={"password": PASSWORD, "csrf_token": token})

    assert deleted.status_code == 303, deleted.get_data(as_text=True)[:500]
    kept = left.get(f"/api/v1/interactions/{logged.json['id']}")
    assert kept.status_code == 200 and kept.json["staff_id"] is None


def test_the_owner_of_a_workspace_being_deleted_may_delete_their_account_before_the_job_ends(
        app, client, sign_up, monkeypatch):
    """A workspace on its way out needs no owner: the account goes, its customers lose their
    manager, and the deletion still finishes."""
    import sqlalchemy as sa

    from saas.core.db import db
    from tenants import deletion

    workspace, other = sign_up(), sign_up()
    workspace.customer(owner_id=workspace.user["id"])
    assert other.post("/api/v1/members", json={"email": workspace.user["email"], "role": "agent"}).status_code == 201
    browser, headers = session_of(client, workspace.user["email"], workspace.password)
    accepted = browser.post(f"/invitations/{other.tenant['id']}/accept", headers=headers)
    assert accepted.status_code == 302
    switched = browser.post("/workspace", headers=headers, data={"tenant_id": other.tenant["id"]})
    assert switched.status_code == 302
    real = deletion._delete_batch

    def stalled(table, tenant_id, batch_rows):
        raise RuntimeError("the worker is still on it")

    monkeypatch.setattr(deletion, "_delete_batch", stalled)
    assert workspace.delete("/api/v1/tenant", json={"confirm": workspace.tenant["slug"]}).status_code == 202

    deleted = browser.delete("/api/v1/account", headers=headers, json={"password": workspace.password})
    assert deleted.status_code == 204, deleted.json

    monkeypatch.setattr(deletion, "_delete_batch", real)
    with app.app_context():
        (record,) = db.session.scalars(sa.select(deletion.TenantDeletion)).all()
        deletion_id = str(record.id)
        db.session.rollback()
        deletion.erase(deletion_id)
        assert db.session.scalar(sa.select(deletion.TenantDeletion.status)) == "done"
