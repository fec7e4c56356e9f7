"""API tokens: a partner's (its partner_admins' page) and the brand's (the same page for admins)."""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders import api_tokens
from orders.forms import TokenForm
from orders.models import ApiToken
from orders.views import bp
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.security import Role, require_role


@bp.route("/tokens", methods=["GET", "POST"])
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = api_tokens.create_token(actor=current_user, name=form.name.data or "")
        db.session.commit()
        form = TokenForm(formdata=None)
    return render(
        "orders/tokens.html",
        form=form,
        tokens=api_tokens.tokens(actor=current_user),
        new_token=new_token,
        status=422 if form.errors else 200,
    )


@bp.post("/tokens/<int:token_id>/revoke")
@require_role(Role.PARTNER_ADMIN, Role.ADMIN)
def revoke_token(token_id: int):
    api_tokens.revoke_token(db.get_or_404(ApiToken, token_id), actor=current_user)
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect_after_post(url_for("orders.tokens"))
