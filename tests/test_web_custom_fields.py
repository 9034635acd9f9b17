"""``/settings/custom-fields``: admins define, change and remove the workspace's custom fields with
the API's schemas and the core's checks; the customer form then shows and checks what they defined."""

from __future__ import annotations

import pytest

from tests.test_web_customer_profile import member, post, text

ENGLISH = {"settings": {"locale": "en"}}
PATH = "/settings/custom-fields"


@pytest.fixture
def company(sign_up):
    return sign_up(**ENGLISH)


@pytest.fixture
def owner(company):
    return company.signed_in()


def defined(company) -> list[dict]:
    return company.get("/api/v1/custom-fields").json["items"]


def test_a_field_defined_on_the_page_is_on_the_customer_form_and_checked_there(company, owner):
    response = post(owner, PATH, label="Membership grade", key="grade", type="choice", choices="Gold\r\nSilver\n\n",
                    required="on")
    assert response.status_code == 303
    [field] = defined(company)
    assert (field["key"], field["label"], field["type"], field["choices"], field["required"]) == (
        "grade", "Membership grade", "choice", ["Gold", "Silver"], True)
    listed = text(owner.get(PATH))
    assert "Membership grade" in listed and "Gold, Silver" in listed and "the customer form shows it now" in listed

    form = text(owner.get("/customers/new"))
    assert '<label for="custom_fields-grade">Membership grade</label>' in form
    missing = post(owner, "/customers/new", name="Li Wei")
    assert missing.status_code == 422 and 'id="custom_fields-grade-error"' in text(missing)
    wrong = post(owner, "/customers/new", name="Li Wei", **{"custom_fields.grade": "Bronze"})
    assert wrong.status_code == 422 and "Must be one of: Gold, Silver." in text(wrong)
    assert company.get("/api/v1/customers").json["items"] == []
    assert post(owner, "/customers/new", name="Li Wei", **{"custom_fields.grade": "Gold"}).status_code == 303
    [customer] = company.get("/api/v1/customers").json["items"]
    assert customer["custom_fields"] == {"grade": "Gold"}


@pytest.mark.parametrize("data, errors", [
    ({"label": "", "key": "grade", "type": "text"}, {"label": "Required."}),
    ({"label": "Grade", "key": "Bad Key", "type": "text"},
     {"key": "Use lower-case letters, digits and _; start with a letter."}),
    ({"label": "Grade", "key": "grade", "type": "colour"}, {"type": "Choose a type."}),
    ({"label": "Grade", "key": "grade", "type": "choice"}, {"choices": "A choice field needs at least one choice."}),
    ({"label": "Grade", "key": "grade", "type": "choice", "choices": "x" * 101}, {"choices": "Use 1 to 100 characters."}),
    ({"label": "Gr\x00ade", "key": "grade", "type": "text"}, {"label": "This cannot contain a NUL character."}),
])
def test_a_bad_definition_shows_the_schemas_and_the_cores_field_errors_and_defines_nothing(company, owner, data, errors):
    response = post(owner, PATH, **data)
    assert response.status_code == 422
    page = text(response)
    for name, message in errors.items():
        assert f'id="{name}-error">{message}' in page, page
    if data["label"] and "\x00" not in data["label"]:
        assert f'value="{data["label"]}"' in page  # what was typed stays
    assert defined(company) == []


def test_a_key_defined_before_is_refused_on_the_form(company, owner):
    assert company.post("/api/v1/custom-fields", json={"key": "grade", "label": "Grade", "type": "text"}).status_code == 201
    response = post(owner, PATH, label="Another", key="grade", type="number")
    assert response.status_code == 422 and 'id="key-error">Already defined.' in text(response)
    assert [f["label"] for f in defined(company)] == ["Grade"]


def test_a_field_is_relabelled_its_choices_changed_and_removed(company, owner):
    field = company.post("/api/v1/custom-fields", json={"key": "grade", "label": "Grade", "type": "choice",
                                                         "choices": ["A"]}).json
    path = f"{PATH}/{field['id']}"
    page = text(owner.get(path))
    assert 'value="Grade"' in page and "<code>grade</code>" in page
    refused = post(owner, path, label="Level", choices="")
    assert refused.status_code == 422 and 'id="choices-error">A choice field needs at least one choice.' in text(refused)
    assert defined(company)[0]["label"] == "Grade"
    emptied = post(owner, path, label="  ", choices="A")
    assert emptied.status_code == 422 and 'id="label-error"' in text(emptied)
    assert defined(company)[0]["label"] == "Grade"
    assert post(owner, path, label="Level", choices="A\nB", required="on").status_code == 303
    [changed] = defined(company)
    assert (changed["label"], changed["choices"], changed["required"], changed["type"]) == ("Level", ["A", "B"], True, "choice")
    assert post(owner, f"{path}/delete").status_code == 303
    assert defined(company) == []
    assert "custom_fields-grade" not in text(owner.get("/customers/new"))


def test_another_workspaces_field_is_a_404_page_and_stays(company, owner, sign_up):
    other = sign_up(**ENGLISH)
    theirs = other.post("/api/v1/custom-fields", json={"key": "grade", "label": "Grade", "type": "text"}).json
    path = f"{PATH}/{theirs['id']}"
    assert owner.get(path).status_code == 404
    assert post(owner, path, label="Mine").status_code == 404
    assert post(owner, f"{path}/delete").status_code == 404
    assert defined(other) == [theirs]


@pytest.mark.one_database
@pytest.mark.parametrize("role", ["manager", "agent", "viewer"])
def test_only_owners_and_admins_see_the_entry_and_the_others_change_nothing(app, company, owner, role):
    field = company.post("/api/v1/custom-fields", json={"key": "grade", "label": "Grade", "type": "text"}).json
    assert f'href="{PATH}"' in text(owner.get("/settings/")) and f'href="{PATH}"' not in text(owner.get("/"))  # not twice current
    admin = member(app, company, "admin")
    assert f'href="{PATH}"' in text(admin.get("/settings/")) and admin.get(PATH).status_code == 200
    browser = member(app, company, role)
    assert f'href="{PATH}"' not in text(browser.get("/"))
    assert browser.get(PATH).status_code == 403
    assert post(browser, PATH, label="Taken", key="taken", type="text").status_code == 403
    assert post(browser, f"{PATH}/{field['id']}", label="Taken").status_code == 403
    assert post(browser, f"{PATH}/{field['id']}/delete").status_code == 403
    assert defined(company) == [field]


@pytest.mark.one_database
def test_the_custom_fields_page_speaks_chinese(sign_up):
    browser = sign_up().signed_in()
    page = text(browser.get(PATH))
    assert 'lang="zh-CN"' in page and "自定义字段" in page and "新字段" in page
    refused = post(browser, PATH, label="", key="Bad", type="text")
    assert refused.status_code == 422 and 'id="label-error">必填。' in text(refused)
