"""Notifications: ``notify()`` for a person or a role, ``/notifications`` (newest first, mark read,
mark all read, keyset pages, the digest switch), the unread count in every page's header, each
person's and workspace's own only, Chinese, and SQL statements that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid

import pytest
import sqlalchemy as sa

from saas.core.accounts import Role, User
from saas.core.db import db
from saas.core.notifications import Notification, notify
from saas.core.tenancy import tenant_context
from saas.testing import CSRF_INPUT
from tests.test_web_dashboard import PASSWORD, signed_in_as

ITEM = re.compile(r'<li class="notification( unread)?" data-notification="([^"]+)">.*?</li>', re.S)
COUNT = re.compile(r'<span class="unread-count">(\d+)<')


def send(app, tenant, recipients, title: str, **extra) -> int:
    with app.app_context(), tenant_context(tenant.id):
        sent = notify(recipients, title, **extra)
        db.session.commit()
    return sent


def shown(page: str) -> list[tuple[str, bool]]:
    """(id, unread) of each notification listed, in order."""
    return [(note_id, bool(unread)) for unread, note_id in ITEM.findall(page)]


def unread(page: str) -> int:
    found = COUNT.search(page)
    return int(found.group(1)) if found else 0


def post(browser, path: str, page: str, **data):
    return browser.post(path, data={"csrf_token": CSRF_INPUT.search(page).group(1), **data})


@pytest.fixture
def shop(sign_up):
    return sign_up(settings={"locale": "en"})


def test_a_person_sees_their_notifications_newest_first_and_the_header_counts_the_unread(app, shop):
    owner = uuid.UUID(shop.user["id"])
    assert send(app, shop, [owner], "Points expire", body="王女士's 300 points", link="/today") == 1
    assert send(app, shop, [Role.owner], "Import done") == 1  # the owner again, by role
    browser = shop.signed_in()
    text = browser.get("/notifications").get_data(as_text=True)
    assert [unread_ for _, unread_ in shown(text)] == [True, True]
    assert text.index("Import done") < text.index("Points expire") and '<a href="/today">Points expire</a>' in text
    assert unread(text) == 2 and unread(browser.get("/today").get_data(as_text=True)) == 2
    newest = shown(text)[0][0]
    assert post(browser, f"/notifications/{newest}/read", text).status_code == 303
    text = browser.get("/notifications").get_data(as_text=True)
    assert [unread_ for _, unread_ in shown(text)] == [False, True] and unread(text) == 1
    assert post(browser, "/notifications/read-all", text).status_code == 303
    text = browser.get("/notifications").get_data(as_text=True)
    assert [unread_ for _, unread_ in shown(text)] == [False, False] and unread(text) == 0
    assert 'class="unread-count"' not in text


def test_a_role_reaches_its_active_members_once_each_and_no_one_else(app, shop):
    for email, role in (("m1@shop.example", "manager"), ("m2@shop.example", "manager"), ("a@shop.example", "agent")):
        assert shop.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role}).status_code == 201
    m1 = next(m for m in shop.get("/api/v1/members").json["items"] if m["email"] == "m1@shop.example")
    assert send(app, shop, [Role.manager, uuid.UUID(m1["user_id"])], "Visit plan ready") == 2
    assert unread(signed_in_as(app, "m2@shop.example").get("/notifications").get_data(as_text=True)) == 1
    assert unread(signed_in_as(app, "a@shop.example").get("/notifications").get_data(as_text=True)) == 0
    assert unread(shop.signed_in().get("/notifications").get_data(as_text=True)) == 0


def test_a_link_off_the_site_is_refused(app, shop):
    with pytest.raises(ValueError):
        send(app, shop, [Role.owner], "Phish", link="https://evil.example/")


def test_another_person_s_or_workspace_s_notification_is_a_404_and_never_counted(app, shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    send(app, other, [Role.owner], "Theirs")
    assert shop.post("/api/v1/members", json={"email": "colleague@shop.example", "password": PASSWORD,
                                             "role": "agent"}).status_code == 201
    send(app, shop, [Role.agent], "The colleague's")
    browser = shop.signed_in()
    text = browser.get("/notifications").get_data(as_text=True)
    assert shown(text) == [] and unread(text) == 0 and "Theirs" not in text
    for tenant, title in ((other, "Theirs"), (shop, "The colleague's")):
        with app.app_context(), tenant_context(tenant.id):
            note_id = db.session.scalar(sa.select(Notification.id).where(Notification.title == title))
        response = post(browser, f"/notifications/{note_id}/read", text)
        assert response.status_code == 404
        with app.app_context(), tenant_context(tenant.id):
            assert db.session.scalar(sa.select(Notification.read_at).where(Notification.id == note_id)) is None
    post(browser, "/notifications/read-all", text)
    with app.app_context(), tenant_context(other.id):
        assert db.session.scalar(sa.select(Notification.read_at).where(Notification.title == "Theirs")) is None


def test_a_person_in_two_workspaces_sees_each_one_s_unread_count_in_its_pages(app, shop, sign_up):
    """The header counts the person's unread notifications in the page's workspace only, though it
    reads them in the statement that lists all their workspaces."""
    other = sign_up(settings={"locale": "en"})
    assert other.post("/api/v1/members", json={"email": shop.user["email"], "role": "agent"}).status_code == 201
    browser = shop.signed_in()
    page = browser.get("/").get_data(as_text=True)
    post(browser, f"/invitations/{other.tenant['id']}/accept", page)
    send(app, shop, [Role.owner], "Ours")
    send(app, other, [Role.agent], "Theirs 1")
    send(app, other, [Role.agent], "Theirs 2")
    page = browser.get("/notifications").get_data(as_text=True)
    assert unread(page) == 1 and 'id="workspace-switch"' in page
    post(browser, "/workspace", page, tenant_id=other.tenant["id"])
    page = browser.get("/notifications").get_data(as_text=True)
    assert unread(page) == 2 and [title for title in ("Ours", "Theirs 1", "Theirs 2") if title in page] == ["Theirs 1", "Theirs 2"]


def test_the_list_pages_by_keyset_and_refuses_a_cursor_it_did_not_give(app, shop):
    owner = uuid.UUID(shop.user["id"])
    for n in range(30):
        send(app, shop, [owner], f"Note {n:02d}")
    browser = shop.signed_in()
    first = browser.get("/notifications").get_data(as_text=True)
    assert len(shown(first)) == 25 and "Note 29" in first and "Note 04" not in first
    cursor = re.search(r'href="/notifications\?cursor=([^"]+)"', first).group(1)
    second = browser.get(f"/notifications?cursor={cursor}").get_data(as_text=True)
    assert len(shown(second)) == 5 and "Note 04" in second and "Note 05" not in second
    assert 'href="/notifications?cursor=' not in second
    assert {i for i, _ in shown(first)}.isdisjoint(i for i, _ in shown(second))
    assert browser.get("/notifications?cursor=not-a-cursor").status_code == 400


def test_the_daily_digest_is_the_person_s_choice(app, shop):
    browser = shop.signed_in()
    text = browser.get("/notifications").get_data(as_text=True)
    assert 'name="notification_digest" type="checkbox" value="y">' in text  # off unless chosen
    assert post(browser, "/notifications/digest", text, notification_digest="y").status_code == 303
    with app.app_context():
        assert db.session.get(User, uuid.UUID(shop.user["id"])).notification_digest is True
    text = browser.get("/notifications").get_data(as_text=True)
    assert 'checked' in re.search(r'<input[^>]+name="notification_digest"[^>]*>', text).group(0)
    assert post(browser, "/notifications/digest", text).status_code == 303
    with app.app_context():
        assert db.session.get(User, uuid.UUID(shop.user["id"])).notification_digest is False


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "viewer"])
def test_every_member_reads_and_marks_their_own(app, shop, role):
    email = f"{role}@shop.example"
    assert shop.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role}).status_code == 201
    send(app, shop, [Role(role)], "For you")
    browser = signed_in_as(app, email)
    text = browser.get("/notifications").get_data(as_text=True)
    assert unread(text) == 1
    assert post(browser, "/notifications/read-all", text).status_code == 303
    assert unread(browser.get("/notifications").get_data(as_text=True)) == 0


def test_a_chinese_workspace_sees_its_notifications_in_chinese(app, sign_up):
    tenant = sign_up()  # zh_CN
    send(app, tenant, [Role.owner], "导入完成")
    text = tenant.signed_in().get("/notifications").get_data(as_text=True)
    assert "<h1>通知</h1>" in text and "全部标为已读" in text and "导入完成" in text


def test_the_list_runs_as_many_sql_statements_for_50_notifications_as_for_5(app, sign_up, count_queries):
    counts = []
    for many in (5, 50):
        tenant = sign_up(settings={"locale": "en"})
        for n in range(many):
            send(app, tenant, [Role.owner], f"Note {n}")
        browser = tenant.signed_in()
        browser.get("/notifications")
        with count_queries() as statements:
            assert browser.get("/notifications").status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1]


def test_the_digest_holds_the_person_s_unread_notifications_in_their_language(app, shop, sign_up):
    from saas.web.digest import DIGEST_LIMIT, digest

    owner = uuid.UUID(shop.user["id"])
    with app.test_request_context(), tenant_context(shop.id):
        assert digest(owner, "Tea shop", "https://retain.example/", "en", "UTC") is None  # nothing unread
    send(app, shop, [owner], "Already read")
    with app.app_context(), tenant_context(shop.id):
        db.session.execute(sa.update(Notification).values(read_at=sa.func.now()))
        db.session.commit()
    other = sign_up(settings={"locale": "en"})
    send(app, other, [Role.owner], "Another workspace's")
    for n in range(DIGEST_LIMIT + 2):
        send(app, shop, [owner], f"Note {n:02d}", body="details", link=f"/today?n={n}")
    with app.test_request_context(), tenant_context(shop.id):
        english = digest(owner, "Tea shop", "https://retain.example/", "en", "UTC")
        chinese = digest(owner, "Tea shop", "https://retain.example/", "zh_CN", "Asia/Shanghai")
    assert english.unread == DIGEST_LIMIT + 2
    assert english.subject == f"{DIGEST_LIMIT + 2} unread notifications in Tea shop"
    assert "Note 21" in english.text and "Note 02" in english.text and "Note 01" not in english.text
    assert "https://retain.example/today?n=21" in english.text and "and 2 more." in english.text
    assert "Already read" not in english.text and "Another workspace's" not in english.text
    assert "https://retain.example/notifications" in english.text
    assert chinese.subject == f"Tea shop 有 {DIGEST_LIMIT + 2} 条未读通知" and "还有 2 条。" in chinese.text


def test_the_daily_schedule_mails_the_digest_to_who_chose_it_and_has_something_unread(app, shop, sign_up, caplog):
    from saas.core.queues import current_queue
    from saas.core.schedules import schedule_named

    caplog.set_level(logging.INFO, logger="saas.core.mail")
    for email in ("keen@shop.example", "idle@shop.example", "quiet@shop.example"):
        assert shop.post("/api/v1/members", json={"email": email, "password": PASSWORD,
                                                 "role": "agent"}).status_code == 201
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.email.in_(["keen@shop.example",
                                                                            "idle@shop.example"]))):
            user.notification_digest = True
        db.session.commit()
    members = {m["email"]: uuid.UUID(m["user_id"]) for m in shop.get("/api/v1/members").json["items"]}
    send(app, shop, [members["keen@shop.example"], members["quiet@shop.example"]], "Visit 西湖茶社", link="/today")
    caplog.clear()  # the members' welcome mails
    with app.app_context():
        assert schedule_named("notifications.digest").func(now=SHANGHAI_MORNING) == 1
        current_queue().run_pending()
    sent = [r.getMessage() for r in caplog.records if r.name == "saas.core.mail" and "Subject:" in r.getMessage()]
    assert len(sent) == 1
    assert "To: keen@shop.example" in sent[0] and "Subject: 1 unread notifications in" in sent[0]
    assert "http://localhost:5000/today" in sent[0]


SHANGHAI_MORNING = dt.datetime(2026, 12, 3, 23, 0, tzinfo=dt.timezone.utc)  # 07:00 on the 4th in Shanghai


def digests_at(app, caplog, now: dt.datetime) -> list[str]:
    """Whom the hourly schedule mails a digest at ``now`` (the clock it is given)."""
    from saas.core.queues import current_queue
    from saas.core.schedules import schedule_named

    caplog.clear()
    with app.app_context():
        schedule_named("notifications.digest").func(now=now)
        current_queue().run_pending()
    return sorted(line.removeprefix("To: ") for r in caplog.records if r.name == "saas.core.mail"
                  for line in r.getMessage().split("\n") if line.startswith("To: "))


def test_the_digest_goes_at_seven_in_each_person_s_time_zone_once_a_day(app, sign_up, caplog):
    shop = sign_up(settings={"locale": "en"})  # the workspace's time zone: Asia/Shanghai
    for email, zone in (("shanghai@shop.example", None), ("dubai@shop.example", "Asia/Dubai")):
        assert shop.post("/api/v1/members", json={"email": email, "password": PASSWORD,
                                                 "role": "agent"}).status_code == 201
        with app.app_context():
            db.session.execute(sa.update(User).where(User.email == email).values(
                notification_digest=True, timezone=zone))
            db.session.commit()
    send(app, shop, [Role.agent], "Visit 西湖茶社")
    caplog.set_level(logging.INFO, logger="saas.core.mail")

    hour = dt.timedelta(hours=1)
    assert digests_at(app, caplog, SHANGHAI_MORNING - hour) == []  # 06:00 in Shanghai, 02:00 in Dubai
    assert digests_at(app, caplog, SHANGHAI_MORNING) == ["shanghai@shop.example"]  # 03:00 in Dubai
    assert digests_at(app, caplog, SHANGHAI_MORNING + hour / 2) == []  # a second run that hour: none again
    dubai_morning = SHANGHAI_MORNING + 4 * hour  # 07:00 in Dubai, 11:00 in Shanghai
    assert digests_at(app, caplog, dubai_morning) == ["dubai@shop.example"]
    assert digests_at(app, caplog, dubai_morning + hour) == []
    assert digests_at(app, caplog, SHANGHAI_MORNING + 24 * hour) == ["shanghai@shop.example"]  # the next day


def test_a_message_of_the_core_is_shown_in_each_reader_s_language_not_the_writer_s(app, shop):
    from saas.core.messages import N_

    assert shop.post("/api/v1/members", json={"email": "zh@shop.example", "password": PASSWORD,
                                              "role": "admin"}).status_code == 201
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "zh@shop.example").values(locale="zh_CN"))
        db.session.commit()
    send(app, shop, [Role.owner, Role.admin], N_("%(customer)s is now your customer"), params={"customer": "王女士"})
    send(app, shop, [Role.owner, Role.admin], "A module's own text")

    english = shop.signed_in().get("/notifications").get_data(as_text=True)
    chinese = signed_in_as(app, "zh@shop.example").get("/notifications").get_data(as_text=True)
    assert "王女士 is now your customer" in english and "A module&#39;s own text" in english
    assert "王女士 现在是您的客户" in chinese and "is now your customer" not in chinese
    assert "A module&#39;s own text" in chinese  # a text without params is shown as written
