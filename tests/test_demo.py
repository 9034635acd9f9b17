"""The demo workspace seeder (``tenants.demo``), on a SQLite database of its own."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from saas.app import create_app
from saas.core.accounts import Membership, Role, Tenant, User
from saas.core.customers import Interaction, Purchase
from saas.core.classification import CustomerFigures, months_before
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.passwords import verify_password
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from tenants import demo


def _seeded_app(path, customers: int, rng_seed: int = 20261123):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    with app.app_context():
        db.create_all()
        credentials = demo.seed(customers=customers, rng_seed=rng_seed)
    return app, credentials


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory):
    return _seeded_app(tmp_path_factory.mktemp("demo") / "demo.db", customers=300)


def _in_tenant(app, query):
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == demo.SLUG))
        with tenant_context(tenant.id):
            return query()


def _band(spend) -> str:
    for floor, band in ((100_000, "core"), (30_000, "important"), (10_000, "basic")):
        if spend >= floor:
            return band
    return "general"


def test_credentials_sign_in_and_call_the_api(demo_workspace):
    app, credentials = demo_workspace
    assert credentials["slug"] == "longjing-demo" and credentials["email"] == "owner@longjing.example"
    assert len(credentials["password"]) >= 10
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == credentials["email"]))
        assert verify_password(owner.password_hash, credentials["password"])
    response = app.test_client().get("/api/v1/customers",
                                      headers={"Authorization": f"Bearer {credentials['api_key']}"})
    assert response.status_code == 200
    assert response.json["items"]


def test_staff_are_the_owner_and_four_members(demo_workspace):
    app, _ = demo_workspace
    members = _in_tenant(app, lambda: [(m.role, m.team) for m in db.session.scalars(sa.select(Membership))])
    assert sorted(members, key=lambda m: (m[0].value, m[1] or "")) == [
        (Role.agent, "sales"), (Role.agent, "sales"), (Role.agent, "service"), (Role.manager, None), (Role.owner, None),
    ]


def test_trailing_twelve_month_spend_falls_into_the_planned_bands(demo_workspace):
    app, _ = demo_workspace

    def bands():
        from plugins.churn.models import Task

        since = utcnow() - dt.timedelta(days=365)
        recent, ever = Counter(), set()
        won_back = sa.select(Task.won_back_purchase_id).where(Task.won_back_purchase_id.is_not(None))
        for customer_id, amount, when in db.session.execute(  # the seed's own (the churn demo's win-backs are its)
                sa.select(Purchase.customer_id, Purchase.amount, Purchase.purchased_at).where(Purchase.id.not_in(won_back))):
            ever.add(customer_id)
            if when >= since:
                recent[customer_id] += amount
        ids = db.session.scalars(sa.select(Customer.id)).all()
        return Counter(_band(recent[i]) if recent[i] else "dormant" if i in ever else "prospect" for i in ids)

    assert _in_tenant(app, bands) == {
        "core": 30, "important": 90, "basic": 96, "general": 12, "dormant": 30, "prospect": 42,
    }


def test_every_demo_customer_has_the_tier_its_purchases_give_computed_by_hand(demo_workspace):
    """The set-based SQL of saas.core.classification.recompute against plain Python, customer by customer."""
    app, _ = demo_workspace

    def tiers():
        since = months_before(utcnow(), 12)
        recent, ever = Counter(), set()
        for customer_id, amount, refunded, when in db.session.execute(
                sa.select(Purchase.customer_id, Purchase.amount, Purchase.refunded_amount, Purchase.purchased_at)):
            if amount > refunded:
                ever.add(customer_id)
                recent[customer_id] += (amount - refunded) if when >= since else 0
        talked = set(db.session.scalars(sa.select(Interaction.customer_id)))
        expected = {i: _band(recent[i]) if i in ever else "potential" if i in talked else None
                    for i in db.session.scalars(sa.select(Customer.id))}
        stored = {f.customer_id: f.tier.value if f.tier else None
                  for f in db.session.scalars(sa.select(CustomerFigures))}
        return expected, stored

    expected, stored = _in_tenant(app, tiers)
    assert stored == expected
    assert {"core", "important", "basic", "general"} <= set(stored.values())


def test_history_is_recent_consistent_and_numbered_once(demo_workspace):
    app, _ = demo_workspace
    now = utcnow()

    def check():
        purchases = db.session.scalars(sa.select(Purchase)).all()
        interactions = db.session.scalars(sa.select(Interaction)).all()
        buyers = {p.customer_id for p in purchases}
        assert 8 <= len(purchases) / len(buyers) <= 12
        assert 3 <= sum(i.customer_id in buyers for i in interactions) / len(buyers) <= 6
        assert all(p.amount == p.quantity * p.unit_price and p.currency == "CNY" for p in purchases)
        assert len({p.external_ref for p in purchases}) == len(purchases)
        assert all(now - dt.timedelta(days=31 * 30) < p.purchased_at < now for p in purchases)
        assert all(now - dt.timedelta(days=31 * 18) < i.occurred_at < now for i in interactions)
        assert all(i.staff_id for i in interactions)

    _in_tenant(app, check)


def test_the_same_seed_gives_the_same_workspace(tmp_path):
    def snapshot(app):
        return _in_tenant(app, lambda: (
            sorted((c.name, c.phone, c.email) for c in db.session.scalars(sa.select(Customer))),
            sorted((p.external_ref, p.product, p.amount) for p in db.session.scalars(sa.select(Purchase))),
        ))

    first, _ = _seeded_app(tmp_path / "a.db", customers=40, rng_seed=7)
    second, _ = _seeded_app(tmp_path / "b.db", customers=40, rng_seed=7)
    assert snapshot(first) == snapshot(second)


def test_the_tier_history_covers_twelve_months_and_ends_where_the_figures_are(demo_workspace):
    app, credentials = demo_workspace
    headers = {"Authorization": f"Bearer {credentials['api_key']}"}
    points = app.test_client().get("/api/v1/reports/tiers?step=month", headers=headers).json["points"]
    assert len(points) == 14 and points[0]["at"][:10] == months_before(utcnow(), 12).date().isoformat()
    first, last = points[0]["counts"], points[-1]["counts"]
    assert sum(first.values()) >= 150 and all(first[tier] for tier in ("core", "important", "basic"))
    assert len({tuple(point["counts"].values()) for point in points}) >= 6  # a trend, not a flat line
    assert first["core"] < last["core"]
    now = _in_tenant(app, lambda: Counter(db.session.scalars(sa.select(CustomerFigures.tier))))
    assert last == {tier: now[tier] for tier in last}
    stages = app.test_client().get("/api/v1/reports/stages?step=month", headers=headers).json["points"]
    assert stages[0]["counts"] != stages[-1]["counts"] and sum(stages[0]["counts"].values()) >= 150


def test_the_demo_enables_loyalty_and_fills_the_loyalty_pages(demo_workspace):
    from plugins.loyalty import demo as loyalty_demo
    from plugins.loyalty.models import Entry, EntryKind, Reward
    from saas.core.modules import enabled_modules

    app, credentials = demo_workspace
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == demo.SLUG))
        assert "loyalty" in enabled_modules(tenant)
    kinds = Counter(_in_tenant(app, lambda: db.session.scalars(sa.select(Entry.kind)).all()))
    assert kinds[EntryKind.earn] > 100 and kinds[EntryKind.redeem] == loyalty_demo.REDEMPTIONS
    assert _in_tenant(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Reward))) == 4


def test_the_demo_enables_churn_with_every_customer_scored_and_tasks_worked_in_each_state(demo_workspace):
    from plugins.churn.models import Level, Score, Task, TaskStatus
    from saas.core.customers import Customer
    from saas.core.modules import enabled_modules

    app, credentials = demo_workspace
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == demo.SLUG))
        assert "churn" in enabled_modules(tenant)
    customers = _in_tenant(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Customer)
                                                          .where(Customer.deleted_at.is_(None))))
    scores = _in_tenant(app, lambda: db.session.execute(sa.select(Score.level, Score.reasons)).all())
    assert len(scores) == customers  # the real scoring, for everyone
    levels = Counter(level for level, _ in scores)
    assert levels[Level.high] >= 5 and levels[Level.medium] >= 5 and levels[Level.low] >= 50, levels
    assert all(reasons for level, reasons in scores if level is not Level.low)  # a warning says why
    tasks = _in_tenant(app, lambda: db.session.scalars(sa.select(Task)).all())
    states = Counter(task.status for task in tasks)
    assert all(states[status] >= 1 for status in TaskStatus), states
    assert all(task.reason is not None for task in tasks if task.status is TaskStatus.lost)
    assert all(task.offer for task in tasks if task.status is TaskStatus.offer_made)
    won = [task for task in tasks if task.status is TaskStatus.won_back]
    assert all(task.won_back_amount > 0 and task.won_back_purchase_id and task.closed_at > task.opened_at for task in won)
    assert len({task.opened_at.date().replace(day=1) for task in tasks}) >= 4  # months of history for the KPIs
    assert all(task.owner_id is not None for task in tasks)


def test_the_demo_enables_surveys_with_an_active_survey_answered_over_months_tiers_and_owners(demo_workspace):
    from plugins.surveys.models import Response, State, Survey
    from saas.core.modules import enabled_modules

    app, credentials = demo_workspace
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == demo.SLUG))
        assert "surveys" in enabled_modules(tenant)
    states = Counter(_in_tenant(app, lambda: db.session.scalars(sa.select(Survey.state)).all()))
    assert states == {State.active: 1, State.draft: 1}
    answers = _in_tenant(app, lambda: db.session.execute(
        sa.select(Response.tier, Response.owner_id, Response.submitted_at)).all())
    assert 200 <= len(answers) <= 900
    assert len({tier for tier, _, _ in answers}) >= 3 and len({owner for _, owner, _ in answers}) >= 2
    assert len({when.strftime("%Y-%m") for _, _, when in answers}) >= 5
    headers = {"Authorization": f"Bearer {credentials['api_key']}"}
    client = app.test_client()
    [active] = [s for s in client.get("/api/v1/surveys", headers=headers).json["items"] if s["state"] == "active"]
    results = client.get(f"/api/v1/surveys/{active['id']}/results", headers=headers).json
    assert results["responses"] == len(answers) and results["nps"] is not None and 0 < results["response_rate"] < 1
    cards = {c["key"]: c["value"] for c in client.get("/api/v1/reports/cards", headers=headers).json["items"]
             if c["module"] == "surveys"}
    assert cards["answers"] > 0 and isinstance(cards["nps"], float)


def test_the_demo_enables_complaints_with_open_breached_and_resolved_cases(demo_workspace):
    from plugins.complaints import demo as complaints_demo
    from plugins.complaints.models import OPEN_STATUSES, Alert, Case, Status

    app, credentials = demo_workspace
    cases = _in_tenant(app, lambda: db.session.scalars(sa.select(Case)).all())
    assert len(cases) == len(complaints_demo.CASES)
    statuses = Counter(case.status for case in cases)
    assert statuses[Status.confirmed] >= 2 and statuses[Status.closed] == 1 and statuses[Status.resolved] >= 1
    assert sum(statuses[status] for status in OPEN_STATUSES) >= 3
    assert any(case.paused_since is not None for case in cases) and any(case.reopened for case in cases)
    breached = _in_tenant(app, lambda: {case_id for case_id, in db.session.execute(
        sa.select(Alert.case_id).where(Alert.level == "breach"))})
    by_id = {case.id: case for case in cases}
    assert any(by_id[case_id].status not in OPEN_STATUSES for case_id in breached)  # resolved late: kept
    assert any(by_id[case_id].status in OPEN_STATUSES for case_id in breached)  # open past a clock
    assert all(case.owner_id is not None for case in cases)
    with app.test_client() as client:
        headers = {"Authorization": f"Bearer {credentials['api_key']}"}
        queue = client.get("/api/v1/complaints/queue", headers=headers)
        assert queue.status_code == 200 and len(queue.json["items"]) >= 3
        review = client.get("/api/v1/complaints/review", headers=headers)
        assert review.status_code == 200 and review.json["opened"] + review.json["resolved"] >= 1


def test_the_demo_enables_visits_with_a_month_of_plans_and_outcomes(demo_workspace):
    from plugins.visits import clock
    from plugins.visits.models import Status, Visit
    from saas.core.customers import Interaction
    from saas.core.modules import enabled_modules

    app, credentials = demo_workspace
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == demo.SLUG))
        assert "visits" in enabled_modules(tenant)
    today = _in_tenant(app, clock.today)
    visits = _in_tenant(app, lambda: db.session.execute(sa.select(Visit.status, Visit.due_on, Visit.automated,
                                                                  Visit.interaction_id)).all())
    past = [row for row in visits if row.due_on < today]
    assert min(row.due_on for row in visits) <= today - dt.timedelta(days=25)  # a month of plans
    assert max(row.due_on for row in visits) >= today + dt.timedelta(days=28)  # and the weeks ahead
    states = Counter(row.status for row in past)
    assert states[Status.done] > states[Status.no_answer] > 0 and states[Status.cancelled] > 0, states
    assert states[Status.rescheduled] == 1
    overdue = [row for row in past if row.status is Status.planned]
    assert overdue and not any(row.automated for row in overdue)  # some left undone, on the team's lists
    logged = {row.interaction_id for row in past if row.status is not Status.planned}
    written = set(_in_tenant(app, lambda: db.session.scalars(
        sa.select(Interaction.id).where(Interaction.id.in_(logged))).all()))
    assert written == logged  # each outcome on the customer's timeline
