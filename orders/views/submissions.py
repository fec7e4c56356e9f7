"""Submissions and the sales lines they hold (every line in scope: orders/views/lines.py)."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders import periods, services
from orders.models import Submission
from orders.views import PER_PAGE, bp
from orders.views.filters import partner_code
from portal.exports import requested_export, table_response
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.paging import page_number, paginate
from portal.security import PARTNER_ROLES, Role, RuleViolation, require_role


@bp.get("/submissions")
def submissions():
    query = services.submissions_query()
    if export := requested_export():
        return table_response(
            export,
            "submissions",
            services.SUBMISSION_EXPORT_HEADERS,
            services.submission_export_rows(query, partner_code),
            total_row=True,
        )
    page = paginate(query, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render("orders/submissions.html", submissions=page.items, page=page, total=services.submissions_total(query))


@bp.get("/submissions/<int:submission_id>")
def submission(submission_id: int):
    row = db.get_or_404(Submission, submission_id)
    total = services.submission_lines_total(row)
    page = paginate(
        services.submission_lines_query(row),
        page=page_number(request.args.get("page")),
        per_page=services.LINES_PER_PAGE,
        total=total.count,
    )
    to_declare = periods.months_to_declare(row) if current_user.role in PARTNER_ROLES else []
    return render(
        "orders/submission.html",
        submission=row,
        lines=page.items,
        page=page,
        total=total,
        to_declare=to_declare,
        may_revert=services.may_revert(row, current_user),
    )


@bp.post("/submissions/<int:submission_id>/revert")
@require_role(Role.ADMIN)
def revert_submission(submission_id: int):
    row = db.get_or_404(Submission, submission_id)
    try:
        removed = services.revert_submission(row, actor=current_user)
    except RuleViolation as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Submission reverted: %(count)d lines removed.", count=removed), "success")
    return redirect_after_post(url_for("orders.submission", submission_id=row.id))
