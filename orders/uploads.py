"""Large uploads, handled by the background worker: kept in the database, checked and written in one transaction,
so a worker killed half-way leaves nothing written and the upload can be run again."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from orders.intake import COLUMNS, IntakeResult, ReportingRules, record_sales_lines
from orders.models import SalesUpload, SubmissionSource, UploadStatus
from orders.periods import local_today
from portal import tenancy
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.security import BRAND_ROLES, PermissionDenied, RuleViolation
from portal.tabular import TableRejected, read_table

STALE_AFTER = timedelta(minutes=10)


def store_upload(content: bytes, filename: str, *, actor: User) -> SalesUpload:
    """Keep the file for the worker. The caller commits, then queues orders.tasks.process_upload."""
    upload = SalesUpload(filename=filename[:255], content=content, size=len(content), created_by_id=actor.id,
                         partner_id=actor.partner_id)
    db.session.add(upload)
    db.session.flush()
    return upload


def run_upload(upload_id: int, report) -> IntakeResult:
    """The worker's part: check every row, then write them all or none, as the uploader; commits."""
    with tenancy.every_partner(reason="the worker picks up an upload"):
        upload = db.session.get(SalesUpload, upload_id)
        actor = upload.created_by
    if upload.status not in (UploadStatus.QUEUED, UploadStatus.FAILED, UploadStatus.RUNNING):
        return IntakeResult()
    upload.status, upload.started_at, upload.attempts = UploadStatus.RUNNING, utcnow(), upload.attempts + 1
    db.session.commit()
    tenancy.set_scope(db.session(), actor)  # the uploader's scope: a manager writes only for their partners
    content = upload.content
    max_bytes = current_app.config["SALES_UPLOAD_MAX_BYTES"]

    def read_rows():
        return iter(read_table(io.BytesIO(content), upload.filename, COLUMNS, max_bytes=max_bytes))

    rules = ReportingRules(today=local_today(), open_months=current_app.config["REPORTING_OPEN_MONTHS"],
                           may_report_closed_periods=actor.role in BRAND_ROLES)
    try:
        result = record_sales_lines(read_rows, actor=actor, source=SubmissionSource.UPLOAD, filename=upload.filename,
                                    rules=rules, progress=report)
    except TableRejected as rejected:
        result = IntakeResult(errors=rejected.errors)
    if not result.ok:
        db.session.rollback()
        upload = db.session.get(SalesUpload, upload_id)
        upload.status, upload.errors = UploadStatus.REJECTED, [e.as_dict() for e in result.errors[:10_000]]
    else:
        upload.status, upload.submission_ids = UploadStatus.COMPLETED, [s.id for s in result.submissions]
        upload.total_amount = result.total
    upload.rows, upload.finished_at = result.rows, utcnow()
    db.session.commit()
    return result


def mark_failed(upload_id: int) -> None:
    db.session.rollback()
    with tenancy.every_partner(reason="the worker records that an upload stopped"):
        upload = db.session.get(SalesUpload, upload_id)
        upload.status, upload.finished_at = UploadStatus.FAILED, utcnow()
        db.session.commit()


def may_retry(upload: SalesUpload) -> bool:
    """A stopped upload, or one whose worker went silent (killed) long ago."""
    if upload.status is UploadStatus.FAILED:
        return True
    return upload.status is UploadStatus.RUNNING and upload.started_at is not None and \
        utcnow() - upload.started_at > STALE_AFTER


def retry_upload(upload: SalesUpload, *, actor: User) -> None:
    if actor.id != upload.created_by_id and actor.role.value != "admin":
        raise PermissionDenied()
    if not may_retry(upload):
        from flask_babel import lazy_gettext as _l

        raise RuleViolation(_l("This upload is not stopped."))
    upload.status = UploadStatus.QUEUED
    db.session.flush()


def recent_uploads(limit: int = 20) -> list[SalesUpload]:
    return list(db.session.scalars(select(SalesUpload).order_by(SalesUpload.id.desc()).limit(limit)))
