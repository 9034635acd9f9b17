"""A survey's shareable link (``"shareable": true``, ``share_url``): anyone who has it answers,
anonymously, in their browser's language; the answers count in the results and an unhappy one
raises ``surveys.low_score`` without a customer; withdrawn it is a 404, the survey closed a 410;
answers through it are rate-limited per address; forged or another workspace's, a 404."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context
from tests.test_rate_limits import limited_app  # noqa: F401  a fixture
from tests.test_surveys import CSAT, NPS, enable, make, question_ids
from tests.test_surveys_results import events as low_scores


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def shared(tenant, questions=(NPS, CSAT)) -> tuple[dict, str]:
    survey = make(tenant, list(questions), state="active", shareable=True)
    assert survey["shareable"] is True and survey["share_url"]
    return survey, path_of(survey["share_url"])


def submit(app, path: str, language: str = "en", **fields):
    browser = app.test_client()
    shown = browser.get(path, headers={"Accept-Language": language})
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown.get_data(as_text=True)).group(1)
    return browser.post(path, data={"csrf_token": token, **fields}, headers={"Accept-Language": language})


def test_anyone_with_the_shareable_link_answers_anonymously_and_the_answers_count(app, tenant_a):
    from plugins.surveys.models import Response

    enable(tenant_a)
    survey, path = shared(tenant_a)
    assert path.startswith("/s/share/")
    nps_id, csat_id = question_ids(tenant_a, survey)
    page = app.test_client().get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="zh-CN"' in html and "您有多大可能向朋友推荐我们？" in html
    assert "稍后完成" not in html and "unsubscribe" not in html  # no partial answer kept, no one to unsubscribe
    assert submit(app, path, **{f"q-{nps_id}": "10"}).status_code == 422  # the CSAT is required
    for nps, csat in ((10, 5), (3, 1)):
        done = submit(app, path, **{f"q-{nps_id}": str(nps), f"q-{csat_id}": str(csat)})
        assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    results = tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json
    assert (results["responses"], results["nps"], results["sent"], results["response_rate"]) == (2, 0.0, 0, None)
    with app.app_context(), tenant_context(tenant_a.id):
        kept = db.session.execute(sa.select(Response.customer_id, Response.invitation_id, Response.tier,
                                            Response.owner_id, Response.submitted_at)).all()
        assert all(row[:4] == (None, None, None, None) for row in kept)
        assert all((row[4].hour, row[4].minute, row[4].second) == (0, 0, 0) for row in kept)  # the day only
    assert sorted((event["customer_id"], event["kind"], event["score"]) for event in low_scores(app, tenant_a)) == [
        (None, "csat", 1), (None, "nps", 3)]


def test_a_withdrawn_link_is_a_404_a_closed_survey_s_a_410_and_a_forged_one_a_404(app, tenant_a):
    enable(tenant_a)
    survey, path = shared(tenant_a)
    client = app.test_client()
    assert tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"state": "closed"}).status_code == 200
    assert client.get(path).status_code == 410
    assert tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"state": "active"}).status_code == 200
    assert client.get(path).status_code == 200
    withdrawn = tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"shareable": False}).json
    assert withdrawn["share_url"] is None
    assert client.get(path).status_code == 404
    assert client.get(path[:-3] + ("abc" if not path.endswith("abc") else "xyz")).status_code == 404
    answer_token = path.replace("/s/share/", "/s/")  # the same signature under the answer link's salt
    assert client.get(answer_token).status_code == 404


def test_a_link_of_a_workspace_with_the_module_off_is_a_404_and_another_workspace_sees_nothing_of_it(
        app, tenant_a, tenant_b):
    enable(tenant_a)
    enable(tenant_b)
    survey, path = shared(tenant_a)
    assert tenant_b.get(f"/api/v1/surveys/{survey['id']}").status_code == 404
    assert tenant_a.put("/api/v1/modules/surveys", json={"enabled": False}).status_code == 200
    assert app.test_client().get(path).status_code == 404


def test_answers_through_a_shareable_link_are_rate_limited_per_address(request, tenant_a):
    enable(tenant_a)
    apps = request.getfixturevalue("limited_app")
    limited = apps("memory://", SURVEYS_SHARE_RATE_LIMIT="2 per minute")
    survey, path = shared(tenant_a, [{**NPS, "required": False}])
    browser = limited.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).get_data(as_text=True)).group(1)
    statuses = [browser.post(path, data={"csrf_token": token}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert browser.get(path).status_code == 200  # reading is limited as every answer page is, not by this


@pytest.mark.parametrize("body", [{"shareable": "yes please"}, {"shareable": None}])
def test_a_bad_shareable_is_a_422(tenant_a, body):
    enable(tenant_a)
    survey = make(tenant_a)
    assert tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json=body).status_code == 422
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}").json["shareable"] is False
