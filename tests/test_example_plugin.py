"""The example third-party plugin (examples/retain-birthdays), installed with pip by ``make test``,
proves the whole path: entry point, migration branch, settings, route, event handler, schedule,
an event of its own, a profile panel; and the test helpers of ``saas.testing``."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from saas.core.db import db
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from saas.testing import CSRF_INPUT, workspaces_with

try:
    from retain_birthdays.models import Greeting
except ImportError:  # pragma: no cover - make test installs it
    pytest.fail("the example plugin is not installed: run `make test` (pip install -e examples/retain-birthdays)",
                pytrace=False)


def today() -> dt.date:
    """Asked each time: a date taken when the tests were collected goes stale at midnight."""
    return dt.date.today()


def born_on(day: dt.date) -> str:
    """A birthday on ``day``'s month and day (1984 was a leap year: 29 February exists)."""
    return day.replace(year=1984).isoformat()


def birthday_today() -> str:
    return born_on(today())


def test_it_is_found_through_its_entry_point(app):
    module = app.extensions["saas.plugins"].modules["birthdays"]
    assert module.info.version == "1.0.0" and module.info.title == "Birthday greetings"


def test_its_migrations_are_a_branch_that_flask_db_upgrade_applies(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        heads = set(script.get_heads())
        assert "birthdays_0001" in heads and len(heads) == 7  # the core's, and a module's each (birthdays, churn, complaints, loyalty, surveys, visits)
        branch = script.get_revision("birthdays_0001")
        assert branch.branch_labels == {"birthdays"} and branch.dependencies == "0001_core"
        assert "birthdays_greetings" in sa.inspect(db.engine).get_table_names()
        applied = {row[0] for row in db.session.execute(sa.text("SELECT version_num FROM alembic_version"))}
        db.session.rollback()
    assert applied == heads


def db_kind(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_flask_db_upgrade_applies_every_head(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    if db_kind(app) == "sqlite":  # migrations turn SQLite's foreign keys off; the app's pool must get them back
        with app.app_context():
            held = [db.engine.connect() for _ in range(db.engine.pool.size())]
            try:
                assert [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in held] == [1] * len(held)
            finally:
                for connection in held:
                    connection.close()


def test_its_route_and_settings_work_only_where_it_is_enabled(app):
    on, off = workspaces_with(app.test_client(), "birthdays", settings={"days_ahead": 3})
    near = on.post("/api/v1/customers", json={"name": "Near", "birthday": born_on(today() + dt.timedelta(days=2))}).json
    on.post("/api/v1/customers", json={"name": "Far", "birthday": born_on(today() + dt.timedelta(days=20))})
    upcoming = on.get("/api/v1/birthdays/upcoming")
    assert upcoming.status_code == 200
    assert [item["customer_id"] for item in upcoming.json["items"]] == [near["id"]]
    assert off.get("/api/v1/birthdays/upcoming").status_code == 404
    bad = on.put("/api/v1/modules/birthdays", json={"settings": {"days_ahead": 100, "channel": "fax"}})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]["settings"]) == {"days_ahead", "channel"}


def test_its_event_handler_greets_a_customer_created_on_their_birthday_and_emits_its_own_event(app):
    on, off = workspaces_with(app.test_client(), "birthdays", settings={"channel": "wechat"})
    customer = on.post("/api/v1/customers", json={"name": "Birthday child", "birthday": birthday_today()}).json
    off.post("/api/v1/customers", json={"name": "Also born today", "birthday": birthday_today()})
    with app.app_context():
        with tenant_context(on.id):
            greetings = list(db.session.execute(sa.select(Greeting.customer_id, Greeting.year, Greeting.channel)))
            greeted = db.session.scalars(
                sa.select(OutboxEvent.data).where(OutboxEvent.type == "birthdays.greeted")).all()
        with tenant_context(off.id):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Greeting)) == 0
        db.session.rollback()
    assert [(str(c), y, ch) for c, y, ch in greetings] == [(customer["id"], today().year, "wechat")]
    assert greeted == [{"customer_id": customer["id"], "year": today().year, "channel": "wechat"}]
    panel = on.get(f"/api/v1/customers/{customer['id']}/panels").json["items"]
    assert panel == [{"module": "birthdays", "key": "birthdays", "title": "Birthday",
                      "rows": [["Birthday", birthday_today()], ["Greeted", str(today().year)]], "link": None}]
    names = [item["name"] for item in on.get("/api/v1/event-types").json["items"]]
    assert "birthdays.greeted" in names


def test_its_daily_schedule_greets_once_a_year_in_enabled_workspaces_only(app):
    client = app.test_client()
    on, off = workspaces_with(client, "birthdays")
    on.put("/api/v1/modules/birthdays", json={"enabled": False})
    customer = on.post("/api/v1/customers", json={"name": "Quiet", "birthday": birthday_today()}).json
    on.put("/api/v1/modules/birthdays", json={"enabled": True})
    off.post("/api/v1/customers", json={"name": "Other", "birthday": birthday_today()})
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["jobs", "run-schedules", "birthdays.greet"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        with tenant_context(on.id):
            greeted = [str(c) for c in db.session.scalars(sa.select(Greeting.customer_id))]
        with tenant_context(off.id):
            assert db.session.scalars(sa.select(Greeting.id)).all() == []
        db.session.rollback()
    assert greeted == [customer["id"]]


def test_its_page_renders_its_template_for_a_signed_in_user_whose_workspace_enabled_it(app):
    on, off = workspaces_with(app.test_client(), "birthdays", settings={"days_ahead": 3})
    on.post("/api/v1/customers", json={"name": "Near", "birthday": born_on(today() + dt.timedelta(days=1))})
    on.post("/api/v1/customers", json={"name": "Far", "birthday": born_on(today() + dt.timedelta(days=30))})
    page = on.signed_in().get("/birthdays/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>即将到来的生日</h1>" in html  # a Chinese workspace: its catalogue
    assert "Near" in html and "Far" not in html and "祝福通过 短信 发送" in html
    assert re.search(r'href="/birthdays/"[^>]*>生日</a>', html)  # its navigation item, in the menu
    assert 'href="/birthdays/">生日</a>' in on.signed_in().get("/").get_data(as_text=True)
    other = off.signed_in()
    assert other.get("/birthdays/").status_code == 404
    assert "/birthdays/" not in other.get("/").get_data(as_text=True)


def test_its_page_sends_an_anonymous_visitor_to_sign_in_and_back(app):
    on, _ = workspaces_with(app.test_client(), "birthdays")
    anonymous = app.test_client()
    response = anonymous.get("/birthdays/?x=1")
    assert response.status_code == 302 and response.location == "/login?next=/birthdays/?x%3D1"
    token = CSRF_INPUT.search(anonymous.get(response.location).get_data(as_text=True)).group(1)
    signed = anonymous.post(response.location, data={"email": on.user["email"], "password": on.password,
                                                     "csrf_token": token})
    assert signed.status_code == 302 and signed.location == "/birthdays/?x=1"
    assert anonymous.get("/birthdays/").status_code == 200
    # the API key does not open pages: they belong to people signed in
    assert on.get("/birthdays/").status_code == 302


def test_disabling_it_hides_its_data_and_enabling_it_again_brings_the_same_data_back(app):
    on, _ = workspaces_with(app.test_client(), "birthdays", settings={"channel": "email"})
    customer = on.post("/api/v1/customers", json={"name": "Greeted", "birthday": birthday_today()}).json
    panels = f"/api/v1/customers/{customer['id']}/panels"
    shown = on.get(panels).json["items"]
    assert shown[0]["rows"][1] == ["Greeted", str(today().year)]
    assert on.put("/api/v1/modules/birthdays", json={"enabled": False}).status_code == 200
    assert on.get(panels).json["items"] == []
    assert on.get("/api/v1/birthdays/upcoming").status_code == 404
    with app.app_context(), tenant_context(on.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Greeting)) == 1  # kept, only hidden
        db.session.rollback()
    back = on.put("/api/v1/modules/birthdays", json={"enabled": True})
    assert back.status_code == 200 and back.json["settings"]["channel"] == "email"
    assert on.get(panels).json["items"] == shown


def test_the_plugin_guide_s_testing_example_passes(app):
    """The code of "Testing a plugin" in docs/plugins.md, run against the example plugin."""
    guide = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text()
    block = re.search(r"```python\n(.*?)```", guide[guide.index("## Testing a plugin"):], re.S).group(1)
    namespace = {}
    exec(compile(block, "docs/plugins.md, Testing a plugin", "exec"), namespace)
    tests = [test for name, test in namespace.items() if name.startswith("test_")]
    assert len(tests) == 3
    fixtures = {"app": app, "client": app.test_client()}
    for test in tests:
        test(**{name: fixtures[name] for name in inspect.signature(test).parameters})
