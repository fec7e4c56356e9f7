"""Logging in and out, passwords, invitations and a partner's user list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.auth import services, sessions, throttle
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    RoleForm,
)
from portal.auth.models import User
from portal.extensions import db, limiter
from portal.forms import options, refusals_shown
from portal.htmx import local_path, redirect_after_post, render
from portal.security import BRAND_ROLES, PARTNER_ROLES, Role, RuleViolation, public, require_role

bp = Blueprint("auth", __name__, template_folder="templates")


def get_locale_code() -> str | None:
    locale = get_locale()
    return str(locale) if locale else None


def _safe_next(target: str | None) -> str:
    return local_path(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render("auth/login.html", form=form, status=422 if form.is_submitted() else 200)
    email, address = services.normalise_email(form.email.data or ""), get_remote_address()
    locked = throttle.account_locked_for(email)
    if locked:  # the right password too: checking it would tell a guesser when they hit it
        error = ngettext(
            "Too many wrong passwords for this account. It is locked: try again in %(num)d minute.",
            "Too many wrong passwords for this account. It is locked: try again in %(num)d minutes.",
            locked,
        )
        return render("auth/login.html", form=form, error=error, status=429)
    user = services.authenticate(form.email.data or "", form.password.data or "")
    if user is None:
        waited = throttle.address_throttled_for(address)
        throttle.count_failure(email, address)
        db.session.commit()
        if waited:
            error = ngettext(
                "Too many failed logins from your network. Wait %(num)d minute, or type the password carefully.",
                "Too many failed logins from your network. Wait %(num)d minutes, or type the password carefully.",
                waited,
            )
            return render("auth/login.html", form=form, error=error, status=429)
        return render(
            "auth/login.html",
            form=form,
            error=_("The email or password is not right, or the account may not log in."),
            status=401,
        )
    sessions.log_in(user)  # listeners may note a first login: commit after
    db.session.commit()
    return redirect_after_post(_safe_next(form.next.data))


@bp.post("/logout")
@public
def logout() -> ResponseReturnValue:
    sessions.log_out_here()
    db.session.commit()
    flash(_("You have logged out."), "success")
    return redirect_after_post(url_for("auth.login"))


@bp.post("/logout/everywhere")
def logout_everywhere() -> ResponseReturnValue:
    """End every session of this account: other browsers, phones, and any copied cookie."""
    sessions.end_all(current_user)
    sessions.log_out_here()
    db.session.commit()
    flash(_("You have logged out on every device."), "success")
    return redirect_after_post(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render("auth/forgot_password.html", form=form, status=422 if form.is_submitted() else 200)
    services.request_password_reset(form.email.data or "")
    db.session.commit()
    flash(_("If an account with that address may log in, a link to set a new password is on its way."), "success")
    return redirect_after_post(url_for("auth.login"))


def _set_password_page(token: str, purpose: str, template: str, done_message: str) -> ResponseReturnValue:
    try:
        user = services.user_for_link_token(token, purpose)
    except RuleViolation as error:
        return render("auth/link_invalid.html", error=error, status=400)
    form = NewPasswordForm()
    if form.validate_on_submit():
        with refusals_shown(form, "password") as outcome:
            services.set_password(user, form.password.data or "")
        if not outcome.refused:
            if user.may_log_in:
                sessions.log_in(user)
            db.session.commit()
            flash(done_message, "success")
            return redirect_after_post(url_for("home.index"))
    return render(template, form=form, user=user, status=422 if form.is_submitted() else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> ResponseReturnValue:
    return _set_password_page(
        token, services.LinkPurpose.RESET, "auth/reset_password.html", _("Your new password is set.")
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> ResponseReturnValue:
    return _set_password_page(
        token, services.LinkPurpose.INVITE, "auth/accept_invitation.html", _("Welcome to Qudao. Your password is set.")
    )


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with refusals_shown(form, "password") as outcome:
            services.change_password(
                current_user, current=form.current_password.data or "", new=form.password.data or ""
            )
        if not outcome.refused:
            sessions.log_in(current_user._get_current_object())  # token rotated: keep this session, end the others
            db.session.commit()
            flash(_("Your password is changed. Other sessions have been logged out."), "success")
            return redirect_after_post(url_for("home.index"))
    return render("auth/change_password.html", form=form, status=422 if form.is_submitted() else 200)


def role_choices(*, for_partner: bool) -> list[tuple[str, str]]:
    roles = PARTNER_ROLES if for_partner else BRAND_ROLES
    return [(role.value, role.label) for role in roles]


def invitation_page(*, partner: Any, action_url: str, done_url: str) -> ResponseReturnValue:
    """Invite someone to `partner` (None: brand staff). Shared by /users/invite and a partner's page."""
    form = InvitationForm()
    form.role.choices = options(role_choices(for_partner=partner is not None))
    if form.validate_on_submit():
        with refusals_shown(form, "email") as outcome:
            user = services.invite_user(
                actor=current_user,
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                partner=partner,
                locale=get_locale_code(),
            )
        if not outcome.refused:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect_after_post(done_url)
    return render(
        "auth/invite.html",
        form=form,
        partner=partner,
        action_url=action_url,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/users")
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def users() -> ResponseReturnValue:
    return render(
        "auth/users.html",
        users=services.users_in_scope(),
        role_form=RoleForm(),
        partner_roles=role_choices(for_partner=True),
        brand_roles=role_choices(for_partner=False),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def invite() -> ResponseReturnValue:
    """A partner_admin invites a colleague; an admin invites brand staff (partner users: from the partner's page)."""
    partner = current_user.partner if current_user.role is Role.PARTNER_ADMIN else None
    return invitation_page(partner=partner, action_url=url_for("auth.invite"), done_url=url_for("auth.users"))


def _user_action(user: User, action: Callable[[User], object]) -> ResponseReturnValue:
    try:
        action(user)
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect_after_post(url_for("auth.users"))


@bp.post("/users/<int:user_id>/deactivate")
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def deactivate(user_id: int) -> ResponseReturnValue:
    return _user_action(
        db.get_or_404(User, user_id), lambda u: services.set_user_active(u, actor=current_user, active=False)
    )


@bp.post("/users/<int:user_id>/reactivate")
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def reactivate(user_id: int) -> ResponseReturnValue:
    return _user_action(
        db.get_or_404(User, user_id), lambda u: services.set_user_active(u, actor=current_user, active=True)
    )


@bp.post("/users/<int:user_id>/role")
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def change_role(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    form.role.choices = options((role.value, role.label) for role in Role)
    if not form.validate_on_submit():
        flash(_("Choose one of the listed roles."), "error")
        return redirect_after_post(url_for("auth.users"))
    return _user_action(user, lambda u: services.change_role(u, actor=current_user, role=Role(form.role.data)))


@bp.post("/users/<int:user_id>/resend-invitation")
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def resend_invitation(user_id: int) -> ResponseReturnValue:
    return _user_action(db.get_or_404(User, user_id), lambda u: services.resend_invitation(u, actor=current_user))
