"""The accounts pages: signing up, a forgotten password, invitations by e-mail, the profile and
the header's workspace switch; and the mail adapter they send through (the log, and real SMTP on
loopback)."""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time

import itsdangerous
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from saas.core import mail
from saas.core.accounts import Tenant, User
from saas.core.db import db
from saas.core.queues import current_queue
from saas.testing import CSRF_INPUT
from tests.conftest import free_port, make_app
from saas.extensions import limiter

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long enough one"
RESET_LINK = re.compile(r"http://localhost(/password/reset/[A-Za-z0-9_.\-]+)")
INVITATION_LINK = re.compile(r"http://localhost(/invitations/[0-9a-f-]+)")
ENGLISH = {"Accept-Language": "en"}


def csrf(client, path: str, **kw) -> str:
    return CSRF_INPUT.search(client.get(path, **kw).get_data(as_text=True)).group(1)


def submit(client, path: str, data: dict, **kw):
    return client.post(path, data={**data, "csrf_token": csrf(client, path, **kw)}, **kw)


def sign_up_body(name: str, **fields) -> dict:
    return {"company_name": f"Company {name}", "slug": name, "admin_name": "Lin Wei",
            "admin_email": f"owner@{name}.example", "admin_password": PASSWORD, "locale": "en", **fields}


def count(app, model) -> int:
    with app.app_context():
        number = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.rollback()
    return number


def user_named(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge_all()
        db.session.rollback()
    return user


def sign_in(app, email: str, password: str):
    browser = app.test_client()
    response = submit(browser, "/login", {"email": email, "password": password})
    return browser, response


@pytest.fixture
def mails(caplog):
    """The messages the mail adapter wrote to the log (no MAIL_SERVER in tests), as text."""
    caplog.set_level(logging.INFO, logger="saas.core.mail")

    def sent() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "saas.core.mail" and "Subject:" in r.getMessage()]

    return sent


def decoded(message: str) -> str:
    """What the log shows of a message: its From, To and Subject lines, then its text."""
    return message.split("\n", 1)[1]


# Signing up ---------------------------------------------------------------------------------


def test_the_sign_up_page_preselects_the_language_the_page_speaks(client):
    chinese = client.get("/signup", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    english = client.get("/signup", headers=ENGLISH).get_data(as_text=True)
    def workspace_language(page: str) -> str:
        return re.search(r'<select[^>]*id="locale"[^>]*>.*?<option selected value="(\w+)"', page, re.S).group(1)

    assert workspace_language(chinese) == "zh_CN" and "<h1>注册您的公司</h1>" in chinese
    assert workspace_language(english) == "en" and "Company name" in english


def test_signing_up_on_the_page_makes_the_workspace_and_lands_its_owner_signed_in(app, client):
    response = submit(client, "/signup", sign_up_body("longjing", locale="zh_CN"), headers=ENGLISH)

    assert response.status_code == 303 and response.headers["Location"] == "/"
    landing = client.get("/").get_data(as_text=True)
    assert "Company longjing" in landing and "退出登录" in landing  # the workspace speaks the chosen language
    assert client.get("/api/v1/tenant").json["settings"]["locale"] == "zh_CN"
    assert client.get("/api/v1/api-keys").json["items"] == []  # no key that nobody would see
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "longjing"))
        assert tenant.settings["currency"] == "CNY"  # the sign-up's defaults, as through the API
        db.session.rollback()


@pytest.mark.parametrize("fields, field, message", [
    ({"company_name": ""}, "company_name", "This field is required."),
    ({"slug": "No Spaces"}, "slug", "3-50 lower-case letters, digits and dashes; not reserved."),
    ({"slug": "signup"}, "slug", "3-50 lower-case letters, digits and dashes; not reserved."),
    ({"admin_email": "not-an-address"}, "admin_email", "Invalid email address."),
    ({"admin_password": "short"}, "admin_password", "Use at least 10 characters."),
    ({"locale": "fr"}, "locale", "Invalid value"),
])
def test_bad_sign_up_input_re_renders_the_form_with_its_field_error_and_writes_nothing(app, client, fields,
                                                                                       field, message):
    response = submit(client, "/signup", sign_up_body("bad-input", **fields), headers=ENGLISH)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = re.search(rf'id="{field}-errors">(.*?)</div>', page, re.S)
    assert errors and message in errors.group(1), page
    assert 'value="Company bad-input"' in page or field == "company_name"  # what was typed stays
    assert count(app, Tenant) == 0 and count(app, User) == 0


def test_a_taken_slug_and_a_registered_e_mail_are_field_errors(app, client, sign_up):
    sign_up("taken")

    slug = submit(client, "/signup", sign_up_body("taken", admin_email="new@x.example"), headers=ENGLISH)
    email = submit(client, "/signup", sign_up_body("free", admin_email="owner@taken.example",
                                                   admin_password="not the owner's password"), headers=ENGLISH)

    assert slug.status_code == 422 and 'id="slug-errors"><p class="field-error">Already taken.' in slug.get_data(as_text=True)
    assert email.status_code == 422
    assert 'id="admin_email-errors"><p class="field-error">Already registered.' in email.get_data(as_text=True)
    assert count(app, Tenant) == 1


def test_the_sign_up_form_speaks_chinese_in_its_errors_too(client):
    response = submit(client, "/signup", sign_up_body("zh-errors", admin_password="short"),
                      headers={"Accept-Language": "zh-CN"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="zh-CN">' in page
    assert "至少使用 10 个字符。" in page and "Use at least" not in page


def test_a_sign_up_without_the_csrf_token_is_refused(app, client):
    response = client.post("/signup", data=sign_up_body("no-token"), headers=ENGLISH)
    assert response.status_code == 400 and count(app, Tenant) == 0


@pytest.fixture
def limited(app, database):
    """Builds apps with rate limits on (2 a minute), then puts the shared limiter back as the shared
    app configured it (``init_app`` overwrites its state; see tests/test_rate_limits.py)."""
    saved, built = dict(vars(limiter)), []

    def build(**overrides):
        built.append(make_app(database, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                              RATELIMIT_KEY_PREFIX=f"retain-test-{secrets.token_hex(8)}",
                              SIGNUP_RATE_LIMIT="2 per minute", **overrides))
        return built[-1]

    yield build
    vars(limiter).clear()
    vars(limiter).update(saved)
    for built_app in built:
        with built_app.app_context():
            db.engine.dispose()


@pytest.mark.backend_independent
def test_the_sign_up_page_is_rate_limited_like_the_api(limited):
    client = limited().test_client()
    for slug in ("rate-one", "rate-two"):
        assert submit(client, "/signup", sign_up_body(slug), headers=ENGLISH).status_code == 303
        client.post("/logout", data={"csrf_token": csrf(client, "/")})
    response = submit(client, "/signup", sign_up_body("rate-three"), headers=ENGLISH)
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)


# A forgotten password -----------------------------------------------------------------------


def reset_path(message: str) -> str:
    return RESET_LINK.search(message).group(1)


def test_the_forgot_page_answers_the_same_whether_the_address_has_an_account_or_not(app, client, tenant_a, mails):
    known = submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)
    unknown = submit(client, "/password/forgot", {"email": "nobody@nowhere.example"}, headers=ENGLISH)

    def without_token(response):
        page = re.sub(r'"X-CSRFToken": "[^"]+"', "", CSRF_INPUT.sub("", response.get_data(as_text=True)))
        return page.replace("nobody@nowhere.example", "X").replace(tenant_a.user["email"], "X")

    assert known.status_code == unknown.status_code == 200
    assert without_token(known) == without_token(unknown)
    assert [decoded(m).split("\n")[1] for m in mails()] == [f"To: {tenant_a.user['email']}"]  # one mail, to who has an account


def test_a_reset_link_sets_a_new_password_once(app, client, tenant_a, mails):
    submit(client, "/password/forgot", {"email": tenant_a.user["email"].upper()}, headers=ENGLISH)
    path = reset_path(mails()[0])

    assert client.get(path, headers=ENGLISH).status_code == 200
    response = submit(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, headers=ENGLISH)

    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert sign_in(app, tenant_a.user["email"], NEW_PASSWORD)[1].status_code == 302
    assert sign_in(app, tenant_a.user["email"], tenant_a.password)[1].status_code == 401
    again = client.get(path, headers=ENGLISH)
    assert again.status_code == 404 and "This link no longer works" in again.get_data(as_text=True)
    assert client.post(path, data={"password": "a third long password", "confirm": "a third long password",
                                   "csrf_token": csrf(client, "/login")}).status_code == 404


def test_a_reset_link_stops_working_after_an_hour(app, client, tenant_a, mails, monkeypatch):
    issued_at = int(time.time()) - 3601
    with monkeypatch.context() as clock:
        clock.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: issued_at)
        submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)
    path = reset_path(mails()[0])

    assert client.get(path, headers=ENGLISH).status_code == 404
    fresh = issued_at + 2  # 59 minutes 59 seconds old: still good
    with monkeypatch.context() as clock:
        clock.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: fresh)
        submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)
    assert client.get(reset_path(mails()[1]), headers=ENGLISH).status_code == 200


def test_a_forged_or_mangled_reset_token_is_refused(client, tenant_a, mails):
    submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)
    path = reset_path(mails()[0])
    forged = itsdangerous.URLSafeTimedSerializer("another secret", salt="retain.password-reset").dumps(
        [tenant_a.user["id"], "0" * 32])
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.get(f"/password/reset/{forged}").status_code == 404


def test_a_weak_or_mistyped_new_password_re_renders_the_form_and_keeps_the_link(app, client, tenant_a, mails):
    submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)
    path = reset_path(mails()[0])

    weak = submit(client, path, {"password": "short", "confirm": "short"}, headers=ENGLISH)
    mistyped = submit(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}, headers=ENGLISH)

    assert weak.status_code == 422 and "Use at least 10 characters." in weak.get_data(as_text=True)
    assert mistyped.status_code == 422 and "The two passwords differ." in mistyped.get_data(as_text=True)
    assert sign_in(app, tenant_a.user["email"], tenant_a.password)[1].status_code == 302
    assert client.get(path).status_code == 200


def test_the_reset_mail_is_in_the_person_s_language(app, client, tenant_a, mails):
    browser = tenant_a.signed_in()
    submit(browser, "/profile", {"name": "林伟", "locale": "zh_CN", "timezone": ""})

    submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)

    message = decoded(mails()[0])
    assert "林伟" in message and "设置" in message and "Someone asked" not in message


@pytest.mark.backend_independent
def test_the_forgot_page_is_rate_limited(limited):
    app = limited(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert submit(client, "/password/forgot", {"email": "x@y.example"}, headers=ENGLISH).status_code == 200
    assert submit(client, "/password/forgot", {"email": "x@y.example"}, headers=ENGLISH).status_code == 429


# Invitations --------------------------------------------------------------------------------


def test_an_existing_account_is_invited_by_e_mail_and_joins_only_when_it_accepts(app, tenant_a, tenant_b, mails):
    invited = tenant_a.post("/api/v1/members", json={"email": tenant_b.user["email"], "role": "agent"})
    assert invited.status_code == 201 and invited.json["status"] == "invited"
    message = decoded(mails()[0])
    path = INVITATION_LINK.search(message).group(1)
    assert f"To: {tenant_b.user['email']}" in message and path == f"/invitations/{tenant_a.tenant['id']}"

    browser = app.test_client()
    first = browser.get(path)
    assert first.status_code == 302 and "/login?next=" in first.headers["Location"]
    response = browser.post(first.headers["Location"], data={
        "email": tenant_b.user["email"], "password": tenant_b.password, "csrf_token": csrf(browser, "/login")})
    assert response.headers["Location"] == path
    page = browser.get(path).get_data(as_text=True)  # in Chinese: tenant_b's workspace speaks it
    assert "<strong>Company tenant-a</strong>" in page and "接受" in page
    browser.post(f"{path}/accept", data={"csrf_token": csrf(browser, path)})
    members = {m["email"]: m["status"] for m in tenant_a.get("/api/v1/members").json["items"]}
    assert members[tenant_b.user["email"]] == "active"
    assert browser.get(path).status_code == 404  # answered: nothing left to accept


def test_an_invitation_page_is_a_404_for_anyone_but_the_invited_person(app, tenant_a, tenant_b, sign_up):
    tenant_a.post("/api/v1/members", json={"email": tenant_b.user["email"], "role": "agent"})
    stranger = sign_up("stranger")
    browser, _ = sign_in(app, stranger.user["email"], stranger.password)
    page = browser.get(f"/invitations/{tenant_a.tenant['id']}", headers=ENGLISH)
    assert page.status_code == 404 and "它可能已被删除，或属于其他工作区。" in page.get_data(as_text=True)
    assert browser.post(f"/invitations/{tenant_a.tenant['id']}/accept",
                        data={"csrf_token": csrf(browser, "/")}).status_code == 404
    assert len(tenant_a.get("/api/v1/members").json["items"]) == 2  # the owner, and the invitation


def test_a_new_account_gets_a_link_to_choose_its_own_password(app, tenant_a, mails):
    response = tenant_a.post("/api/v1/members", json={"email": "rep@longjing.example", "role": "agent",
                                                      "name": "Rep", "password": PASSWORD})
    assert response.status_code == 201 and response.json["status"] == "active"
    message = decoded(mails()[0])
    assert "To: rep@longjing.example" in message and "as agent" not in message  # the workspace speaks Chinese
    assert "角色为 专员" in message and tenant_a.tenant["name"] in message

    browser = app.test_client()
    path = reset_path(message)
    assert submit(browser, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    assert sign_in(app, "rep@longjing.example", NEW_PASSWORD)[1].status_code == 302


def test_a_refused_invitation_sends_no_mail(tenant_a, mails):
    refused = tenant_a.post("/api/v1/members", json={"email": "new@x.example", "role": "agent", "password": "short"})
    assert refused.status_code == 422 and mails() == []


JOIN_LINK = re.compile(r"http://localhost(/invitations/join/[A-Za-z0-9_.\-]+)")


def invite_without_password(tenant, email: str = "new@longjing.example", **fields):
    response = tenant.post("/api/v1/members", json={"email": email, "role": "agent", **fields})
    assert response.status_code == 201 and response.json["status"] == "invited", response.json
    return response


def test_a_person_invited_without_a_password_chooses_name_and_password_and_lands_signed_in(app, tenant_a, mails):
    invite_without_password(tenant_a)
    message = decoded(mails()[0])
    assert "To: new@longjing.example" in message and "以 专员 角色加入" in message
    path = JOIN_LINK.search(message).group(1)
    assert sign_in(app, "new@longjing.example", "")[1].status_code != 302  # no password yet: no way in

    browser = app.test_client()
    assert browser.get(path, headers=ENGLISH).status_code == 200
    weak = submit(browser, path, {"name": "Mei", "password": "short", "confirm": "short"}, headers=ENGLISH)
    assert weak.status_code == 422 and "Use at least 10 characters." in weak.get_data(as_text=True)
    joined = submit(browser, path, {"name": "Mei", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert joined.status_code == 303 and joined.headers["Location"] == "/"
    assert browser.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]  # signed in, in the workspace
    members = {m["email"]: (m["status"], m["name"]) for m in tenant_a.get("/api/v1/members").json["items"]}
    assert members["new@longjing.example"] == ("active", "Mei")
    assert sign_in(app, "new@longjing.example", NEW_PASSWORD)[1].status_code == 302
    used = app.test_client().get(path, headers=ENGLISH)
    assert used.status_code == 410 and "already accepted or withdrawn" in used.get_data(as_text=True)


@pytest.mark.one_database  # the session's or token's digest, the catalogue: not the database
def test_an_expired_or_forged_invitation_link_is_a_clear_410_or_404(app, tenant_a, mails, monkeypatch):
    week_ago = int(time.time()) - 7 * 24 * 3600 - 1
    with monkeypatch.context() as clock:
        clock.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: week_ago)
        invite_without_password(tenant_a)
    path = JOIN_LINK.search(mails()[0]).group(1)
    browser = app.test_client()

    expired = browser.get(path, headers=ENGLISH)
    assert expired.status_code == 410 and "works for seven days" in expired.get_data(as_text=True)
    assert browser.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                    "csrf_token": csrf(browser, "/login")}).status_code == 410
    forged = itsdangerous.URLSafeTimedSerializer("another secret", salt="retain.invitation").dumps(
        [tenant_a.user["id"], tenant_a.tenant["id"], "0" * 32])
    for bad in (path[:-3] + "abc", f"/invitations/join/{forged}"):
        page = browser.get(bad, headers=ENGLISH)
        assert page.status_code == 404 and "not a link Retain sent" in page.get_data(as_text=True)
    assert user_named(app, "new@longjing.example").password_hash == ""


def test_inviting_a_pending_person_again_sends_a_new_link_and_keeps_one_membership(app, tenant_a, mails, monkeypatch):
    week_ago = int(time.time()) - 7 * 24 * 3600 - 1
    with monkeypatch.context() as clock:
        clock.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: week_ago)
        first = invite_without_password(tenant_a).json
    again = invite_without_password(tenant_a, role="manager").json  # the admin asks again, as the page says

    assert again["id"] == first["id"] and again["role"] == "manager"
    assert [m["email"] for m in tenant_a.get("/api/v1/members").json["items"]].count("new@longjing.example") == 1
    old_link, new_link = (JOIN_LINK.search(decoded(message)).group(1) for message in mails()[:2])
    browser = app.test_client()
    assert browser.get(old_link, headers=ENGLISH).status_code == 410
    joined = submit(browser, new_link, {"name": "Mei", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert joined.status_code == 303


def test_a_withdrawn_invitation_link_no_longer_lets_anyone_in(app, tenant_a, mails):
    member = invite_without_password(tenant_a).json
    path = JOIN_LINK.search(mails()[0]).group(1)
    assert tenant_a.delete(f"/api/v1/members/{member['id']}").status_code == 204

    browser = app.test_client()
    assert browser.get(path).status_code == 410
    assert submit(browser, "/login", {"email": "x@y.example", "password": "whatever it is"}).status_code == 401
    assert browser.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                    "csrf_token": csrf(browser, "/login")}).status_code == 410
    assert user_named(app, "new@longjing.example").password_hash == ""


# Sessions after a new password --------------------------------------------------------------


@pytest.mark.one_database  # the session's or token's digest, the catalogue: not the database
def test_a_password_reset_signs_out_every_session_but_keys_keep_working(app, client, tenant_a, mails):
    browser, _ = sign_in(app, tenant_a.user["email"], tenant_a.password)
    assert browser.get("/profile").status_code == 200
    submit(client, "/password/forgot", {"email": tenant_a.user["email"]}, headers=ENGLISH)
    assert submit(client, reset_path(mails()[0]), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303

    signed_out = browser.get("/profile")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    assert browser.get("/api/v1/tenant").status_code == 401
    assert tenant_a.get("/api/v1/tenant").status_code == 200  # the API key is not a session


@pytest.mark.one_database  # the session's or token's digest, the catalogue: not the database
def test_changing_the_password_keeps_this_session_and_signs_out_the_others(app, sign_up):
    tenant_a = sign_up(settings={"locale": "en"})
    here, _ = sign_in(app, tenant_a.user["email"], tenant_a.password)
    elsewhere, _ = sign_in(app, tenant_a.user["email"], tenant_a.password)

    done = submit(here, "/profile/password", {"current_password": tenant_a.password,
                                              "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert here.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302
    again, _ = sign_in(app, tenant_a.user["email"], NEW_PASSWORD)
    assert again.get("/profile").status_code == 200


# The profile --------------------------------------------------------------------------------


def test_the_profile_saves_name_language_and_time_zone(app, tenant_a):
    browser = tenant_a.signed_in()  # a workspace that speaks Chinese
    page = browser.get("/profile", headers=ENGLISH).get_data(as_text=True)
    assert '<option value="Asia/Shanghai">Asia/Shanghai</option>' in page and tenant_a.user["email"] in page

    response = submit(browser, "/profile", {"name": "Lin Wei", "locale": "en", "timezone": "Asia/Shanghai"})

    assert response.status_code == 303
    user = user_named(app, tenant_a.user["email"])
    assert (user.name, user.locale, user.timezone) == ("Lin Wei", "en", "Asia/Shanghai")
    page = browser.get("/profile").get_data(as_text=True)
    assert "Your profile is saved." in page and '<option selected value="Asia/Shanghai">' in page
    submit(browser, "/profile", {"name": "Lin Wei", "locale": "", "timezone": ""})
    user = user_named(app, tenant_a.user["email"])
    assert (user.locale, user.timezone) == (None, None)  # the workspace's again
    assert "退出登录" in browser.get("/profile", headers=ENGLISH).get_data(as_text=True)


@pytest.mark.parametrize("fields, field", [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"locale": "fr"}, "locale"),
    ({"name": "x" * 201}, "name"),
])
def test_a_bad_profile_re_renders_with_the_field_error_and_saves_nothing(app, sign_up, fields, field):
    tenant_a = sign_up(settings={"locale": "en"})
    browser = tenant_a.signed_in()
    response = submit(browser, "/profile", {"name": "Lin Wei", "locale": "en", "timezone": "UTC", **fields},
                      headers=ENGLISH)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    user = user_named(app, tenant_a.user["email"])
    assert (user.name, user.locale, user.timezone) == ("", None, None)


def test_changing_the_password_needs_the_current_one(app, sign_up):
    tenant_a = sign_up(settings={"locale": "en"})
    browser = tenant_a.signed_in()

    wrong = submit(browser, "/profile/password", {"current_password": "not the password",
                                                  "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                   headers=ENGLISH)
    weak = submit(browser, "/profile/password", {"current_password": tenant_a.password,
                                                 "new_password": "short", "confirm": "short"}, headers=ENGLISH)
    assert wrong.status_code == 422 and "Not your current password." in wrong.get_data(as_text=True)
    assert weak.status_code == 422 and "Use at least 10 characters." in weak.get_data(as_text=True)
    assert sign_in(app, tenant_a.user["email"], tenant_a.password)[1].status_code == 302

    done = submit(browser, "/profile/password", {"current_password": tenant_a.password,
                                                 "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert sign_in(app, tenant_a.user["email"], NEW_PASSWORD)[1].status_code == 302
    assert sign_in(app, tenant_a.user["email"], tenant_a.password)[1].status_code == 401


def test_the_profile_asks_a_stranger_to_sign_in(client):
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["viewer", "agent", "manager", "admin"])
def test_every_role_keeps_its_own_profile_and_no_one_else_s(app, tenant_a, role):
    email = f"{role}@tenant-a.example"
    assert tenant_a.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role}).status_code == 201
    browser, _ = sign_in(app, email, PASSWORD)
    assert submit(browser, "/profile", {"name": role.title(), "locale": "en", "timezone": "UTC"}).status_code == 303
    assert user_named(app, email).name == role.title()
    assert user_named(app, tenant_a.user["email"]).name == ""  # the form names no one: it is always yours


# The header's workspace switch -----------------------------------------------------------------


def join(app, owner, workspace) -> None:
    workspace.post("/api/v1/members", json={"email": owner.user["email"], "role": "agent"})
    browser, _ = sign_in(app, owner.user["email"], owner.password)
    browser.post(f"/invitations/{workspace.tenant['id']}/accept", data={"csrf_token": csrf(browser, "/")})


def test_the_header_shows_the_workspace_and_switches_from_any_page(app, tenant_a, tenant_b):
    alone = tenant_a.signed_in().get("/profile", headers=ENGLISH).get_data(as_text=True)
    assert '<span class="current-workspace">Company tenant-a</span>' in alone and 'id="workspace-switch"' not in alone

    join(app, tenant_a, tenant_b)
    browser, _ = sign_in(app, tenant_a.user["email"], tenant_a.password)
    page = browser.get("/profile", headers=ENGLISH).get_data(as_text=True)
    assert 'id="workspace-switch"' in page
    assert f'<option selected value="{tenant_a.tenant["id"]}">Company tenant-a</option>' in page
    browser.post("/workspace", data={"tenant_id": tenant_b.tenant["id"], "csrf_token": csrf(browser, "/profile")})
    assert browser.get("/api/v1/tenant").json["id"] == tenant_b.tenant["id"]
    page = browser.get("/profile").get_data(as_text=True)
    assert f'<option selected value="{tenant_b.tenant["id"]}">Company tenant-b</option>' in page


def test_the_header_s_workspaces_cost_the_same_statements_however_many_there_are(app, tenant_a, sign_up,
                                                                               count_queries):
    def statements(workspaces: int) -> int:
        for _ in range(workspaces):
            join(app, tenant_a, sign_up())
        browser, _ = sign_in(app, tenant_a.user["email"], tenant_a.password)
        browser.get("/profile")
        with count_queries() as n:
            page = browser.get("/profile").get_data(as_text=True)
        assert page.count("<option ") >= workspaces
        return n()

    assert statements(2) == statements(8)  # 3 workspaces, then 11


# The mail adapter ---------------------------------------------------------------------------


def test_without_a_mail_server_the_message_is_written_to_the_log(app, caplog):
    caplog.set_level(logging.INFO, logger="saas.core.mail")
    with app.app_context():
        mail.send("lin@example.com", "Hello", "Text of the message", html="<p>HTML</p>")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "saas.core.mail")
    assert "To: lin@example.com" in logged and "Subject: Hello" in logged and "Text of the message" in logged
    assert "From: Retain <no-reply@localhost>" in logged and "[and an HTML version]" in logged


def test_a_message_handed_over_in_a_rolled_back_transaction_is_never_sent(app, caplog):
    caplog.set_level(logging.INFO, logger="saas.core.mail")
    with app.app_context():
        db.session.execute(sa.select(1))  # a request's transaction has begun when it hands a mail over
        mail.send_later("lin@example.com", "Rolled back", "Never")
        db.session.rollback()
        mail.send_later("lin@example.com", "Committed", "Sent")
        db.session.commit()
        current_queue().run_pending()
    subjects = [r.getMessage() for r in caplog.records if r.name == "saas.core.mail"]
    assert any("Subject: Committed" in s for s in subjects) and not any("Rolled back" in s for s in subjects)


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        self.arrived.set()
        return "250 OK"


class Logins:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # aiosmtpd's authenticator
        from aiosmtpd.smtp import AuthResult

        self.seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"smtp secret")


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 for the test's life (a login is allowed without TLS here)."""
    inbox, logins = Inbox(), Logins()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=5,
                            authenticator=logins, auth_require_tls=False)
    controller.start()
    try:
        yield controller, inbox, logins
    finally:
        controller.stop()


@pytest.mark.backend_independent
def test_with_a_mail_server_the_message_goes_by_smtp_with_its_login(database, smtp_server):
    controller, inbox, logins = smtp_server
    app = make_app(database, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USERNAME="retain",
                   MAIL_PASSWORD="smtp secret", MAIL_FROM="Longjing <crm@longjing.example>", MAIL_TIMEOUT_SECONDS=5)
    started = time.monotonic()
    with app.app_context():
        mail.send("lin@example.com", "重设密码", "正文 text", html="<p>正文</p>")
    assert inbox.arrived.wait(5) and time.monotonic() - started < 5
    envelope = inbox.messages[0]
    assert envelope.mail_from == "crm@longjing.example" and envelope.rcpt_tos == ["lin@example.com"]
    from email import message_from_bytes, policy
    received = message_from_bytes(envelope.original_content, policy=policy.default)
    assert received["Subject"] == "重设密码" and received.get_body(("plain",)).get_content().strip() == "正文 text"
    assert logins.seen == [(b"retain", b"smtp secret")]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.backend_independent
def test_a_mail_server_that_cannot_be_reached_fails_the_job_at_once(database):
    """The job fails (rq retries it) instead of hanging or pretending it sent."""
    app = make_app(database, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=2)
    started = time.monotonic()
    with app.app_context(), pytest.raises(OSError):
        mail.send("lin@example.com", "Hello", "Text")
    assert time.monotonic() - started < 3
    with app.app_context():
        db.engine.dispose()


def test_the_mail_settings_come_from_the_environment(monkeypatch, tmp_path):
    from saas.config import from_environment

    for name, value in {"MAIL_SERVER": "smtp.example.com", "MAIL_PORT": "587", "MAIL_USE_TLS": "1",
                        "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p", "MAIL_FROM": "Retain <r@example.com>"}.items():
        monkeypatch.setenv(name, value)
    config = from_environment(str(tmp_path))
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"], config["MAIL_USE_SSL"]) == \
        ("smtp.example.com", 587, True, False)
    assert (config["MAIL_USERNAME"], config["MAIL_PASSWORD"], config["MAIL_FROM"]) == ("u", "p", "Retain <r@example.com>")
    monkeypatch.delenv("MAIL_SERVER")
    assert from_environment(str(tmp_path))["MAIL_SERVER"] is None

