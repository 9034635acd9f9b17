"""Logs: a request id in and out, the workspace, principal and job on every line, JSON in
production and text in development, and no secret in any line."""

from __future__ import annotations

import json
import logging
import re
from email import message_from_bytes, policy

import pytest
from cryptography.fernet import Fernet

from saas import logs
from saas.core import mail, queues
from saas.core.db import db
from saas.testing import CSRF_INPUT
from tests.conftest import make_app
from tests.test_web_accounts import smtp_server  # noqa: F401  a fixture: a real SMTP server on loopback

GENERATED = re.compile(r"\A[0-9a-f]{32}\Z")
RESET_LINK = re.compile(r"/password/reset/[A-Za-z0-9_.\-]+")
# The test's own SMTP server logs the conversation (the reset link with it): not the app's lines.
TEST_TOOLS = ("mail.log", "asyncio")


@pytest.fixture
def own_app(database, app):
    """``own_app(**config)``: an app of the test's own on the shared (migrated, wiped) database."""
    built = []

    def build(**overrides):
        if overrides.get("TESTING") is False:  # production refuses to start without its key
            overrides.setdefault("ENCRYPTION_KEYS", Fernet.generate_key().decode())
        built.append(make_app(database, **overrides))
        return built[-1]

    yield build
    for each in built:
        with each.app_context():
            db.engine.dispose()


def record(message: str = "hello", **attributes) -> logging.LogRecord:
    made = logging.getLogger("saas.test").makeRecord("saas.test", logging.INFO, __file__, 1, message, (), None)
    for key, value in attributes.items():
        setattr(made, key, value)
    return made


def context_of(caplog, logger: str) -> list[dict]:
    return [getattr(r, logs.CONTEXT) for r in caplog.records if r.name == logger]


# Request ids ---------------------------------------------------------------------------------


@pytest.mark.backend_independent
def test_a_sane_request_id_sent_is_the_one_answered(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:0042.retry=1"})

    assert response.headers["X-Request-ID"] == "lb-7f3a:0042.retry=1"


@pytest.mark.backend_independent
@pytest.mark.parametrize("sent", [None, "", "has a space", "x" * 129, "<script>", "日志", "-leading-dash"])
def test_a_missing_or_insane_request_id_is_replaced_by_a_new_one(client, sent):
    headers = {} if sent is None else {"X-Request-ID": sent}

    first = client.get("/api/v1/customers", headers=headers).headers["X-Request-ID"]
    second = client.get("/api/v1/customers", headers=headers).headers["X-Request-ID"]

    assert GENERATED.match(first) and GENERATED.match(second) and first != second


def test_a_request_s_lines_carry_its_request_id_workspace_and_api_key(client, tenant_a, caplog):
    key_id = tenant_a.get("/api/v1/api-keys").json["items"][0]["id"]
    caplog.set_level(logging.INFO, logger="saas.logs")

    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {tenant_a.key}",
                                                        "X-Request-ID": "trace-1"})

    assert response.status_code == 200
    assert context_of(caplog, "saas.logs") == [{"request_id": "trace-1", "workspace_id": tenant_a.tenant["id"],
                                                    "principal": f"api_key:{key_id}", "job_id": None}]
    line = next(r for r in caplog.records if r.name == "saas.logs")
    assert (line.route, line.status) == ("/api/v1/customers", 200)


def test_a_signed_in_person_s_lines_name_the_user(tenant_a, caplog):
    browser = tenant_a.signed_in()
    caplog.set_level(logging.INFO, logger="saas.logs")

    assert browser.get("/api/v1/customers").status_code == 200

    (context,) = context_of(caplog, "saas.logs")
    assert context["principal"] == f"user:{tenant_a.user['id']}"
    assert context["workspace_id"] == tenant_a.tenant["id"]


@pytest.mark.backend_independent
def test_a_refused_request_is_logged_with_its_id_and_no_principal(client, caplog):
    caplog.set_level(logging.INFO, logger="saas.logs")

    response = client.get("/api/v1/customers", headers={"X-Request-ID": "refused-1"})

    assert response.status_code == 401
    assert context_of(caplog, "saas.logs") == [{"request_id": "refused-1", "workspace_id": None,
                                                    "principal": None, "job_id": None}]


def explode(text: str) -> None:
    """A job that fails (rq logs the failure)."""
    raise RuntimeError("this job fails")


@pytest.mark.redis
def test_a_job_s_lines_carry_the_job_id_and_its_arguments_stay_out_of_the_worker_s_lines(own_app, redis_server,
                                                                                        caplog):
    app = own_app(REDIS_URL=redis_server.url)
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        queues.current_queue().enqueue(mail.deliver, "lin@example.com", "Hello", "the body: secret-link-123")
        # and one that fails: rq's failure line passes the job's arguments along as a record's extras
        queues.current_queue().enqueue(explode, "the body: secret-link-456")
        queues.current_queue().work(burst=True)
        finished = queues.current_queue().queue("default").finished_job_registry.get_job_ids()

    (job_line,) = [r for r in caplog.records if r.name == "saas.core.mail"]
    assert getattr(job_line, logs.CONTEXT)["job_id"] == finished[0]
    worker_lines = [r for r in caplog.records if r.name.startswith("rq")]
    formatted = [repr(r.getMessage()) + logs.JsonLines().format(r) + logs.TextLines().format(r) for r in worker_lines]
    assert any("this job fails" in text for text in formatted), formatted  # the failure was logged
    assert not any("secret-link-" in text for text in formatted)
    assert any("secret-link-456" in repr(vars(r)) for r in worker_lines)  # rq did hand the arguments over


# Formats -------------------------------------------------------------------------------------


def test_a_json_line_holds_the_record_and_its_context_and_no_library_extra():
    line = record("saved %s", log_context={"request_id": "r1", "workspace_id": "w1", "principal": "user:u1",
                                            "job_id": None}, arguments=["a mail body"], status=201)
    line.args = ("it",)

    data = json.loads(logs.JsonLines().format(line))

    assert data["message"] == "saved it" and data["level"] == "INFO" and data["logger"] == "saas.test"
    assert (data["request_id"], data["workspace_id"], data["principal"], data["job_id"]) == ("r1", "w1", "user:u1", None)
    assert data["status"] == 201 and "arguments" not in data
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", data["time"])


def test_a_text_line_shows_the_context_it_knows():
    line = record("hello", log_context={"request_id": "r1", "workspace_id": None, "principal": None, "job_id": "j9"})

    assert logs.TextLines().format(line).endswith("INFO saas.test [request=r1 job=j9] hello")


@pytest.mark.parametrize("kind", logs.FORMATS)
def test_every_line_masks_api_keys_webhook_secrets_and_bearer_credentials(kind):
    secrets = ["rtn_0123456789ab_" + "S" * 43, "whsec_" + "A" * 43 + "=", "Bearer abc.def-ghi",
               "/password/reset/WyI0Zj.aGVsbG8-x_y", "/invitations/join/WyJhYmMi.ZGVm"]

    text = logs.formatter(kind).format(record(" and ".join(secrets)))

    assert not any(secret in text for secret in secrets)
    assert "rtn_[masked]" in text and "whsec_[masked]" in text and "Bearer [masked]" in text
    assert "/password/reset/[masked]" in text and "/invitations/join/[masked]" in text


@pytest.mark.backend_independent
@pytest.mark.parametrize("debug, expected", [(False, "json"), (True, "text")])
def test_production_writes_json_lines_and_development_text_to_stderr(own_app, capsys, debug, expected):
    client = own_app(TESTING=False, DEBUG=debug).test_client()

    client.get("/healthz", headers={"X-Request-ID": "probe-1"})

    lines = [line for line in capsys.readouterr().err.splitlines() if "probe-1" in line]
    assert len(lines) == 1
    if expected == "json":
        assert json.loads(lines[0])["request_id"] == "probe-1"
    else:
        assert "INFO saas.logs [request=probe-1] GET /healthz 200" in lines[0]


@pytest.mark.backend_independent
def test_log_format_and_level_come_from_the_config(own_app, capsys):
    own_app(TESTING=False, LOG_FORMAT="text", LOG_LEVEL="WARNING").test_client().get("/healthz")

    assert logging.getLogger().level == logging.WARNING
    assert "saas.logs" not in capsys.readouterr().err  # an INFO line


def test_in_production_without_a_mail_server_a_mail_s_body_is_not_logged(own_app, caplog):
    app = own_app(TESTING=False)
    caplog.set_level(logging.DEBUG, logger="saas.core.mail")
    with app.app_context():
        mail.send("lin@example.com", "Reset your password", "http://localhost/password/reset/secret-token")

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "lin@example.com" in logged and "MAIL_SERVER" in logged
    assert "secret-token" not in logged


# No secret in any line -----------------------------------------------------------------------


def csrf_of(client, path: str) -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def submit(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_of(client, path)})


def test_no_password_key_secret_token_cookie_or_authorization_is_ever_logged(own_app, smtp_server, caplog):  # noqa: F811
    controller, inbox, _ = smtp_server
    app = own_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT_SECONDS=5)
    api, browser = app.test_client(), app.test_client()
    caplog.set_level(logging.DEBUG)
    password, new_password, wrong_password = "first password 8c1f", "second password 77aa", "wrong password 5e0d"
    seen = {"password": password, "new password": new_password, "wrong password": wrong_password}

    signed_up = api.post("/api/v1/tenants", json={"company_name": "Logs", "slug": "logs-co",
                                                  "admin_email": "owner@logs.example", "admin_password": password})
    assert signed_up.status_code == 201, signed_up.json
    admin_key = seen["admin key"] = signed_up.json["api_key"]
    admin = {"Authorization": f"Bearer {admin_key}"}

    assert submit(browser, "/login", {"email": "owner@logs.example", "password": password}).status_code == 302
    seen["session cookie"] = browser.get_cookie("session").value

    key = api.post("/api/v1/api-keys", json={"name": "shop", "scopes": ["read"]}, headers=admin)
    assert key.status_code == 201, key.json
    seen["new key"] = key.json["key"]

    webhook = api.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hooks"}, headers=admin)
    assert webhook.status_code == 201, webhook.json
    seen["webhook secret"] = webhook.json["secret"]

    assert submit(browser, "/password/forgot", {"email": "owner@logs.example"}).status_code == 200
    assert inbox.arrived.wait(5)
    body = message_from_bytes(inbox.messages[0].original_content, policy=policy.default).get_body(("plain",))
    reset_path = RESET_LINK.search(body.get_content()).group(0)
    seen["reset token"] = reset_path.rsplit("/", 1)[1]
    reset = submit(browser, reset_path, {"password": new_password, "confirm": new_password})
    assert reset.status_code in (302, 303), reset.get_data(as_text=True)

    refused = api.get("/api/v1/customers", headers={"Authorization": f"Bearer {admin_key[:-4]}abcd"})
    assert refused.status_code == 401
    seen["refused authorization"] = f"{admin_key[:-4]}abcd"
    failed_login = submit(app.test_client(), "/login", {"email": "owner@logs.example", "password": wrong_password})
    assert failed_login.status_code == 401

    lines = [r for r in caplog.records if not r.name.startswith(TEST_TOOLS)]
    assert any(r.name == "saas.logs" for r in lines)  # the requests were logged, at DEBUG
    formatted = [repr(vars(r)) + logs.JsonLines().format(r) + logs.TextLines().format(r) for r in lines]
    leaked = {name for name, secret in seen.items() for text in formatted if secret in text}
    assert leaked == set()

