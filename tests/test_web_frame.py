"""The frame every page sits in: its languages, the security headers and cookies, and the vendored
front-end libraries."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from saas.core.accounts import User
from saas.core.db import db
from saas.testing import CSRF_INPUT
from saas.core import plugin_api
from saas.core.plugins import Plugins
from saas.web import i18n, security
from tests.conftest import make_app

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "saas" / "web" / "templates"
VENDOR = ROOT / "saas" / "web" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"  # what only the browser tests load


def catalogue(code: str, suffix: str = "po", directory: Path = i18n.TRANSLATIONS):
    from babel import Locale

    path = Path(directory) / str(Locale.parse(code)) / "LC_MESSAGES" / f"messages.{suffix}"
    with path.open("rb") as file:
        return (read_po if suffix == "po" else read_mo)(file)


def module_catalogues() -> dict[str, Path]:
    """Each installed module's catalogue directory (``ModuleInfo.translations``), by module."""
    host = Plugins(plugin_api.VERSION)
    host.load_entry_points()
    return {name: Path(module.info.translations) for name, module in host.modules.items() if module.info.translations}


def marked_strings(source: Path = ROOT, config: Path = ROOT / "babel.cfg") -> set[str]:
    with config.open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(source), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _singular(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]  # a plural's id: (singular, plural)


def _translated(message) -> bool:
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return all(strings) and not message.fuzzy


def test_every_string_marked_for_translation_has_a_chinese_translation():
    marked = marked_strings()
    assert "Sign in" in marked and "Wrong e-mail or password." in marked  # the extraction sees templates and Python
    chinese = {_singular(message.id): message for message in catalogue("zh_CN") if message.id}
    missing = sorted(text for text in marked if text not in chinese or not _translated(chinese[text]))
    assert missing == [], "run `make translations` and translate these in the zh_CN catalogue"


def test_every_module_s_marked_strings_have_a_chinese_translation_in_its_own_catalogue():
    catalogues = module_catalogues()
    assert {"loyalty", "birthdays"} <= set(catalogues)  # the built-in module and the example plugin
    for name, directory in catalogues.items():
        marked = marked_strings(directory.parent, ROOT / "babel-modules.cfg")
        assert marked, f"{name} marks nothing for translation"
        chinese = {_singular(message.id): message for message in catalogue("zh_CN", directory=directory) if message.id}
        missing = sorted(text for text in marked if text not in chinese or not _translated(chinese[text]))
        assert missing == [], f"run `make translations` and translate these in {directory}"
        compiled = catalogue("zh_CN", "mo", directory)
        assert {_singular(m.id) for m in compiled if m.id} >= marked, f"compile {directory}"


def test_modules_that_share_a_text_translate_it_alike():
    """The pages merge every module's catalogue into one: of two translations of one text, one
    would win on every page, the other module's included (surveys' "By tier" read 按客户层级)."""
    seen: dict[tuple, dict[str, str]] = {}
    for name, directory in module_catalogues().items():
        for message in catalogue("zh_CN", directory=directory):
            if message.id and _translated(message):
                seen.setdefault((message.context, _singular(message.id)), {})[name] = str(message.string)
    differing = {key: found for key, found in seen.items() if len(set(found.values())) > 1}
    assert differing == {}, "give these texts one translation (or a msgctxt of the module's own)"


def test_a_module_s_catalogue_adds_its_texts_but_cannot_reword_the_core_s(database, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from flask_babel import gettext

    from saas import hookimpl
    from saas.core.hooktypes import ModuleInfo

    own = Catalog(locale="zh_Hans_CN")
    own.add("Stamp cards", "集章卡")
    own.add("Sign in", "进来吧")  # the core's words, which its pages keep
    folder = tmp_path / "zh_Hans_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as file:
        write_mo(file, own)

    class Stamps:
        @hookimpl
        def saas_module(self):
            return ModuleInfo(name="stamps", title="Stamp cards", core="~=0.2", translations=str(tmp_path))

    app = make_app(database, plugins=[("stamps", Stamps())])
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert gettext("Stamp cards") == "集章卡"
        assert gettext("Sign in") == chinese_of("Sign in") != "进来吧"


def chinese_of(text: str) -> str:
    return next(message.string for message in catalogue("zh_CN") if message.id == text)


def test_a_module_s_catalogue_translates_its_texts_on_a_chinese_page(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        from flask_babel import gettext

        assert gettext("Loyalty points") == "会员积分"  # plugins/loyalty's catalogue, merged with the core's
        assert gettext("Sign in") != "Sign in"


def test_the_chinese_catalogue_is_compiled_and_its_placeholders_match():
    def strings(messages):
        return {_singular(m.id): tuple(m.string) if not isinstance(m.string, str) else m.string
                for m in messages if m.id and not m.fuzzy}

    source, compiled = catalogue("zh_CN"), catalogue("zh_CN", "mo")
    assert strings(source) == strings(compiled)
    assert [(message.id, errors) for message, errors in source.check() if errors] == []


def test_a_page_speaks_the_browser_s_language_until_someone_chooses(client):
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/language", data={"locale": "zh_CN", "next": "/login?next=/x", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login?next=/x"
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "<h1>登录</h1>" in page
    assert '<option selected value="zh_CN">简体中文</option>' in page  # the switch shows where it stands


def test_a_signed_in_person_s_choice_beats_the_workspace_s_locale_and_is_kept(app, sign_up):
    company = sign_up(settings={"locale": "zh_CN"})
    browser = company.signed_in()
    assert "退出登录" in browser.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    token = CSRF_INPUT.search(browser.get("/").get_data(as_text=True)).group(1)
    assert browser.post("/language", data={"locale": "en", "csrf_token": token}).status_code == 303
    assert "Sign out" in company.signed_in().get("/").get_data(as_text=True)  # a new session: kept in the profile
    with app.app_context():
        assert db.session.get(User, uuid.UUID(company.user["id"])).locale == "en"


def test_an_unknown_language_is_a_400_and_changes_nothing(app, sign_up):
    company = sign_up()
    browser = company.signed_in()
    token = CSRF_INPUT.search(browser.get("/").get_data(as_text=True)).group(1)
    response = browser.post("/language", data={"locale": "xx", "csrf_token": token})
    assert response.status_code == 400
    assert "请选择以下语言之一：en, zh_CN。" in response.get_data(as_text=True)  # the workspace speaks Chinese
    with app.app_context():
        assert db.session.get(User, uuid.UUID(company.user["id"])).locale is None
    assert browser.post("/language", data={"locale": "en"}).status_code == 400  # no CSRF token


def test_pages_refuse_scripts_styles_and_frames_from_elsewhere(client):
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"] == security.CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in security.CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in security.CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in client.get("/api/v1/openapi.json").headers  # JSON: no page to guard


INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def test_no_template_has_an_inline_script_style_or_event_handler_that_the_policy_would_block():
    folders = [TEMPLATES, *(ROOT / "plugins").glob("*/templates"), *(ROOT / "examples").glob("*/*/templates")]
    offending = [f"{path.relative_to(ROOT)}: {match.group(0)}" for folder in folders
                 for path in folder.rglob("*.html") for match in INLINE.finditer(path.read_text(encoding="utf-8"))]
    assert offending == []


def test_the_session_cookie_is_http_only_lax_and_secure_outside_development(database, monkeypatch):
    key = Fernet.generate_key().decode()  # production refuses to start without its encryption key
    production = make_app(database, TESTING=False, ENCRYPTION_KEYS=key)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True and production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert make_app(database).config["SESSION_COOKIE_SECURE"] is False  # tests and debug serve plain HTTP
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    assert make_app(database, TESTING=False, ENCRYPTION_KEYS=key).config["SESSION_COOKIE_SECURE"] is False  # no TLS


def test_the_vendored_libraries_are_served_with_their_licences_at_the_versions_the_readme_names(client):
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    refresh = (VENDOR / "refresh.sh").read_text(encoding="utf-8")
    for name, variable, path in (("htmx", "HTMX", "htmx/htmx.min.js"),
                                 ("Apache ECharts", "ECHARTS", "echarts/echarts.common.min.js")):
        version = re.search(rf"^{variable}=(\S+)$", refresh, re.M).group(1)
        assert re.search(rf"\[{name}\]\([^)]+\) \| {re.escape(version)} \|", readme), name
        assert (VENDOR / path).stat().st_size > 10_000
        assert (VENDOR / path.split("/")[0] / "LICENSE").exists()
        assert client.get(f"/static/web/vendor/{path}").status_code == 200
    assert b"htmx" in (VENDOR / "htmx/htmx.min.js").read_bytes()[:200]
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert "/static/web/vendor/htmx/htmx.min.js" in sources
    assert all(source.startswith(("/static/", "data:")) for source in sources), sources  # nothing from another site


def test_the_tests_axe_core_is_the_version_its_readme_names_and_no_page_serves_it(client):
    readme = (TEST_VENDOR / "README.md").read_text(encoding="utf-8")
    version = re.search(r"^AXE_CORE=(\S+)$", (TEST_VENDOR / "refresh.sh").read_text(encoding="utf-8"), re.M).group(1)
    assert re.search(rf"\[axe-core\]\([^)]+\) \| {re.escape(version)} \|", readme)
    source = (TEST_VENDOR / "axe-core" / "axe.min.js").read_bytes()
    assert source.startswith(f"/*! axe v{version}".encode())
    assert (TEST_VENDOR / "axe-core" / "LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License")
    assert not list(VENDOR.rglob("axe*"))
    assert client.get("/static/web/vendor/axe-core/axe.min.js").status_code == 404


def member_pages_app(database):
    """An application with two test pages: one for every member, one for admins."""
    from flask import Blueprint

    from saas.auth import current_principal
    from saas.core.accounts import Scope
    from saas.web.pages import member_page

    pages = Blueprint("frame_test", __name__)

    @pages.route("/frame-test/everyone")
    @member_page
    def everyone():
        return f"workspace {current_principal().tenant.slug}"

    @pages.route("/frame-test/admins")
    @member_page(needs=Scope.admin)
    def admins():
        return "admins only"

    app = make_app(database)
    app.register_blueprint(pages)
    return app


def signed_in_as(app, email, password):
    browser = app.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 302
    return browser


def test_a_member_page_sends_strangers_to_sign_in_and_keeps_roles_out_of_what_their_scopes_do_not_cover(database):
    app = member_pages_app(database)
    client = app.test_client()
    signed_up = client.post("/api/v1/tenants", json={
        "company_name": "Frame", "slug": "frame", "admin_email": "owner@frame.example",
        "admin_password": "a long enough password", "settings": {"locale": "en"}})
    assert signed_up.status_code == 201
    response = client.get("/frame-test/everyone")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login?next=/frame-test/everyone")
    owner = signed_in_as(app, "owner@frame.example", "a long enough password")
    assert owner.get("/frame-test/everyone").get_data(as_text=True) == "workspace frame"
    assert owner.get("/frame-test/admins").status_code == 200
    assert client.post("/api/v1/members", headers={"Authorization": f"Bearer {signed_up.json['api_key']}"}, json={
        "email": "viewer@frame.example", "password": "a long enough password", "role": "viewer"}).status_code == 201
    viewer = signed_in_as(app, "viewer@frame.example", "a long enough password")
    assert viewer.get("/frame-test/everyone").status_code == 200
    refused = viewer.get("/frame-test/admins")
    assert refused.status_code == 403 and "You may not open this page" in refused.get_data(as_text=True)


def test_pages_answer_errors_with_the_layout_in_the_page_s_language_and_the_api_with_json(client):
    missing = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "<h1>此页面不存在</h1>" in missing.get_data(as_text=True) and 'class="brand"' in missing.get_data(as_text=True)
    assert client.get("/api/v1/no-such-thing").json["error"]["code"] == "not_found"
    expired = client.post("/login", data={"email": "a@b.example", "password": "x"})
    assert expired.status_code == 400 and "The form had expired" in expired.get_data(as_text=True)
    assert client.post("/api/v1/customers", json={}).status_code == 401  # the API's own answer, in JSON
    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
