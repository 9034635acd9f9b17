"""``/profile``: a person's own name, language, time zone and password
(:func:`tenants.accounts.update_profile` and :func:`~tenants.accounts.change_password`), and the
deletion of their account (:func:`tenants.account_deletion.delete_account`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from saas.auth import keep_signed_in
from saas.core.errors import Invalid
from saas.web.blueprint import bp
from saas.web.field_errors import add_errors
from saas.web.i18n import LANGUAGES
from tenants import account_deletion, accounts

WORKSPACE_S = ""  # the choice that leaves the language or time zone to the workspace


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    locale = SelectField(_l("Language"), validate_choice=False)  # the core checks it
    timezone = SelectField(_l("Time zone"), validate_choice=False,
                           description=_l("Times on the pages are shown in it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [SelectChoice(WORKSPACE_S, _("The workspace's")),
                               *(SelectChoice(code, name) for code, name in LANGUAGES.items())]
        self.timezone.choices = [SelectChoice(WORKSPACE_S, _("The workspace's")), *accounts.timezones()]


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)],
                                 description=_l("At least 10 characters."))
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=256)],
                             description=_l("To confirm that it is you."))


def _page(profile: ProfileForm, password: PasswordForm, status: int = 200, delete: DeleteAccountForm | None = None):
    return render_template("accounts/profile.html", profile=profile, password=password,
                           delete=delete or DeleteAccountForm(formdata=None)), status


def _profile_form() -> ProfileForm:
    return ProfileForm(formdata=None, name=current_user.name, locale=current_user.locale or WORKSPACE_S,
                       timezone=current_user.timezone or WORKSPACE_S)


@bp.route("/profile/delete", methods=["POST"])
@login_required
def delete_account():
    form, status = DeleteAccountForm(), 422
    if form.validate_on_submit():
        try:
            account_deletion.delete_account(current_user, form.password.data)
        except Invalid as error:
            add_errors(form, error.fields)
        except account_deletion.LastOwner as refusal:
            names = ", ".join(t.name for t in refusal.workspaces)
            form.password.errors = [*form.password.errors, _(
                "You are the last owner of %(workspaces)s: make another member an owner, or delete the "
                "workspace, before deleting your account.", workspaces=names)]
            status = 409
        else:
            logout_user()
            flash(_("Your account is deleted."), "success")
            return redirect(url_for("web.landing"), 303)
    return _page(_profile_form(), PasswordForm(formdata=None), status, delete=form)


@bp.route("/profile", methods=["GET"])
@login_required
def profile():
    form = ProfileForm(formdata=None, name=current_user.name, locale=current_user.locale or WORKSPACE_S,
                       timezone=current_user.timezone or WORKSPACE_S)
    return _page(form, PasswordForm(formdata=None))


@bp.route("/profile", methods=["POST"])
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, name=form.name.data or "", locale=form.locale.data or None,
                                    timezone=form.timezone.data or None)
        except Invalid as error:
            add_errors(form, error.fields)
        else:
            refresh()  # the message in the language just chosen
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("web.profile"), 303)
    return _page(form, PasswordForm(formdata=None), 422)


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, current_password=form.current_password.data,
                                     new_password=form.new_password.data)
        except Invalid as error:
            add_errors(form, error.fields)
        else:
            keep_signed_in(current_user)  # and every other session of theirs is signed out
            flash(_("Your password is changed."), "success")
            return redirect(url_for("web.profile"), 303)
    profile = ProfileForm(formdata=None, name=current_user.name, locale=current_user.locale or WORKSPACE_S,
                          timezone=current_user.timezone or WORKSPACE_S)
    return _page(profile, form, 422)
