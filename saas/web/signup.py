"""``/signup``: a company signs up on a page, under the rules of ``POST /api/v1/tenants`` (its
schema, then :func:`tenants.accounts.sign_up`), and its owner lands signed in on the dashboard."""

from __future__ import annotations

from flask import current_app, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length

from saas.auth import sign_in
from saas.core.errors import Conflict, Invalid
from saas.extensions import limiter
from saas.web.blueprint import bp
from saas.web.field_errors import add_errors
from saas.web.i18n import LANGUAGES, current_language
from tenants import accounts
from tenants.api import SignupSchema


class SignupForm(FlaskForm):
    """The fields of :class:`tenants.api.SignupSchema`, named as it names them."""

    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Workspace address"), validators=[DataRequired(), Length(min=3, max=50)],
                       description=_l("3-50 lower-case letters, digits and dashes, e.g. longjing-tea."))
    admin_name = StringField(_l("Your name"), validators=[Length(max=200)])
    admin_email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    admin_password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                                   description=_l("At least 10 characters."))
    locale = SelectField(_l("Language of the workspace"),
                         choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
                         validators=[AnyOf(list(LANGUAGES))])


def _signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    form = SignupForm()
    if not form.is_submitted():
        form.locale.data = current_language()
    if form.validate_on_submit():
        body = {name: form[name].data for name in ("company_name", "slug", "admin_name", "admin_email",
                                                   "admin_password")}
        try:
            data = SignupSchema().load({**body, "settings": {"locale": form.locale.data}})
            tenant, user, _ = accounts.sign_up(**data, with_api_key=False)  # nobody would see it
        except ValidationError as error:
            add_errors(form, error.messages)
        except (Invalid, Conflict) as error:
            add_errors(form, error.fields)
        else:
            sign_in(user)
            session["tenant_id"] = str(tenant.id)
            return redirect(url_for("web.landing"), 303)
    return render_template("accounts/signup.html", form=form), 422 if form.is_submitted() else 200
