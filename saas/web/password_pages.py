"""Forgetting a password: ``/password/forgot`` mails a reset link, ``/password/reset/<token>``
sets a new password (:mod:`saas.core.password_reset`: signed, one hour, single use).

The forgot page answers the same whether the address has an account or not, so it cannot be used
to find out who has one; it is rate-limited per client like the sign-up.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from saas.core import password_reset
from saas.core.errors import Invalid
from saas.extensions import limiter
from saas.web import mails
from saas.web.blueprint import bp
from saas.web.field_errors import add_errors
from saas.web.i18n import current_language
from tenants import accounts


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def mail_reset_link(user, locale: str, template: str = "password_reset", subject=_l("Set your Retain password"),
                    **context) -> None:
    """Mail ``user`` a link to set their password (``mail/<template>.txt`` says why)."""
    link = url_for("web.reset_password", token=password_reset.issue_token(user), _external=True)
    mails.send(user.email, user.locale or locale, subject, template, name=user.name, link=link, **context)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is not None and user.is_active:
            mail_reset_link(user, current_language())
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token):
    user = password_reset.user_for_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.set_password(user, form.password.data)
        except Invalid as error:
            add_errors(form, error.fields)
        else:
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("web.login"), 303)
    return render_template("accounts/reset.html", form=form, token=token), 422 if form.is_submitted() else 200
