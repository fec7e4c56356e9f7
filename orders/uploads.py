"""Large uploads, handled by the background worker: kept in the database, checked and written in one transaction,
so a worker killed half-way leaves nothing written and the upload can be run again."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from orders.intake import COLUMNS, IntakeResult, ReportingRules, record_sales_lines
from orders.models import SalesUpload, SubmissionSource, UploadStatus
from portal import tenancy
from portal.auth.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.security import BRAND_ROLES, PermissionDenied, RuleViolation
from portal.tabular import TableRejected, read_table


def store_upload(content: bytes, filename: str, *, actor: User) -> SalesUpload:
    """Keep the file for the worker. The caller commits, then queues orders.tasks.process_upload."""
    upload = SalesUpload(
        filename=filename[:255], content=content, size=len(content), created_by_id=actor.id, partner_id=actor.partner_id
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def run_upload(upload_id: int, report) -> IntakeResult:
    """The worker's part: check every row, then write them all or none, as the uploader; commits.

    The worker's session starts with no tenant scope, and each commit or rollback expires every object it holds:
    reading one again runs under the scope in force at that moment. So the upload row (which the uploader's own
    scope need not show: brand staff's uploads belong to no partner) is read and written only under a named bypass,
    what the import needs from it is copied out first, and the uploader is loaded and their scope set after the
    last commit before the import. The scope lives in session.info, which outlasts commits; the objects do not."""
    session = db.session()
    with tenancy.every_partner(session, reason="the worker picks up an upload"):
        upload = session.get(SalesUpload, upload_id)
        if upload is None or upload.status not in (UploadStatus.QUEUED, UploadStatus.FAILED, UploadStatus.RUNNING):
            return IntakeResult()
        upload.status, upload.started_at, upload.attempts = UploadStatus.RUNNING, utcnow(), upload.attempts + 1
        filename, content, actor_id = upload.filename, upload.content, upload.created_by_id
        session.commit()
        actor = session.get_one(User, actor_id)  # created_by_id keeps its user from being deleted
        # The problems are kept as text, in the uploader's language (the worker has no browser to ask).
        language = actor.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    # The uploader's scope: a manager writes only for their partners. Set after the bypass, which puts back the
    # scope it found when it ends.
    tenancy.set_scope(session, actor)
    max_bytes = current_app.config["SALES_UPLOAD_MAX_BYTES"]

    def read_rows():
        return read_table(io.BytesIO(content), filename, COLUMNS, max_bytes=max_bytes)

    rules = ReportingRules.for_actor(actor)
    try:
        result = record_sales_lines(
            read_rows, actor=actor, source=SubmissionSource.UPLOAD, filename=filename, rules=rules, progress=report
        )
    except TableRejected as rejected:
        result = IntakeResult(errors=rejected.errors)
    if not result.ok:
        session.rollback()
    submission_ids = [submission.id for submission in result.submissions]
    with tenancy.every_partner(session, reason="the worker records the outcome of an upload"):
        upload = session.get_one(SalesUpload, upload_id)  # found above, and nothing deletes an upload
        if result.ok:
            upload.status, upload.submission_ids = UploadStatus.COMPLETED, submission_ids
            upload.total_amount = result.total
        else:
            with force_locale(language):
                upload.status, upload.errors = UploadStatus.REJECTED, result.problems()[:10_000]
        upload.rows, upload.finished_at = result.rows, utcnow()
        session.commit()
    return result


def mark_failed(upload_id: int) -> None:
    """The worker stopped on an error: nothing of the import is kept, the upload may be run again; commits."""
    session = db.session()
    session.rollback()
    with tenancy.every_partner(session, reason="the worker records that an upload stopped"):
        upload = session.get(SalesUpload, upload_id)
        if upload is not None:
            upload.status, upload.finished_at = UploadStatus.FAILED, utcnow()
            session.commit()


def _stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["UPLOAD_STALE_AFTER_SECONDS"])


def may_retry(upload: SalesUpload) -> bool:
    """A stopped upload, or one whose worker went silent (killed) for UPLOAD_STALE_AFTER_SECONDS."""
    if upload.status is UploadStatus.FAILED:
        return True
    return (
        upload.status is UploadStatus.RUNNING
        and upload.started_at is not None
        and utcnow() - upload.started_at > _stale_after()
    )


def retry_upload(upload: SalesUpload, *, actor: User) -> None:
    if actor.id != upload.created_by_id and actor.role.value != "admin":
        raise PermissionDenied()
    if not may_retry(upload):
        from flask_babel import lazy_gettext as _l

        raise RuleViolation(_l("This upload is not stopped."))
    upload.status = UploadStatus.QUEUED
    db.session.flush()


def _own_brand_uploads(actor: User):
    """An upload by brand staff belongs to no partner, so the tenant scope hides it from a channel manager (only
    admins see every row): its uploader still follows it."""
    return select(SalesUpload).where(SalesUpload.partner_id.is_(None), SalesUpload.created_by_id == actor.id)


def find_upload(upload_id: int, *, actor: User) -> SalesUpload | None:
    """The upload, if the actor may follow it: in their scope, or their own."""
    upload = db.session.scalar(select(SalesUpload).where(SalesUpload.id == upload_id))
    if upload is None and actor.role in BRAND_ROLES:
        with tenancy.every_partner(reason="brand staff follow their own uploads"):
            upload = db.session.scalar(_own_brand_uploads(actor).where(SalesUpload.id == upload_id))
    return upload


def recent_uploads(*, actor: User, limit: int = 20) -> list[SalesUpload]:
    uploads = list(db.session.scalars(select(SalesUpload).order_by(SalesUpload.id.desc()).limit(limit)))
    if actor.role in BRAND_ROLES:
        with tenancy.every_partner(reason="brand staff follow their own uploads"):
            uploads += db.session.scalars(_own_brand_uploads(actor).order_by(SalesUpload.id.desc()).limit(limit))
    return sorted({upload.id: upload for upload in uploads}.values(), key=lambda u: u.id, reverse=True)[:limit]
