"""``/api/v1/notifications`` and ``/api/v1/todo``: the caller's own notifications (keyset pages, the
unread filter, marking read, the unread count) and to-do list, for a signed-in person or the
member who issued the API key; texts in the reader's language."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from saas.core.accounts import Role, User
from saas.core.db import db
from saas.core.messages import N_
from saas.core.notifications import notify
from saas.core.tenancy import tenant_context
from tests.test_web_dashboard import PASSWORD, signed_in_as
from tests.test_web_notifications import send
from tests.test_web_today import expiring_customer


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [note["title"] for note in response.json["items"]]


def test_an_api_key_lists_its_issuer_s_notifications_newest_first_a_page_at_a_time(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    for n in range(3):
        send(app, shop, [uuid.UUID(shop.user["id"])], f"Note {n}", link="/today")

    first = shop.get("/api/v1/notifications?limit=2")
    assert titles(first) == ["Note 2", "Note 1"] and first.json["items"][0]["link"] == "/today"
    second = shop.get(f"/api/v1/notifications?limit=2&cursor={first.json['next_cursor']}")
    assert titles(second) == ["Note 0"] and second.json["next_cursor"] is None
    assert shop.get("/api/v1/notifications?cursor=not-ours").status_code in (400, 422)


def test_marking_read_one_or_all_and_the_unread_filter_and_count(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    for n in range(3):
        send(app, shop, [Role.owner], f"Note {n}")
    newest = shop.get("/api/v1/notifications").json["items"][0]

    marked = shop.post(f"/api/v1/notifications/{newest['id']}/read")
    assert marked.status_code == 200 and marked.json["read_at"] is not None
    again = shop.post(f"/api/v1/notifications/{newest['id']}/read")
    assert again.status_code == 200 and again.json["read_at"] == marked.json["read_at"]
    assert titles(shop.get("/api/v1/notifications?unread=true")) == ["Note 1", "Note 0"]
    assert shop.get("/api/v1/notifications/unread-count").json == {"unread": 2}

    assert shop.post("/api/v1/notifications/read-all").json == {"marked": 2}
    assert shop.get("/api/v1/notifications/unread-count").json == {"unread": 0}
    assert titles(shop.get("/api/v1/notifications?unread=true")) == []
    assert len(titles(shop.get("/api/v1/notifications"))) == 3


def test_another_member_s_notification_is_a_404_and_never_listed(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    assert shop.post("/api/v1/members", json={"email": "rep@shop.example", "password": PASSWORD,
                                              "role": "agent"}).status_code == 201
    send(app, shop, [Role.agent], "For the agent")
    rep = signed_in_as(app, "rep@shop.example")
    theirs = rep.get("/api/v1/notifications").json["items"][0]["id"]  # a session speaks for its person

    assert shop.get("/api/v1/notifications").json["items"] == []
    assert shop.post(f"/api/v1/notifications/{theirs}/read").status_code == 404
    assert rep.get("/api/v1/notifications/unread-count").json == {"unread": 1}


@pytest.mark.one_database  # the session's or token's digest, the catalogue: not the database
def test_a_key_issued_by_no_person_has_no_notifications_to_show(app, sign_up):
    shop = sign_up()
    made = shop.post("/api/v1/api-keys", json={"name": "robot", "scopes": ["read", "write"]}).json  # by a key
    robot = {"Authorization": f"Bearer {made['key']}"}
    for path in ("/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/todo"):
        response = shop.client.get(path, headers=robot)
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert shop.client.post("/api/v1/notifications/read-all", headers=robot).status_code == 403


@pytest.mark.one_database  # the session's or token's digest, the catalogue: not the database
def test_a_notification_of_the_core_is_in_each_reader_s_language_on_pages_and_english_in_the_api(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    assert shop.post("/api/v1/members", json={"email": "rep@shop.example", "password": PASSWORD,
                                              "role": "admin"}).status_code == 201
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "rep@shop.example").values(locale="zh_CN"))
        db.session.commit()
    with app.app_context(), tenant_context(shop.id):
        notify([Role.owner, Role.admin], N_("%(customer)s is now your customer"), params={"customer": "王女士"})
        db.session.commit()

    assert titles(shop.get("/api/v1/notifications")) == ["王女士 is now your customer"]
    rep = signed_in_as(app, "rep@shop.example")
    assert titles(rep.get("/api/v1/notifications")) == ["王女士 is now your customer"]  # the API speaks English
    assert "王女士 现在是您的客户" in rep.get("/notifications").get_data(as_text=True)


def test_the_to_do_list_is_the_person_s_day_soonest_first(app, sign_up):
    shop = sign_up(settings={"locale": "en"})
    assert shop.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    soon = expiring_customer(app, shop, "Soon", dt.timedelta(days=3))
    sooner = expiring_customer(app, shop, "Sooner", dt.timedelta(days=1))

    items = shop.get("/api/v1/todo").json["items"]
    assert [(i["title"], i["link"], i["customer_id"]) for i in items] == [
        ("100 points of Sooner expire", f"/customers/{sooner['id']}", sooner["id"]),
        ("100 points of Soon expire", f"/customers/{soon['id']}", soon["id"])]
    assert all(i["kind"] == "loyalty.expiring" for i in items)
