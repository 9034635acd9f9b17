"""The surveys module's links and answer page: one link per recipient, a partial answer resumed, a
finished one using the link up, refused links (404, 410, never a 500), CSRF, the page in the
customer's language, the throttle, the unsubscribe link, anonymous answers and sending to a
segment or a tier."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context
from tests.test_rate_limits import limited_app  # noqa: F401  a fixture
from tests.test_surveys import CSAT, NPS, answer, enable, links_for, make, question_ids


def page(tenant, path: str):
    return tenant.client.application.test_client().get(path)


def test_each_recipient_gets_a_link_that_a_partial_answer_resumes_and_a_finished_one_uses_up(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, [NPS, CSAT, {"kind": "text", "text": {"en": "Anything else?", "zh-CN": "还有别的吗？"}}],
                  state="active")
    first, second = tenant_a.customer(), tenant_a.customer()
    links = links_for(tenant_a, survey, [first, second])
    assert len(set(links)) == 2 and all(link.startswith("/s/") for link in links)
    nps_id, csat_id, text_id = question_ids(tenant_a, survey)
    shown = page(tenant_a, links[0])
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "您有多大可能向朋友推荐我们？" in html and 'lang="zh-CN"' in html  # the workspace speaks Chinese
    assert html.count("<fieldset") == 2 and html.count("<legend>") == 2 and f'<label for="q-{text_id}">' in html
    saved = answer(tenant_a, links[0], action="save", **{f"q-{nps_id}": "3"})
    assert saved.status_code == 200 and "稍后打开同一链接" in saved.get_data(as_text=True)
    resumed = page(tenant_a, links[0]).get_data(as_text=True)
    assert re.search(rf'name="q-{nps_id}" value="3" checked', resumed)
    missing = answer(tenant_a, links[0], action="finish", **{f"q-{nps_id}": "3"})  # the CSAT is required
    assert missing.status_code == 422 and "请回答这个问题" in missing.get_data(as_text=True)
    done = answer(tenant_a, links[0], action="finish", **{f"q-{nps_id}": "3", f"q-{csat_id}": "2",
                                                            f"q-{text_id}": "茶叶太贵"})
    assert done.status_code == 200 and "谢谢" in done.get_data(as_text=True)
    used = page(tenant_a, links[0])
    assert used.status_code == 410 and "已经回答过" in used.get_data(as_text=True)
    assert page(tenant_a, links[1]).status_code == 200  # the other recipient's link is their own
    results = tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json
    assert (results["responses"], results["nps"], results["csat"], results["sent"], results["response_rate"]) == (
        1, -100.0, 0.0, 2, 0.5)


def test_a_bad_answer_is_refused_and_writes_nothing(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, [NPS, {"kind": "single_choice", "text": "Shop?", "choices": ["A", "B"]},
                             {"kind": "multiple_choice", "text": "Bought?", "choices": ["Tea", "Cups"]},
                             {"kind": "text", "text": "Anything else?", "required": False}], state="active")
    [link] = links_for(tenant_a, survey, [tenant_a.customer()])
    nps_id, one_id, many_id, text_id = question_ids(tenant_a, survey)
    good = {f"q-{nps_id}": "10", f"q-{one_id}": "1", f"q-{many_id}": ["0", "1"]}
    for field, bad in ((nps_id, "11"), (nps_id, "-1"), (nps_id, "ten"), (one_id, "2"), (many_id, ["0", "7"]),
                       (nps_id, "9" * 400), (nps_id, "²"), (one_id, "١"), (many_id, ["0", "²"]), (nps_id, "9" * 5000),
                       (text_id, "a\x00b")):
        for action in ("save", "finish"):
            refused = answer(tenant_a, link, action=action, **{**good, f"q-{field}": bad})
            assert refused.status_code == 422, (field, bad, action)
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json["responses"] == 0
    assert f'value="10" checked' not in page(tenant_a, link).get_data(as_text=True)  # no draft was kept
    assert answer(tenant_a, link, action="finish", **good).status_code == 200


def test_forged_expired_closed_and_module_off_links_get_a_clear_page_never_a_500(app, tenant_a, tenant_b):
    from plugins.surveys.models import Invitation

    enable(tenant_a)
    survey = make(tenant_a, state="active")
    first, second, third = (tenant_a.customer() for _ in range(3))
    expiring, closing, switched = links_for(tenant_a, survey, [first, second, third])
    head, _, signature = expiring.rpartition(".")
    tampered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"  # not the last character: its
    # low bits may be base64 padding, so changing it could leave the signature's bytes as they were
    for forged in ("/s/x", "/s/" + expiring[3:-2], tampered,
                   "/s/" + "a" * 3000, "/s/%00", "/s/unsubscribe/" + expiring[3:]):
        refused = page(tenant_a, forged)
        assert refused.status_code == 404, (forged, refused.status_code)
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.update(Invitation).where(Invitation.customer_id == uuid.UUID(first["id"])).values(
            expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
        db.session.commit()
    expired = page(tenant_a, expiring)
    assert expired.status_code == 410 and "过期" in expired.get_data(as_text=True)
    assert tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"state": "closed"}).status_code == 200
    assert page(tenant_a, closing).status_code == 410
    assert tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"state": "active"}).status_code == 200
    assert page(tenant_a, closing).status_code == 200
    tenant_a.disable("surveys")
    assert page(tenant_a, switched).status_code == 404
    enable(tenant_b)  # another workspace's module being on opens nothing of A's
    assert page(tenant_a, switched).status_code == 404


def test_the_answer_form_needs_its_csrf_token(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, state="active")
    [link] = links_for(tenant_a, survey, [tenant_a.customer()])
    [nps_id] = question_ids(tenant_a, survey)
    browser = tenant_a.client.application.test_client()
    browser.get(link)
    assert browser.post(link, data={f"q-{nps_id}": "9", "action": "finish"}).status_code == 400
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json["responses"] == 0


def test_the_page_speaks_the_customer_s_language(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, state="active")
    [link] = links_for(tenant_a, survey, [tenant_a.customer(preferences={"language": "en"})])
    html = page(tenant_a, link).get_data(as_text=True)
    assert "How likely are you to recommend us?" in html and 'lang="en"' in html and "Send my answers" in html


def test_no_customer_is_asked_twice_within_the_throttle_whichever_survey(tenant_a):
    enable(tenant_a, throttle_days=30)
    first, second = make(tenant_a, state="active"), make(tenant_a, [CSAT], state="active")
    customer, other = tenant_a.customer(), tenant_a.customer()
    assert len(links_for(tenant_a, first, [customer])) == 1
    sent = tenant_a.post(f"/api/v1/surveys/{second['id']}/send",
                         json={"customer_ids": [customer["id"], other["id"]], "links": True}).json
    assert sent["invited"] == 1 and sent["skipped"] == [{"customer_id": customer["id"], "reason": "throttled"}]
    assert tenant_a.put("/api/v1/modules/surveys", json={"settings": {"throttle_days": 0}}).status_code == 200
    assert len(links_for(tenant_a, second, [customer])) == 1


def test_an_unsubscribed_customer_is_asked_no_more(tenant_a):
    enable(tenant_a, throttle_days=0)
    survey = make(tenant_a, state="active")
    customer = tenant_a.customer()
    [link] = links_for(tenant_a, survey, [customer])
    html = page(tenant_a, link).get_data(as_text=True)
    unsubscribe = re.sub(r"^https?://[^/]+", "", re.search(r'href="([^"]*/s/unsubscribe/[^"]+)"', html).group(1))
    browser = tenant_a.client.application.test_client()
    confirm = browser.get(unsubscribe)
    assert confirm.status_code == 200 and "不再接收" in confirm.get_data(as_text=True)
    assert tenant_a.post(f"/api/v1/surveys/{survey['id']}/send",
                         json={"customer_ids": [customer["id"]], "links": True}).json["invited"] == 1  # a GET did nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    for _ in range(2):  # twice is once
        done = browser.post(unsubscribe, data={"csrf_token": token})
        assert done.status_code == 200 and "不会再" in done.get_data(as_text=True)
    sent = tenant_a.post(f"/api/v1/surveys/{survey['id']}/send", json={"customer_ids": [customer["id"]]}).json
    assert sent == {"invited": 0, "skipped": [{"customer_id": customer["id"], "reason": "unsubscribed"}], "links": None}


def test_an_anonymous_survey_s_answer_keeps_no_link_to_the_customer(app, tenant_a):
    from plugins.surveys.models import Response

    enable(tenant_a)
    survey = make(tenant_a, anonymous=True, state="active")
    customer = tenant_a.customer(owner_id=tenant_a.user["id"])
    [link] = links_for(tenant_a, survey, [customer])
    [nps_id] = question_ids(tenant_a, survey)
    assert 'value="save"' not in page(tenant_a, link).get_data(as_text=True)  # no partial answer is kept
    assert answer(tenant_a, link, action="save", **{f"q-{nps_id}": "2"}).status_code == 200  # taken as finished
    with app.app_context(), tenant_context(tenant_a.id):
        from plugins.surveys.models import Invitation

        [response] = db.session.scalars(sa.select(Response)).all()
        assert (response.customer_id, response.invitation_id, response.owner_id, response.tier) == (None,) * 4
        assert response.submitted_at.time() == dt.time(0)
        assert response.id.version == 4  # random: a UUIDv7 would tell the time the day leaves out
        assert db.session.scalar(sa.select(Invitation.draft)) in ({}, None)
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json["nps"] == -100.0
    [panel] = [p for p in tenant_a.get(f"/api/v1/customers/{customer['id']}/panels").json["items"] if p["key"] == "surveys"]
    assert panel["rows"] == [["Latest NPS", "No answer yet"], ["Latest CSAT", "No answer yet"]]  # the API speaks English
    assert page(tenant_a, link).status_code == 410


def test_a_survey_goes_to_a_segment_or_a_tier_and_bad_targets_are_refused(tenant_a):
    enable(tenant_a, throttle_days=0)
    survey = make(tenant_a, state="active")
    tagged, untagged = tenant_a.customer(tags=["vip"]), tenant_a.customer()
    segment = tenant_a.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["vip"]}}).json
    sent = tenant_a.post(f"/api/v1/surveys/{survey['id']}/send", json={"segment_id": segment["id"], "links": True}).json
    assert [link["customer_id"] for link in sent["links"]] == [tagged["id"]]
    by_tier = tenant_a.post(f"/api/v1/surveys/{survey['id']}/send", json={"tier": "general", "links": True}).json
    assert {link["customer_id"] for link in by_tier["links"]} <= {tagged["id"], untagged["id"]}
    path = f"/api/v1/surveys/{survey['id']}/send"
    for bad in ({}, {"tier": "vip"}, {"customer_ids": []}, {"customer_ids": ["nope"]},
                {"customer_ids": [tagged["id"]], "tier": "core"}, {"customer_ids": [tagged["id"]], "channel": "pigeon"},
                {"customer_ids": ["01a209c2-8155-7bfd-9ec3-253721798534"]}):
        assert tenant_a.post(path, json=bad).status_code == 422, bad
    assert tenant_a.post(path, json={"segment_id": "01a209c2-8155-7bfd-9ec3-253721798534"}).status_code == 404
    draft = make(tenant_a)
    assert tenant_a.post(f"/api/v1/surveys/{draft['id']}/send", json={"tier": "core"}).status_code == 409
    results = tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json
    assert results["sent"] == len(sent["links"]) + len(by_tier["links"])


@pytest.mark.backend_independent
def test_the_answer_page_is_rate_limited(database, request):
    apps = request.getfixturevalue("limited_app")  # test_rate_limits' fixture: the shared limiter restored after
    limited = apps("memory://", SURVEYS_ANSWER_RATE_LIMIT="3 per minute")
    browser = limited.test_client()
    answers = [browser.get("/s/not-a-token").status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]


def test_a_send_to_more_customers_than_a_request_reaches_is_refused_and_invites_no_one(tenant_a, monkeypatch):
    from plugins.surveys import sending

    enable(tenant_a)
    survey = make(tenant_a, state="active")
    for _ in range(3):
        tenant_a.customer(tags=["vip"])
    segment = tenant_a.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["vip"]}}).json
    monkeypatch.setattr(sending, "MAX_RECIPIENTS", 2)
    refused = tenant_a.post(f"/api/v1/surveys/{survey['id']}/send", json={"segment_id": segment["id"], "links": True})
    assert refused.status_code == 422 and "schedule" in refused.json["error"]["message"], refused.json
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json["sent"] == 0
    monkeypatch.setattr(sending, "MAX_RECIPIENTS", 3)
    sent = tenant_a.post(f"/api/v1/surveys/{survey['id']}/send", json={"segment_id": segment["id"], "links": True})
    assert sent.status_code == 200 and sent.json["invited"] == 3, sent.json
