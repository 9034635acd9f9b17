"""Two at once: a double submit of one answer link whose second request read the invitation before
the first committed is a clean 410 page, never a 500 nor a second answer (SQLite, which has no row
locks: PostgreSQL makes the second wait on the invitation's row lock, then see it used); and
concurrent sends of one survey invite each customer once (PostgreSQL, where the sends really run
side by side)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context
from tests.test_surveys import CSAT, NPS, enable, links_for, make, question_ids

BOUND = 20  # seconds a thread waits for the other at most


@pytest.mark.sqlite
def test_a_second_submit_that_read_the_link_before_the_first_committed_is_a_410(app, tenant_a, monkeypatch):
    from plugins.surveys import public
    from plugins.surveys.models import Response

    enable(tenant_a)
    survey = make(tenant_a, [NPS, CSAT], state="active")
    [link] = links_for(tenant_a, survey, [tenant_a.customer()])
    nps_id, csat_id = question_ids(tenant_a, survey)
    fields = {f"q-{nps_id}": "9", f"q-{csat_id}": "4", "action": "finish"}
    first, second = app.test_client(), app.test_client()
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', client.get(link).get_data(as_text=True)).group(1)
              for client in (first, second)]
    second_read, first_done = threading.Event(), threading.Event()
    opened = public.answering.open_invitation

    def open_then_wait(invitation_id, *, lock=False):
        found = opened(invitation_id, lock=lock)
        if threading.current_thread().name == "second" and lock:
            second_read.set()  # it found the link unused; now the first submit finishes
            assert first_done.wait(BOUND)
        return found

    monkeypatch.setattr(public.answering, "open_invitation", open_then_wait)
    answers = {}
    thread = threading.Thread(name="second", target=lambda: answers.setdefault(
        "second", second.post(link, data={**fields, "csrf_token": tokens[1]})))
    thread.start()
    try:
        assert second_read.wait(BOUND)
        answers["first"] = first.post(link, data={**fields, "csrf_token": tokens[0]})
    finally:
        first_done.set()
        thread.join(BOUND)
    assert answers["first"].status_code == 200
    assert answers["second"].status_code == 410
    assert "This survey was answered already" in answers["second"].get_data(as_text=True) or \
        "已经回答过" in answers["second"].get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


@pytest.mark.postgres
def test_concurrent_sends_of_one_survey_invite_each_customer_once(app, tenant_a):
    from plugins.surveys.models import Invitation

    enable(tenant_a, throttle_days=30)
    survey = make(tenant_a, state="active")
    customers = [tenant_a.customer()["id"] for _ in range(5)]
    body = {"customer_ids": customers, "links": True}
    clients = [app.test_client() for _ in range(6)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        sent = list(pool.map(lambda client: client.post(f"/api/v1/surveys/{survey['id']}/send", json=body,
                                                        headers=tenant_a.headers), clients))
    assert [response.status_code for response in sent] == [200] * len(clients)
    assert sum(response.json["invited"] for response in sent) == len(customers)
    reasons = {item["reason"] for response in sent for item in response.json["skipped"]}
    assert reasons <= {"throttled", "already_invited"}
    with app.app_context(), tenant_context(tenant_a.id):
        per_customer = db.session.execute(sa.select(Invitation.customer_id, sa.func.count())
                                          .group_by(Invitation.customer_id)).all()
    assert sorted(count for _, count in per_customer) == [1] * len(customers)
