"""A walk through the demo workspace in Chinese, every module on: no English reaches the pages.

Each page's visible text is stripped of markup, addresses and links; what is left in ASCII
letters must be a name or a piece of data the demo holds (:data:`DATA_WORDS`), never a message of
the core, of marshmallow or of a module. The API, meanwhile, keeps answering in English.
"""

from __future__ import annotations

import html
import io
import re

import pytest

from saas.app import create_app
from saas.core.db import db
from saas.testing import CSRF_INPUT
from tenants import demo

pytestmark = pytest.mark.backend_independent

# Names and data of the demo workspace, and codes shown as they are (currency, tags, teams, channels).
DATA_WORDS = {
    "Retain", "English", "Hangzhou", "Longjing", "Trading", "VIP", "CNY", "ISO", "IANA", "Asia", "CN", "API", "URL",
    "ERP", "RFM", "R", "F", "M", "A", "B", "C", "Z", "CSV", "XLSX", "Ctrl", "Webhooks", "Webhook", "HTTP", "http", "s",
    "sales", "service", "weekdays", "mornings", "evenings", "g", "green", "white", "oolong", "dark", "black", "LJ-",
    "Created", "at", "sign-up", "de", "c", "admin", "read", "write", "ID", "T", "NUL", "UTF-", "GB",
    "BG", "NBD", "Gamma-Gamma",  # the purchase models' names (the churn module's settings)
    "NPS", "CSAT", "CES",  # the survey scores' names, used as they are in Chinese too
    "Quality", "Price", "Delivery", "Service",  # the demo survey's English choices, in its editor
    "W",  # an ISO week (2026-W49: the complaints' weekly review)
    # the complaint categories' codes, which the module's settings list for the admin to edit
    "product", "quality", "service", "attitude", "delivery", "price", "other",
    "RFC", "RRULE", "FREQ", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "INTERVAL", "DTSTART", "BYDAY", "BYHOUR",
    "BYMINUTE", "BYSECOND", "YYYYMMDD",  # recurrence rules (the visits module's cadences) are written in RFC 5545
    "visit", "call",  # a cadence's key is a code (the visits module's settings give two as examples)
}


def english_words(page: str) -> set[str]:
    """The ASCII words of ``page``'s visible text (scripts, styles, tags, e-mail addresses and paths left out)."""
    text = re.sub(r"(?s)<(script|style|option)\b.*?</\1>", " ", page)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", " ", text))
    text = re.sub(r"\S+@\S+|https?://\S+|/\S*|\b[0-9a-f]{8}-[0-9a-f-]{27}\b", " ", text)
    return set(re.findall(r"[A-Za-z][A-Za-z'-]*", text))


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("chinese") / "demo.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-that-is-long-enough",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                      "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        credentials = demo.seed(customers=30)
    api = {"Authorization": f"Bearer {credentials['api_key']}"}
    client = app.test_client()
    for module in ("loyalty", "birthdays"):
        assert client.put(f"/api/v1/modules/{module}", json={"enabled": True}, headers=api).status_code == 200
    return app, api


def _token(browser, path: str) -> str:
    return CSRF_INPUT.search(browser.get(path).get_data(as_text=True)).group(1)


@pytest.fixture(scope="module")
def chinese(demo_app):
    app, _ = demo_app
    browser = app.test_client()
    response = browser.post("/login", data={"email": demo.OWNER_EMAIL, "password": demo.PASSWORD,
                                            "csrf_token": _token(browser, "/login")})
    assert response.status_code == 302
    switched = browser.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": _token(browser, "/")})
    assert switched.status_code == 303
    return browser


def _leaks(response) -> set[str]:
    return english_words(response.get_data(as_text=True)) - DATA_WORDS


def _a_core_customer(demo_app) -> str:
    app, api = demo_app
    return app.test_client().get("/api/v1/customers?tier=core&limit=1", headers=api).json["items"][0]["id"]


PAGES = ["/", "/today", "/customers", "/customers/new", "/imports", "/data-quality", "/segments", "/segments/new",
         "/settings/", "/settings/workspace", "/settings/members", "/settings/modules", "/settings/modules/loyalty",
         "/settings/modules/birthdays", "/settings/classification", "/settings/module-errors", "/notifications",
         "/settings/modules/surveys", "/birthdays/", "/settings/modules/churn", "/churn/", "/churn/tasks",
         "/churn/tasks?status=won_back,lost", "/churn/backtest", "/churn/kpis", "/surveys/", "/surveys/new",
         "/surveys/?state=draft", "/settings/modules/complaints",
         "/complaints/", "/complaints/?whose=mine", "/complaints/new", "/complaints/review",
         "/settings/modules/visits", "/visits/", "/visits/?view=week", "/visits/?view=overdue", "/visits/team",
         "/visits/cadences", "/visits/kpis", "/visits/calendar"]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_of_the_demo_workspace_in_chinese_shows_no_english_message(chinese, path):
    response = chinese.get(path)
    assert response.status_code == 200
    assert _leaks(response) == set()


def test_a_survey_s_pages_in_chinese_show_no_english_message(chinese, demo_app):
    app, api = demo_app
    surveys = app.test_client().get("/api/v1/surveys", headers=api).json["items"]
    assert {survey["state"] for survey in surveys} == {"active", "draft"}  # the demo's
    for survey in surveys:
        for path in ("", "/edit", "/results", "/answers"):
            response = chinese.get(f"/surveys/{survey['id']}{path}")
            assert response.status_code == 200, path
            assert _leaks(response) == set(), path
    [active] = [survey for survey in surveys if survey["state"] == "active"]
    page = chinese.get(f"/surveys/{active['id']}/results").get_data(as_text=True)
    assert "按价值层级" in page and "回复率" in page


def test_a_profile_in_chinese_gives_its_tier_and_stage_reasons_and_the_modules_panels_in_chinese(chinese, demo_app):
    response = chinese.get(f"/customers/{_a_core_customer(demo_app)}")
    page = response.get_data(as_text=True)
    assert _leaks(response) == set()
    assert re.search(r'class="reason">近 12 个月消费 ¥[\d,.]+ ≥ ¥100,000.00（核心客户）<', page)
    assert "会员积分" in page and "积分余额" in page and "已祝福" in page


def test_a_complaint_its_customer_s_pages_and_a_low_score_case_in_chinese(chinese, demo_app):
    app, api = demo_app
    client = app.test_client()
    queue = client.get("/api/v1/complaints/queue", headers=api).json["items"]
    resolved = client.get("/api/v1/complaints?status=resolved", headers=api).json["items"]
    for case in (queue[0], resolved[0]):
        response = chinese.get(f"/complaints/{case['id']}")
        assert response.status_code == 200 and _leaks(response) == set()
    assert "时间线" in chinese.get(f"/complaints/{queue[0]['id']}").get_data(as_text=True)
    form = re.search(r'href="https?://[^/"]+(/c/new/[^"]+)"', chinese.get("/complaints/").get_data(as_text=True)).group(1)
    visitor = app.test_client()
    asked = visitor.get(form, headers={"Accept-Language": "zh-CN"})
    assert asked.status_code == 200 and _leaks(asked) == set() and "您的姓名" in asked.get_data(as_text=True)
    refused = visitor.post(form, data={"name": "", "csrf_token": CSRF_INPUT.search(asked.get_data(as_text=True)).group(1)},
                           headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422 and _leaks(refused) == set()
    confirm = re.sub(r"^https?://[^/]+", "", resolved[0]["confirmation_url"])
    asked = visitor.get(confirm, headers={"Accept-Language": "zh-CN"})
    assert asked.status_code == 200 and _leaks(asked) == set() and "您的投诉解决了吗" in asked.get_data(as_text=True)


def test_a_module_s_settings_form_in_chinese_names_its_fields_and_choices_in_chinese(chinese):
    loyalty = chinese.get("/settings/modules/loyalty").get_data(as_text=True)
    assert "价值层级倍数" in loyalty and re.search(r"<label[^>]*>核心客户</label>", loyalty)
    birthdays = chinese.get("/settings/modules/birthdays").get_data(as_text=True)
    assert re.search(r'<option value="wechat"[^>]*>微信</option>', birthdays)


def test_bad_input_in_chinese_shows_the_schemas_and_the_core_s_errors_in_chinese(chinese):
    token = _token(chinese, "/customers/new")
    created = chinese.post("/customers/new", data={"name": "", "email": "a@@b", "birthday": "yesterday",
                                                   "csrf_token": token})
    assert created.status_code == 422 and _leaks(created) == set()
    settings = chinese.post("/settings/modules/loyalty", data={
        "points_per_unit": "abc", "expiry_months": "500", "campaigns.0.name": "Backwards",
        "campaigns.0.starts": "2026-03-31", "campaigns.0.ends": "2026-03-01",
        "csrf_token": _token(chinese, "/settings/modules/loyalty")})
    page = settings.get_data(as_text=True)
    assert settings.status_code == 422 and _leaks(settings) - {"Backwards"} == set()
    assert "须大于或等于 0 且小于或等于 120。" in page and "活动的结束日期不能早于开始日期。" in page


def test_the_api_answers_in_english_whatever_the_workspace_s_locale(demo_app):
    app, api = demo_app
    client = app.test_client()
    titles = {m["name"]: m["title"] for m in client.get("/api/v1/modules", headers=api).json["items"]}
    assert titles == {"loyalty": "Loyalty points", "churn": "Churn warnings", "birthdays": "Birthday greetings",
                      "surveys": "Surveys", "visits": "Return visits", "complaints": "Complaints"}
    refused = client.put("/api/v1/modules/loyalty", json={"settings": {"expiry_months": 500}},
                         headers={**api, "Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    assert "Must be greater than or equal to 0" in str(refused.json)


def test_the_import_report_in_chinese_gives_every_bad_cell_s_problem_in_chinese(chinese):
    rows = "姓名,电话,邮箱,生日\n,123,x@@y,yesterday\n李伟,+8613800138000,li@example.com,1990-01-01\n"
    upload = chinese.post("/imports/new", data={
        "csrf_token": _token(chinese, "/imports"), "kind": "customers", "encoding": "",
        "file": (io.BytesIO(rows.encode()), "客户.csv")}, content_type="multipart/form-data")
    page = upload.get_data(as_text=True)
    mapping = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    for name, options in re.findall(r'<select id="(column-\d+)" name="column-\d+">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        mapping[name] = chosen.group(1) if chosen else ""
    action = re.search(r'action="(/imports/new/[0-9a-f-]+)"', page).group(1)
    checked = chinese.post(action, data={**mapping, "dry_run": "true"})
    assert checked.status_code == 303
    report = chinese.get(checked.headers["Location"])
    text = report.get_data(as_text=True)
    assert _leaks(report) - {"csv", "yesterday", "YYYY-MM-DD", "CN"} == set()  # the file's name and cells
    assert "此项为必填项。" in text or "必填" in text
    assert "不是有效的电子邮件地址。" in text and "不是日期：请写成 YYYY-MM-DD。" in text
    assert "不是有效的电话号码（按默认地区 CN 读取）。" in text


def test_a_webhook_with_a_bad_address_is_refused_in_chinese(chinese):
    refused = chinese.post("/settings/webhooks", data={"csrf_token": _token(chinese, "/settings/webhooks"),
                                                       "url": "ftp://example.com/hook", "description": ""})
    assert refused.status_code == 422
    assert "只有 http 和 https 网址可以接收 Webhook。" in refused.get_data(as_text=True)


def test_every_translation_of_a_tier_uses_the_glossary_s_words():
    """A customer's tier is its 价值层级, tiering is 客户分层, and a tier is named by its glossary label."""
    from tests.test_web_frame import catalogue

    words = ("价值层级", "客户分层", "核心客户", "重要客户", "基础客户", "一般客户", "潜在客户")
    wrong = [(message.id, message.string) for message in catalogue("zh_CN")
             if message.id and isinstance(message.id, str) and re.search(r"\btiers?\b", message.id, re.I)
             and not any(word in message.string for word in words)]
    assert wrong == []
