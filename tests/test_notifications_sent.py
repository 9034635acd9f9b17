"""Where the core notifies a person (through :func:`saas.core.notifications.notify`): an import they
started is over, customers were given to them by someone else (one notification for a bulk
assignment), an invitation they sent was accepted, and (to the admins) a webhook endpoint was
switched off. Each is read through ``GET /api/v1/notifications`` as its recipient."""

from __future__ import annotations

from saas.testing import CSRF_INPUT
from tests.test_imports import CUSTOMERS, csv_bytes, upload
from tests.test_web_customer_list import bulk, member
from tests.test_web_dashboard import signed_in_as


def notes(caller) -> list[tuple[str, str, str | None]]:
    """(kind, title, link) of the caller's notifications, newest first."""
    response = caller.get("/api/v1/notifications")
    assert response.status_code == 200, response.json
    return [(n["kind"], n["title"], n["link"]) for n in response.json["items"]]


def test_the_person_who_started_an_import_hears_when_it_is_done_or_checked(sign_up):
    shop = sign_up(settings={"locale": "en"})
    done = upload(shop, csv_bytes(CUSTOMERS), name="spring.csv").json
    checked = upload(shop, csv_bytes(CUSTOMERS), name="dry.csv", dry_run="true").json

    assert notes(shop) == [
        ("core.import_finished", "The check of dry.csv is done", f"/imports/{checked['id']}"),
        ("core.import_finished", "Your import of spring.csv is done", f"/imports/{done['id']}")]
    run = shop.get(f"/api/v1/imports/{done['id']}").json
    body = shop.get("/api/v1/notifications").json["items"][1]["body"]
    assert body == f"{run['created']} created, {run['updated']} updated, {run['rejected']} rows rejected."
    assert run["created"] > 0


def test_the_person_who_started_an_import_hears_when_it_failed(sign_up):
    shop = sign_up(settings={"locale": "en"})
    failed = upload(shop, csv_bytes(CUSTOMERS) + b'C-9,"unterminated,,,,,,\n', name="broken.csv").json

    [(kind, title, link)] = notes(shop)
    assert (kind, link) == ("core.import_finished", f"/imports/{failed['id']}")
    assert title.startswith("Your import of broken.csv failed: ") and "malformed" in title


def test_an_account_manager_hears_of_a_customer_given_to_them_but_not_of_one_they_took(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    manager = member(shop, "manager", name="Wang Fang")
    given = shop.customer(name="王女士")
    assert shop.patch(f"/api/v1/customers/{given['id']}", json={"owner_id": manager["user_id"]}).status_code == 200
    shop.customer(name="Made for her", owner_id=manager["user_id"])
    browser = signed_in_as(app, manager["email"])
    taken = shop.customer(name="Taken")
    token = CSRF_INPUT.search(browser.get("/customers").get_data(as_text=True)).group(1)
    took = browser.patch(f"/api/v1/customers/{taken['id']}", json={"owner_id": manager["user_id"]},
                         headers={"X-CSRFToken": token})  # she takes one herself
    assert took.status_code == 200, took.json

    assert [(kind, title) for kind, title, _ in notes(browser)] == [
        ("core.customer_assigned", "Made for her is now your customer"),
        ("core.customer_assigned", "王女士 is now your customer")]
    assert notes(browser)[1][2] == f"/customers/{given['id']}"
    assert notes(shop) == []  # the owner did it


def test_a_bulk_assignment_is_one_notification_for_all_the_customers(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    manager = member(shop, "manager", name="Wang Fang")
    ticked = [shop.customer(name=f"C{n}")["id"] for n in range(3)]
    assert bulk(shop.signed_in(), "assign", ticked, owner_id=manager["user_id"]).status_code == 303
    assert bulk(shop.signed_in(), "assign", ticked, owner_id=manager["user_id"]).status_code == 303  # no change

    assert notes(signed_in_as(app, manager["email"])) == [
        ("core.customer_assigned", "3 customers are now yours", f"/customers?owner_id={manager['user_id']}")]


def test_who_sent_an_invitation_hears_that_it_was_accepted(app, sign_up):
    shop, other = sign_up(settings={"locale": "en"}), sign_up(settings={"locale": "en"})
    assert shop.post("/api/v1/members", json={"email": other.user["email"], "role": "agent"}).status_code == 201
    assert notes(shop) == []
    invited = signed_in_as(app, other.user["email"], other.password)
    page = invited.get(f"/invitations/{shop.tenant['id']}").get_data(as_text=True)
    token = CSRF_INPUT.search(page).group(1)
    assert invited.post(f"/invitations/{shop.tenant['id']}/accept", data={"csrf_token": token}).status_code == 302

    assert notes(shop) == [("core.invitation_accepted", f"{other.user['email']} accepted your invitation",
                            "/settings/members")]
    assert notes(other) == []
