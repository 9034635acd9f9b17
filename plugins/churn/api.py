"""``/api/v1/churn``: scores and their reasons, the customers at risk, rescoring, win-back tasks,
KPIs and backtests (404 where the module is off).

- ``GET /customers/{customer_id}``: ``score`` (0-100), ``level`` (low, medium, high), ``reasons``
  ``[{code, share, text, figures}]`` (largest share first; ``text`` in the request's language),
  ``model_used``, ``p_alive``, ``expected_purchases`` and ``expected_value`` (next 90 days; null
  without the purchase model), ``scored_at``, ``level_since``.
- ``GET /at-risk``: paged, highest score first; medium and high unless ``level``; ``tier``,
  ``owner_id``, ``reason`` (the main reason's code) filter.
- ``POST /score``: rescore the workspace now (a job; 202). Permission ``churn.run``.
- ``GET /tasks`` (``status``, ``owner_id``, ``customer_id``, ``open``), ``GET /tasks/{id}``,
  ``PATCH /tasks/{id}``: status (open, contacted, offer_made, lost: ``won_back`` is set by a
  purchase after the task opened), ``reason`` (product_quality, service, price_competition, other:
  with a ``reason_note``), ``offer``, ``owner_id``, ``due_on``. Its assignee may change a task;
  others need the ``churn.tasks`` permission. A closed task answers 409.
- ``GET /kpis?months=12&tier=``: by month and tier (:mod:`plugins.churn.kpis`).
- ``POST /backtests`` ``{cutoff, horizon_days}`` (202, a job; permission ``churn.run``; the
  horizon must have passed), ``GET /backtests``, ``GET /backtests/{id}``.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.schema import Schema
from saas.auth import may, requires_permission
from saas.core.accounts import acting_person
from saas.core.classification import Tier
from saas.core.customers import records as customers
from saas.core.errors import Forbidden
from saas.core.tenancy import current_tenant, current_tenant_id

from plugins.churn import backtests, jobs, kpis, queries, reasons, tasks
from plugins.churn.models import ChurnReason, Level, TaskStatus
from plugins.churn.rules import SIGNALS

bp = ApiBlueprint("churn", __name__, url_prefix="/api/v1/churn",
                  description="Churn warnings: scores and reasons, customers at risk, win-back tasks, KPIs and "
                              "backtests (404 unless the workspace enabled the churn module)")


class ReasonSchema(Schema):
    code = f.String(metadata={"description": "The signal: " + ", ".join(SIGNALS)})
    share = f.Float(metadata={"description": "Its share of the score; a score's reasons add up to 1"})
    text = f.String(metadata={"description": "The reason in words, in the request's language"})
    figures = f.Dict(metadata={"description": "The figures the sentence names (days, interval, recent, before...)"})


def _explained(items: list[dict]) -> list[dict]:
    currency = current_tenant().settings.get("currency")
    return [{**item, "text": reasons.sentence(item["code"], item["figures"], currency)} for item in items or []]


class Explained(Schema):
    """A schema whose ``reasons`` get their sentences, in the request's language, as it dumps."""

    reasons = f.List(f.Nested(ReasonSchema), metadata={"description": "Largest share first"})

    @ma.pre_dump
    def _explain(self, obj, **kwargs):
        values = dict(obj) if isinstance(obj, dict) else {name: getattr(obj, name) for name in self.dump_fields}
        return {**values, "reasons": _explained(values.get("reasons"))}


class ScoreSchema(Explained):
    customer_id = f.UUID()
    score = f.Integer(metadata={"description": "0 (no sign of churn) to 100"})
    level = f.Enum(Level, by_value=True)
    model_used = f.Boolean(metadata={"description": "Whether the purchase model (BG/NBD) took part: the workspace "
                                                    "had enough data"})
    p_alive = f.Float(allow_none=True, metadata={"description": "BG/NBD's probability that the customer still buys"})
    expected_purchases = f.Float(allow_none=True, metadata={"description": "Expected purchases in the next 90 days"})
    expected_value = f.Decimal(as_string=True, allow_none=True, places=2,
                               metadata={"description": "Expected spend in the next 90 days (with Gamma-Gamma)"})
    scored_at = f.AwareDateTime()
    level_since = f.AwareDateTime()


class AtRiskArgs(PageArgs):
    level = f.Enum(Level, by_value=True, load_default=None, metadata={"description": "Default: medium and high"})
    tier = f.String(load_default=None, validate=v.OneOf([t.value for t in Tier]))
    owner_id = f.UUID(load_default=None)
    reason = f.String(load_default=None, validate=v.OneOf(SIGNALS), metadata={"description": "The main reason"})


class AtRiskSchema(Explained):
    customer_id = f.UUID()
    name = f.String()
    owner_id = f.UUID(allow_none=True)
    tier = f.Enum(Tier, by_value=True, allow_none=True)
    score = f.Integer()
    level = f.Enum(Level, by_value=True)
    reason = f.String(allow_none=True, metadata={"description": "The main reason's code"})
    model_used = f.Boolean()
    scored_at = f.AwareDateTime()
    level_since = f.AwareDateTime()


AtRiskPage = page_schema(AtRiskSchema, "ChurnAtRiskPage")


class RescoreQueuedSchema(Schema):
    queued = f.Boolean()


class TaskSchema(Explained):
    id = f.UUID()
    customer_id = f.UUID()
    status = f.Enum(TaskStatus, by_value=True)
    owner_id = f.UUID(allow_none=True, metadata={"description": "The assignee: the customer's owner, else a manager "
                                                                "of its team"})
    due_on = f.Date()
    score = f.Integer(metadata={"description": "The score when the task opened"})
    tier = f.String(allow_none=True, metadata={"description": "The customer's value tier when the task opened"})
    reason = f.Enum(ChurnReason, by_value=True, allow_none=True, metadata={"description": "The churn reason"})
    reason_note = f.String(allow_none=True)
    offer = f.String(allow_none=True)
    won_back_amount = f.Decimal(as_string=True, places=2, allow_none=True)
    won_back_purchase_id = f.UUID(allow_none=True)
    opened_at = f.AwareDateTime()
    closed_at = f.AwareDateTime(allow_none=True)
    updated_at = f.AwareDateTime()


TaskPage = page_schema(TaskSchema, "ChurnTaskPage")


class TaskArgs(PageArgs):
    status = f.Enum(TaskStatus, by_value=True, load_default=None)
    open = f.Boolean(load_default=False, metadata={"description": "Only open tasks (open, contacted, offer made)"})
    owner_id = f.UUID(load_default=None)
    customer_id = f.UUID(load_default=None)


class TaskPatchSchema(PartialSchema):
    status = f.String(validate=v.OneOf([s.value for s in tasks.SET_BY_HAND]))
    reason = f.String(allow_none=True, validate=v.OneOf([r.value for r in ChurnReason]))
    reason_note = f.String(allow_none=True, validate=v.Length(max=1000))
    offer = f.String(allow_none=True, validate=v.Length(max=500))
    owner_id = f.UUID(allow_none=True)
    due_on = f.Date(validate=v.Range(min=dt.date(2000, 1, 1), max=dt.date(2100, 12, 31)))


class KpiArgs(Schema):
    months = f.Integer(load_default=12, validate=v.Range(min=1, max=36))
    tier = f.String(load_default=None, validate=v.OneOf([t.value for t in Tier]))


class KpiRowSchema(Schema):
    month = f.String(metadata={"description": "YYYY-MM (UTC)"})
    tier = f.String(allow_none=True, metadata={"description": "A value tier, null for unclassified, or 'all'"})
    customers = f.Integer(metadata={"description": "Customers who had bought before the month began"})
    churned = f.Integer(metadata={"description": "Customers whose stage became churned in the month"})
    churn_rate = f.Float(allow_none=True)
    opened = f.Integer(metadata={"description": "Win-back tasks opened in the month"})
    won_back = f.Integer()
    lost = f.Integer()
    win_back_rate = f.Float(allow_none=True, metadata={"description": "Won back / (won back + lost), closed in the month"})
    revenue_won_back = f.Decimal(as_string=True, places=2)
    days_to_win_back = f.Float(allow_none=True)


class KpisSchema(Schema):
    items = f.List(f.Nested(KpiRowSchema))


EARLIEST_CUTOFF = dt.date(2000, 1, 1)


class BacktestRequestSchema(Schema):
    cutoff = f.Date(required=True, metadata={"description": "From 2000-01-01; its horizon must have passed"})
    horizon_days = f.Integer(load_default=None, validate=v.Range(min=7, max=730),
                             metadata={"description": "Default: the settings' backtest horizon"})

    @ma.validates("cutoff")
    def _a_real_past(self, value, **kwargs):
        if not EARLIEST_CUTOFF <= value <= dt.date.today():
            raise ma.ValidationError("The cut-off is a day from 2000-01-01 to today.")


class BacktestSchema(Schema):
    id = f.UUID()
    cutoff = f.Date()
    horizon_days = f.Integer()
    status = f.String(metadata={"description": "running, done or failed"})
    results = f.Dict(allow_none=True, metadata={
        "description": "customers, churners, base_rate; rules, recency and model (null without enough data): "
                       "{auc, precision_top10, precision_top20}"})
    requested_by = f.UUID(allow_none=True)
    created_at = f.AwareDateTime()
    started_at = f.AwareDateTime(allow_none=True, metadata={"description": "When its job began; null while queued"})


BacktestPage = page_schema(BacktestSchema, "ChurnBacktestPage")


@bp.route("/customers/<uuid:customer_id>", methods=["GET"])
@bp.response(200, ScoreSchema)
@bp.errors(404)
def get_score(customer_id):
    """A customer's churn score, level and reasons."""
    customers.get(customer_id)
    return queries.score_of(customer_id)


@bp.route("/at-risk", methods=["GET"])
@bp.arguments(AtRiskArgs, location="query", as_kwargs=True)
@bp.response(200, AtRiskPage)
@bp.errors(404)
def at_risk(cursor, limit, level, tier, owner_id, reason):
    """The customers at risk, highest score first."""
    return queries.at_risk(level=level.value if level else None, tier=tier, owner_id=owner_id, reason=reason,
                           cursor=cursor, limit=limit)


@bp.route("/score", methods=["POST"])
@requires_permission("churn.run")
@bp.response(202, RescoreQueuedSchema)
@bp.errors(403, 404)
def score_now():
    """Rescore the workspace now (a job: the purchase model refitted, then every customer scored)."""
    jobs.queue_rescore(current_tenant_id())
    return {"queued": True}


@bp.route("/tasks", methods=["GET"])
@bp.arguments(TaskArgs, location="query", as_kwargs=True)
@bp.response(200, TaskPage)
@bp.errors(404)
def list_tasks(cursor, limit, status, open, owner_id, customer_id):
    """Win-back tasks, soonest due first."""
    return queries.tasks(status=status.value if status else None, open_only=open, owner_id=owner_id,
                         customer_id=customer_id, cursor=cursor, limit=limit)


@bp.route("/tasks/<uuid:task_id>", methods=["GET"])
@bp.response(200, TaskSchema)
@bp.errors(404)
def get_task(task_id):
    """One win-back task."""
    return tasks.get(task_id)


@bp.route("/tasks/<uuid:task_id>", methods=["PATCH"])
@bp.arguments(TaskPatchSchema)
@bp.response(200, TaskSchema)
@bp.errors(403, 404, 409)
def update_task(data, task_id):
    """Work a task: its status, the churn reason, the offer made; reassign it or move its due date."""
    task = tasks.get(task_id, lock=True)
    if task.owner_id != acting_person() and not may("churn.tasks"):
        raise Forbidden("Only the task's assignee, or a member with the 'churn.tasks' permission, may change it.")
    return tasks.update(task, data)


@bp.route("/kpis", methods=["GET"])
@bp.arguments(KpiArgs, location="query", as_kwargs=True)
@bp.response(200, KpisSchema)
@bp.errors(404)
def get_kpis(months, tier):
    """Churn rate, win-back rate, revenue won back and days to win back, by month and tier."""
    return {"items": kpis.by_month(months, tier)}


@bp.route("/backtests", methods=["POST"])
@requires_permission("churn.run")
@bp.arguments(BacktestRequestSchema)
@bp.response(202, BacktestSchema)
@bp.errors(403, 404)
def request_backtest(data):
    """Backtest the score as of ``cutoff``: who then bought nothing in ``horizon_days`` (a job)."""
    return backtests.request(data["cutoff"], data["horizon_days"])


@bp.route("/backtests", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, BacktestPage)
@bp.errors(404)
def list_backtests(cursor, limit):
    """The backtests, newest first."""
    return backtests.listed(cursor=cursor, limit=limit)


@bp.route("/backtests/<uuid:backtest_id>", methods=["GET"])
@bp.response(200, BacktestSchema)
@bp.errors(404)
def get_backtest(backtest_id):
    """One backtest and its results."""
    return backtests.get(backtest_id)

