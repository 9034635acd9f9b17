"""``/customers``: the customer list (search, filters, sort, keyset pages, chosen columns), the
bulk actions on a selection (tag, assign an owner, export) and saving the filter as a segment.

The list reads its query with the API's own schema (``saas.api.customers.CustomerListArgs``, the
same parameter names, so ``/customers?tier=core`` means what ``GET /api/v1/customers?tier=core``
means) and calls the same core search; the bulk actions call the core's customer update once per
customer, exactly what ``PATCH /api/v1/customers/<id>`` does, so a page refuses what the API
refuses. An htmx request (filtering, paging) gets the results alone, to swap in place.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import parse_qsl, urlencode

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, send_file, session, stream_with_context, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from saas.api.customers import CustomerListArgs
from saas.api.segments import XLSX, SegmentSchema
from saas.auth import current_principal
from saas.core.accounts import Membership, Scope, User
from saas.core.customers import Customer, Tag
from saas.core.customers import assignments, records
from saas.core.db import db
from saas.core.errors import DomainError
from saas.core.pagination import BadCursor
from saas.core.segments import Segment, exports, search
from saas.core.segments import saved as segments
from saas.core.spreadsheets import as_csv, as_xlsx
from saas.web import customer_rows
from saas.web.blueprint import bp, local_target
from saas.web.pages import member_page
from saas.web.labels import STAGE_LABELS, TIER_LABELS, in_page_language

SORT_LABELS = {"-created_at": _l("Newest first"), "created_at": _l("Oldest first"), "name": _l("Name, A to Z"),
               "-name": _l("Name, Z to A"), "-updated_at": _l("Recently changed"), "updated_at": _l("Least recently changed")}
COLUMNS = {  # the columns a person may choose, in table order (the name is always shown)
    "company": _l("Company"), "email": _l("E-mail"), "phone": _l("Phone"), "tier": _l("Tier"),
    "lifecycle_stage": _l("Stage"), "spend": _l("Recent spend"), "owner": _l("Account manager"),
    "team": _l("Team"), "tags": _l("Tags"), "created_at": _l("Created on"),
}
FILTER_LABELS = {  # the filter's fields, to say which one is wrong
    "q": _l("Search"), "tier": _l("Tier"), "lifecycle_stage": _l("Stage"), "tag": _l("Tag"),
    "owner_id": _l("Account manager"), "team": _l("Team"), "segment_id": _l("Segment"),
    "created_after": _l("Created on or after"), "created_before": _l("Created before"), "sort": _l("Sort"),
    "limit": _l("Rows per page"), "cursor": _l("Page"),
}
DEFAULT_COLUMNS = ("company", "tier", "lifecycle_stage", "spend", "owner", "tags", "created_at")
COLUMNS_KEY = "customer_list_columns"  # in the person's session
MAX_SELECTION = 200  # a bulk action's customers at most (a page holds at most 200)
LIST_ARGS = CustomerListArgs(exclude=("deleted", "kind"))
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _arguments(given: MultiDict) -> tuple[dict, dict, dict]:
    """``(loaded arguments, what the form shows, field errors)`` from a list's query string.

    Empty fields (a form sends every one) are left out; several tiers or stages (checkboxes) are
    joined as the API's comma-separated list; a plain date (a date input) is midnight of that
    day in the person's time zone.
    """
    shown = {key: value for key, value in given.items()
             if key in LIST_ARGS.fields and value.strip() and key not in ("tier", "lifecycle_stage")}
    for key in ("tier", "lifecycle_stage"):
        chosen = [part for value in given.getlist(key) for part in value.split(",") if part]
        if chosen:
            shown[key] = chosen
    raw = {key: ",".join(value) if isinstance(value, list) else value for key, value in shown.items()}
    for key in ("created_after", "created_before"):
        if key in raw and _DATE.match(raw[key]):
            try:
                midnight = dt.datetime.combine(dt.date.fromisoformat(raw[key]), dt.time(), get_timezone())
            except ValueError:  # such as 2026-02-31
                return {}, shown, {key: [_("Not a valid date.")]}
            raw[key] = midnight.isoformat()
    try:
        return LIST_ARGS.load(raw), shown, {}
    except ma.ValidationError as error:
        return {}, shown, error.messages


def _query(shown: dict, **changes) -> str:
    """The list's URL for the filter ``shown``, with ``changes`` (``None`` drops a parameter)."""
    merged = {key: value for key, value in {**shown, **changes}.items() if value is not None}
    return url_for("web.customers") + ("?" + urlencode(merged, doseq=True) if merged else "")


def chosen_columns() -> list[str]:
    kept = session.get(COLUMNS_KEY)
    return [c for c in COLUMNS if c in kept] if isinstance(kept, list) else list(DEFAULT_COLUMNS)


# What the filter and the bulk actions offer, in one Core statement on the tables, built once (a
# round trip each cost a page more than the rows they bring): the workspace's active members (the
# account managers, and their teams), its tags and its segments, as ``(kind, id, name, email,
# team)``. Each part names its tenant (the ``tenant_id`` parameter), as set-based SQL does, and it
# runs on the session's connection, past the ORM's tenancy filter, which does not look inside a
# compound statement (row-level security still does, on PostgreSQL).
_members, _users, _tags, _segments = (model.__table__ for model in (Membership, User, Tag, Segment))
_TENANT = sa.bindparam("tenant_id", type_=sa.Uuid)
_NO_ID, _NO_TEXT = sa.null().cast(sa.Uuid), sa.null().cast(sa.String)
_CHOICES = sa.union_all(
    sa.select(sa.literal("owner").label("kind"), _members.c.user_id.label("id"), _users.c.name.label("name"),
              _users.c.email.label("email"), _members.c.team.label("team"))
    .join(_users, _users.c.id == _members.c.user_id).where(_members.c.tenant_id == _TENANT, _members.c.status == "active"),
    sa.select(sa.literal("tag"), _NO_ID, _tags.c.name, _NO_TEXT, _NO_TEXT).where(_tags.c.tenant_id == _TENANT),
    sa.select(sa.literal("segment"), _segments.c.id, _segments.c.name, _NO_TEXT, _NO_TEXT)
    .where(_segments.c.tenant_id == _TENANT),
).order_by(*(sa.literal_column(name) for name in ("kind", "name", "email")))


def _choices() -> dict:
    """The workspace's active members (account managers) and their teams, tags and segments."""
    owners, tags, segments = {}, [], []
    teams = set()
    for row in db.session.connection().execute(_CHOICES, {"tenant_id": current_principal().tenant.id}):
        if row.kind == "owner":
            owners[row.id] = row.name or row.email
            if row.team:
                teams.add(row.team)
        elif row.kind == "tag":
            tags.append(row.name)
        else:
            segments.append(row)
    return {"owners": owners, "teams": sorted(teams), "tags": tags, "segments": segments}


def _render(shown: dict, errors: dict, page, *, status: int = 200, form_errors: dict | None = None,
            form_values: dict | None = None):
    principal = current_principal()
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    choices = _choices()
    tiers, stages, all_columns, filter_labels, sorts = in_page_language(
        TIER_LABELS, STAGE_LABELS, COLUMNS, FILTER_LABELS, SORT_LABELS)
    columns = chosen_columns()
    rows = None
    if page is not None:
        money, day = customer_rows.formatters(principal.tenant.settings.get("currency", "CNY"))
        rows = customer_rows.rows_html(page.items, customer_rows.RowFormat(
            tuple(columns), tiers, stages, choices["owners"], _profile_links(), money, day))
    context = dict(
        shown=shown, errors=errors, page=page, rows=rows, choices=choices, columns=columns,
        all_columns=all_columns, filter_labels=filter_labels, sorts=sorts, tiers=tiers, stages=stages,
        may_write=Scope.write in principal.scopes,
        query=_query, here=_query(shown), form_errors=form_errors or {}, form_values=form_values or {},
    )
    body = render_template("customers/list_results.html" if partial else "customers/list.html", **context)
    return body, status, {"Vary": "HX-Request"}


_SOME_ID = uuid.UUID(int=0)


def _profile_links():
    """A function of a customer id to its profile's URL (``web.customer``): the rule is built once
    per page, not once per row."""
    before, after = url_for("web.customer", customer_id=_SOME_ID).rsplit(str(_SOME_ID), 1)
    return lambda customer_id: f"{before}{customer_id}{after}"


@bp.route("/customers")
@member_page
def customers():
    loaded, shown, errors = _arguments(request.args)
    if errors:
        return _render(shown, errors, None, status=400)
    try:
        page = _page(loaded)
    except BadCursor:
        return _render(shown, {"cursor": ["Invalid cursor."]}, None, status=400)
    return _render(shown, {}, page)


def _page(loaded: dict):
    return search.search(_filter(loaded), sort=loaded["sort"], cursor=loaded.get("cursor"), limit=loaded["limit"])


def _filter(loaded: dict) -> search.CustomerFilter:
    given = dict(loaded)
    for key in ("sort", "cursor", "limit"):
        given.pop(key, None)
    tiers, stages, team = given.pop("tier", ()), given.pop("lifecycle_stage", ()), given.pop("team", None)
    return search.list_filter(tiers=[t.value for t in tiers], stages=[s.value for s in stages],
                              teams=[team] if team else [], **given)


def _back_to_list() -> str:
    return local_target(request.form.get("next")) or url_for("web.customers")


def _refused(errors: dict, values: dict):
    """The list again (its filter from ``next``) with the bulk form's field errors: a 422."""
    back = _back_to_list()
    query = MultiDict(parse_qsl(back.split("?", 1)[1], keep_blank_values=True) if "?" in back else [])
    loaded, shown, list_errors = _arguments(query)
    page = None if list_errors else _page(loaded)
    return _render(shown, list_errors, page, status=422, form_errors=errors, form_values=values)


def _selection() -> list:
    """The ids ticked in the bulk form; another workspace's (or a deleted) customer is a 404."""
    raw = request.form.getlist("ids")
    if len(raw) > MAX_SELECTION:
        return []
    try:
        ids = list(dict.fromkeys(uuid.UUID(value) for value in raw))
    except ValueError:
        raise NotFound() from None
    return ids


@bp.route("/customers/bulk", methods=["POST"])
@member_page(needs=Scope.write)
def customers_bulk():
    """Tag the selection, or give it an account manager: the core's update, one customer at a time."""
    ids, action, values = _selection(), request.form.get("action"), request.form.to_dict()
    if not ids:
        return _refused({"ids": [_("Tick at least one customer (at most %(n)d).", n=MAX_SELECTION)]}, values)
    choices = _choices()
    if action == "tag":
        tag = request.form.get("tag", "")
        if tag not in choices["tags"]:
            return _refused({"tag": [_("Choose one of the workspace's tags.")]}, values)
        change = lambda customer: {"tags": [*customer.tag_names, tag]}  # noqa: E731
        done = _("Added the tag “%(tag)s” to the ticked customers (%(num)d).", tag=tag, num=len(ids))
    elif action == "assign":
        owner = request.form.get("owner_id", "")
        owner_id = next((user_id for user_id in choices["owners"] if str(user_id) == owner), None)
        if owner_id is None:
            return _refused({"owner_id": [_("Choose a member of this workspace.")]}, values)
        change = lambda customer: {"owner_id": owner_id}  # noqa: E731
        done = _("%(name)s is now the account manager of the ticked customers (%(num)d).",
                 name=choices["owners"][owner_id], num=len(ids))
    else:
        return _refused({"action": [_("Choose an action.")]}, values)
    customers = [records.get(customer_id) for customer_id in ids]  # all found, or a 404 before any change
    moved = [customer for customer in customers if action == "assign" and customer.owner_id != owner_id]
    try:
        for customer in customers:
            records.update(customer, change(customer), tell_owner=False)
        if moved:
            assignments.tell_new_owner(owner_id, moved)  # once, for all of them
    except DomainError as error:
        if error.status >= 500 or error.status == 404:
            raise
        return _refused({key: list(messages) for key, messages in (error.fields or {"action": [str(error)]}).items()},
                        values)
    flash(done, "success")
    return redirect(_back_to_list(), 303)


@bp.route("/customers/export", methods=["POST"])
@member_page
def customers_export():
    """The selection as CSV or XLSX (a read, as the API's segment export: viewers may)."""
    ids, kind = _selection(), request.form.get("format")
    if not ids or kind not in ("csv", "xlsx"):
        return _refused({"ids": [_("Tick at least one customer (at most %(n)d).", n=MAX_SELECTION)]}
                        if not ids else {"format": [_("Choose CSV or XLSX.")]}, request.form.to_dict())
    found = db.session.scalar(sa.select(sa.func.count()).select_from(Customer)
                              .where(Customer.id.in_(ids), Customer.deleted_at.is_(None)))
    if found != len(ids):
        raise NotFound()
    lines = exports.rows(current_principal().tenant.id, (), ids=tuple(ids))
    name = f"customers-{dt.date.today().isoformat()}"  # the rows are read in batches, each in a tenant context
    if kind == "xlsx":
        return send_file(as_xlsx(lines), mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    return Response(stream_with_context(as_csv(lines)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


SAVABLE = {"tier": "tiers", "lifecycle_stage": "stages", "team": "teams", "owner_id": "owner_ids", "tag": "tags"}


@bp.route("/customers/segments", methods=["POST"])
@member_page(needs=Scope.write)
def customers_save_segment():
    """Save the list's filter as a segment, through the API's schema and the core's segments."""
    values = request.form.to_dict()
    loaded, shown, errors = _arguments(MultiDict(request.form))
    if errors:
        return _refused({"name": [_("The filter is not valid.")]}, values)
    unsavable = sorted(set(shown) - set(SAVABLE) - {"sort", "limit", "cursor"})
    if unsavable:
        return _refused({"name": [_("A segment keeps tier, stage, tag, account manager and team; clear the "
                                    "search, the dates and the segment first.")]}, values)
    wanted = {SAVABLE[key]: value if isinstance(value, list) else [value]
              for key, value in shown.items() if key in SAVABLE}
    try:
        data = SegmentSchema().load({"name": request.form.get("name", "").strip(), "filter": wanted})
        segment = segments.create(data)
    except ma.ValidationError as error:
        problem = _("A name of 1 to 100 characters.") if "name" in error.messages else _("The filter is not valid.")
        return _refused({"name": [problem]}, values)
    except DomainError as error:
        if error.status == 409:
            return _refused({"name": [_("A segment of that name exists already.")]}, values)
        raise
    flash(_("Saved the segment “%(name)s”.", name=segment.name), "success")
    return redirect(_query({}, segment_id=str(segment.id)), 303)


@bp.route("/customers/columns", methods=["POST"])
@member_page
def customers_columns():
    """Keep the person's choice of columns (in their session)."""
    session[COLUMNS_KEY] = [c for c in COLUMNS if c in request.form.getlist("columns")]
    return redirect(_back_to_list(), 303)
