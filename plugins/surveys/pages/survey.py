"""``/surveys/<id>``: one survey, its questions and what can be done with it: activate, close or
open it again; send it now to a tier or a segment (``surveys.send``); send it on a schedule and
after a customer's events (``surveys.manage``); its shareable link. Each form calls what the API's
view calls; a refusal shows the page again with the form's errors and its status, having written
nothing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from saas.auth import requires_permission
from saas.core.errors import DomainError, NotFound
from saas.web.customer_forms import FormErrors
from saas.web.form_text import nul_errors
from saas.web.labels import in_page_language

from plugins.surveys import sending, sharing, surveys
from plugins.surveys.api import SendSchema, SurveyPatchSchema
from plugins.surveys.models import State
from plugins.surveys.pages import pages, reading
from plugins.surveys.pages.wording import EVENTS, SHORT_KINDS, SKIPPED, STATES, TIERS, field_errors
from plugins.surveys.texts import shown


@pages.route("/<uuid:survey_id>")
def survey(survey_id):
    return _page(surveys.get(survey_id))


@pages.route("/<uuid:survey_id>/state", methods=["POST"])
@requires_permission("surveys.manage")
def change_state(survey_id):
    """Activate, close or open again, as ``PATCH /api/v1/surveys/{id}`` with a ``state``."""
    found = surveys.get(survey_id, lock=True)
    wanted = request.form.get("state", "")
    if wanted not in {state.value for state in State}:
        return _page(found, errors={"state": field_errors(["Must be one of: draft, active, closed."])[""]}, status=422)
    try:
        surveys.update(found, {"state": State(wanted)})
    except DomainError as error:
        return _page(found, errors={"state": [m for ms in field_errors(error.fields or {"": [error.message]}).values()
                                              for m in ms]}, status=error.status)
    flash({State.active: _("The survey is active: it can be sent and answered."),
           State.closed: _("The survey is closed: its links answer no more.")}.get(found.state, _("Saved.")), "success")
    return redirect(url_for("surveys_pages.survey", survey_id=found.id), 303)


@pages.route("/<uuid:survey_id>/send", methods=["POST"])
@requires_permission("surveys.send")
def send(survey_id):
    """Send now by e-mail to a tier or a segment, as ``POST /api/v1/surveys/{id}/send``."""
    found = surveys.get(survey_id)
    values = {key: request.form.get(key, "").strip() for key in ("target", "tier", "segment_id")}
    body = {"tier": values["tier"]} if values["target"] != "segment" else {"segment_id": values["segment_id"]}
    try:
        data = _load(SendSchema(), {key: value for key, value in body.items() if value})
        who = sending.recipients(segment_id=data.get("segment_id"), tier=data.get("tier"))
        sent = sending.send(found, who)
    except NotFound:  # deleted since the page was shown
        return _page(found, send_values=values, errors=_send_errors(field_errors({"segment_id": ["No such segment."]})),
                     status=422)
    except FormErrors as error:
        return _page(found, send_values=values, errors=_send_errors(error.fields), status=error.status)
    except DomainError as error:
        return _page(found, send_values=values, errors=_send_errors(field_errors(error.fields or {"": [error.message]})),
                     status=error.status)
    [reasons] = in_page_language(SKIPPED)
    skipped = {}
    for item in sent["skipped"]:
        skipped[item["reason"]] = skipped.get(item["reason"], 0) + 1
    note = ngettext("%(num)s customer invited.", "%(num)s customers invited.", sent["invited"])
    if skipped:
        note += " " + _("Not asked: %(reasons)s.", reasons=_(", ").join(
            f"{count} {reasons.get(reason, reason)}" for reason, count in sorted(skipped.items())))
    flash(note, "success")
    return redirect(url_for("surveys_pages.survey", survey_id=found.id), 303)


def _send_errors(fields: dict) -> dict:
    """The send form's errors, each under the input it names (the target's under the tier)."""
    return {f"send.{key if key in ('tier', 'segment_id') else ''}": messages for key, messages in fields.items()}


@pages.route("/<uuid:survey_id>/sending", methods=["POST"])
@requires_permission("surveys.manage")
def sending_rules(survey_id):
    """The schedule and the events the survey is sent after, as ``PATCH /api/v1/surveys/{id}``."""
    found = surveys.get(survey_id, lock=True)
    values = _sending_values(request.form)
    body = {"schedule": None, "send_after": [
        {"event": event, "delay_hours": hours} for event, hours in values["after"].items()]}
    if values["every_months"]:
        body["schedule"] = {"every_months": values["every_months"],
                            **({"segment_id": values["segment_id"]} if values["target"] == "segment"
                               else {"tier": values["tier"]})}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))
        surveys.update(found, _load(SurveyPatchSchema(), body))
    except FormErrors as error:
        return _page(found, sending_values=values, errors=_prefixed("sending", error.fields), status=error.status)
    except DomainError as error:
        return _page(found, sending_values=values,
                     errors=_prefixed("sending", field_errors(error.fields or {"": [error.message]})), status=error.status)
    flash(_("The sending rules are saved."), "success")
    return redirect(url_for("surveys_pages.survey", survey_id=found.id), 303)


@pages.route("/<uuid:survey_id>/share", methods=["POST"])
@requires_permission("surveys.manage")
def share(survey_id):
    """Open or withdraw the survey's shareable link."""
    found = surveys.get(survey_id, lock=True)
    surveys.update(found, {"shareable": request.form.get("shareable") == "on"})
    flash(_("The shareable link is open: anyone with it may answer.") if found.shareable
          else _("The shareable link is withdrawn: it answers no more."), "success")
    return redirect(url_for("surveys_pages.survey", survey_id=found.id), 303)


def _sending_values(form) -> dict:
    events = reading.customer_events(EVENTS, [key[len("after."):] for key in form if key.startswith("after.")])
    return {"every_months": form.get("every_months", "").strip(), "target": form.get("schedule_target", "tier"),
            "tier": form.get("schedule_tier", "").strip(), "segment_id": form.get("schedule_segment_id", "").strip(),
            "after": {event: form.get(f"delay.{event}", "").strip() or "0" for event in events
                      if form.get(f"after.{event}") == "on"}}


def _saved_sending(found) -> dict:
    schedule = found.schedule or {}
    return {"every_months": str(schedule.get("every_months", "")),
            "target": "segment" if schedule.get("segment_id") else "tier", "tier": schedule.get("tier", ""),
            "segment_id": schedule.get("segment_id", ""),
            "after": {rule["event"]: str(rule.get("delay_hours", 0)) for rule in found.send_after or []}}


def _prefixed(form: str, fields: dict) -> dict:
    return {f"{form}.{key}" if key else form: messages for key, messages in fields.items()}


def _load(schema, body: dict) -> dict:
    try:
        return schema.load(body)
    except Exception as error:  # noqa: BLE001 - marshmallow's ValidationError, worded for the page
        messages = getattr(error, "messages", None)
        if messages is None:
            raise
        raise FormErrors(field_errors(messages)) from None


def _page(found, *, send_values=None, sending_values=None, errors=None, status=200):
    language = reading.page_language()
    states, kinds, tiers, events = in_page_language(STATES, SHORT_KINDS, TIERS, EVENTS)
    sent, answered = reading.counts([found.id])[found.id]
    return render_template(
        "surveys/pages/survey.html", survey=found, title=shown(found.title, language), states=states, kinds=kinds,
        tiers=tiers, questions=[(q, shown(q.text, language), [shown(c, language) for c in q.choices or []])
                                for q in surveys.questions(found)],
        sent=sent, answered=answered, segments=reading.segments(),
        events=[(name, events.get(name, name)) for name in reading.customer_events(
            EVENTS, [rule["event"] for rule in found.send_after or []])],
        send_values=send_values or {"target": "tier", "tier": "", "segment_id": ""},
        sending_values=sending_values or _saved_sending(found), errors=errors or {},
        share_url=sharing.share_url(found) if found.shareable else None), status
