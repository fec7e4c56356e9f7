"""Support cases without HTTP: who may do what, the state machine, the clocks, the mails and the queue's filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.security import PermissionDenied, Role, RuleViolation
from service import cases
from service.models import CasePriority, CaseStatus, EntryKind, SupportCase
from service.sla import BusinessCalendar
from tests.builders import make_case, make_customer, make_partner, make_user

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING).astimezone(UTC)


@pytest.fixture()
def world(db, every_partner):
    partner = make_partner(code="P-GD-9001", region="CN-GD")
    return {
        "partner": partner,
        "clerk": make_user(partner, role=Role.PARTNER_USER, locale="zh_Hans_CN"),
        "colleague": make_user(partner, role=Role.PARTNER_ADMIN),
        "other": make_user(make_partner(region="CN-GX"), role=Role.PARTNER_ADMIN),
        "manager": make_user(role=Role.CHANNEL_MANAGER, regions=("CN-GD",), locale="en"),
        "elsewhere": make_user(role=Role.CHANNEL_MANAGER, regions=("DE",)),
        "admin": make_user(role=Role.ADMIN),
    }


def mails_to(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)
        )
    )


def test_opening_a_case_sets_its_due_times_audits_and_tells_the_people_concerned(world):
    opened = beijing(2026, 9, 18, 16, 0)  # a Friday; Sunday 20 September is a worked day
    row = make_case(world["clerk"], priority=CasePriority.URGENT, now=opened)
    assert (row.status, row.partner_id, row.requester_id) == (CaseStatus.NEW, world["partner"].id, world["clerk"].id)
    assert row.response_due_at == beijing(2026, 9, 20, 11, 0)  # 4 business hours
    assert row.resolution_due_at == beijing(2026, 9, 21, 16, 0)  # 2 business days
    assert [a.content_type for a in row.attachments] == ["image/png"]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_type == "support_cases")) == "create"
    # The manager of Guangdong hears of it in English, the requester in Chinese; the manager elsewhere not at all.
    assert [m.subject for m in mails_to(world["manager"])][0].startswith("New case #")
    assert "已" in mails_to(world["clerk"])[0].subject or "案件" in mails_to(world["clerk"])[0].subject
    assert mails_to(world["elsewhere"]) == []


def test_only_a_partners_own_users_open_cases_and_name_their_own_customers(world):
    fields = cases.CaseFields(
        category=cases.CaseCategory.DELIVERY, priority=CasePriority.LOW, subject="Late", description="Still waiting."
    )
    with pytest.raises(PermissionDenied):
        cases.open_case(fields, actor=world["manager"])
    theirs = make_customer(world["other"].partner, code="C-THEIRS")
    with pytest.raises(RuleViolation) as refused:
        cases.references("", theirs.code, partner_id=world["partner"].id)
    assert refused.value.field == "customer_code"
    with pytest.raises(RuleViolation) as refused:
        cases.references("NO-SUCH-SKU", "", partner_id=world["partner"].id)
    assert refused.value.field == "sku"
    with pytest.raises(RuleViolation) as refused:
        cases.open_case(cases.CaseFields(**{**fields.__dict__, "subject": "   "}), actor=world["clerk"])
    assert refused.value.field == "subject"


def test_a_staff_reply_is_the_first_response_and_internal_notes_stay_with_the_brand(world):
    row = make_case(world["clerk"])  # make_case adds an admin's note
    before = len(mails_to(world["clerk"]))
    cases.reply_to_case(row, "Send us photos of the housings, please.", actor=world["manager"])
    assert row.first_response_at is not None and row.status is CaseStatus.IN_PROGRESS
    assert len(mails_to(world["clerk"])) == before + 1
    partner_sees = cases.visible_entries(row, world["clerk"])
    assert EntryKind.NOTE not in {entry.kind for entry in partner_sees}
    assert EntryKind.NOTE in {entry.kind for entry in cases.visible_entries(row, world["manager"])}
    assert all("warehouse" not in message.body for message in mails_to(world["clerk"]))
    with pytest.raises(PermissionDenied):
        cases.add_note(row, "Partners cannot write notes.", actor=world["clerk"])


def test_a_note_tells_the_assignee_and_only_the_assignee(world):
    row = make_case(world["clerk"])
    cases.assign_case(row, world["manager"], actor=world["admin"])
    assert mails_to(world["manager"])[-1].subject.startswith(f"Case {row.reference} is yours")
    clerk_mails = len(mails_to(world["clerk"]))
    cases.add_note(row, "Ask the warehouse about batch 42.", actor=world["admin"])
    assert "batch 42" in mails_to(world["manager"])[-1].body
    assert len(mails_to(world["clerk"])) == clerk_mails
    with pytest.raises(RuleViolation) as refused:
        cases.assign_case(row, world["elsewhere"], actor=world["admin"])  # does not see the partner
    assert refused.value.field == "assignee_id"


def test_waiting_for_the_partner_stops_the_resolution_clock(world):
    opened = beijing(2026, 9, 21, 9, 0)  # Monday
    row = make_case(world["clerk"], now=opened)
    due = row.resolution_due_at
    cases.change_status(row, CaseStatus.WAITING, actor=world["manager"], now=beijing(2026, 9, 21, 10, 0))
    # The partner answers at 15:30 the next day: 8 h on Monday and 6.5 h on Tuesday = 14.5 business hours waited.
    row.waiting_since = beijing(2026, 9, 21, 10, 0)
    cases._set_status(row, CaseStatus.IN_PROGRESS, world["clerk"], beijing(2026, 9, 22, 15, 30))
    assert row.resolution_due_at == BusinessCalendar.from_config().add(due, 14 * 60 + 30)
    assert row.waiting_since is None


def test_a_partner_reply_to_a_waiting_case_starts_its_clock_again(world):
    row = make_case(world["clerk"])
    cases.change_status(row, CaseStatus.WAITING, actor=world["manager"])
    cases.reply_to_case(row, "Photos attached.", actor=world["colleague"])
    assert row.status is CaseStatus.IN_PROGRESS and row.waiting_since is None
    assert "Photos attached." in mails_to(world["manager"])[-1].body  # unassigned: the responsible manager


@pytest.mark.parametrize(
    "start, step, allowed",
    [
        (CaseStatus.NEW, CaseStatus.CLOSED, False),
        (CaseStatus.NEW, CaseStatus.RESOLVED, True),
        (CaseStatus.RESOLVED, CaseStatus.WAITING, False),
        (CaseStatus.RESOLVED, CaseStatus.CLOSED, True),
        (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS, False),
    ],
)
def test_each_status_change_follows_the_transitions(world, start, step, allowed):
    row = make_case(world["clerk"])
    row.status = start
    if allowed:
        cases.change_status(row, step, actor=world["manager"])
        assert row.status is step and row.entries[-1].status is step
    elif start is CaseStatus.CLOSED:
        with pytest.raises(PermissionDenied):  # a closed case is finished: nobody works it
            cases.change_status(row, step, actor=world["manager"])
    else:
        with pytest.raises(RuleViolation):
            cases.change_status(row, step, actor=world["manager"])
    with pytest.raises(PermissionDenied):
        cases.change_status(row, CaseStatus.RESOLVED, actor=world["clerk"])


def test_the_requester_reopens_within_fourteen_days_of_the_resolution(world):
    row = make_case(world["clerk"])
    resolved = beijing(2026, 9, 1, 10, 0)
    cases.change_status(row, CaseStatus.RESOLVED, actor=world["manager"], now=resolved)
    status_mail = mails_to(world["clerk"])[-2]  # the last one asks how satisfied the requester is
    assert "reopen" in status_mail.body or "重新打开" in status_mail.body
    assert not cases.may_reopen(world["colleague"], row, resolved + timedelta(days=1))  # not the requester
    with pytest.raises(RuleViolation):
        cases.reopen_case(row, "Still broken", actor=world["clerk"], now=resolved + timedelta(days=14, seconds=1))
    cases.reopen_case(row, "Still broken", actor=world["clerk"], now=resolved + timedelta(days=14))
    assert (row.status, row.reopened_count, row.resolved_at) == (CaseStatus.IN_PROGRESS, 1, None)
    assert "Still broken" in mails_to(world["manager"])[-1].body


def test_resolved_cases_past_the_reopening_window_are_closed_by_the_daily_run(world):
    row = make_case(world["clerk"])
    cases.change_status(row, CaseStatus.RESOLVED, actor=world["manager"], now=beijing(2026, 9, 1, 10, 0))
    assert cases.close_resolved_cases(now=beijing(2026, 9, 15, 9, 0)) == 0
    assert cases.close_resolved_cases(now=beijing(2026, 9, 15, 11, 0)) == 1
    assert row.status is CaseStatus.CLOSED


def test_the_queue_marks_and_filters_breaches_by_one_rule(world):
    now = beijing(2026, 9, 22, 12, 0)
    late = make_case(world["clerk"], subject="late", now=beijing(2026, 9, 14, 9, 0))  # 2 days to answer: past
    close = make_case(world["clerk"], subject="close", now=beijing(2026, 9, 21, 9, 0))
    fresh = make_case(world["clerk"], subject="fresh", now=beijing(2026, 9, 22, 11, 0))
    close.response_warn_at = now - timedelta(minutes=1)  # past three quarters of its time
    close.response_due_at = now + timedelta(hours=1)
    answered = make_case(world["clerk"], subject="answered", now=beijing(2026, 9, 14, 9, 0))
    cases.reply_to_case(answered, "On it.", actor=world["manager"])  # answered; resolution due in 10 days
    db.session.flush()
    states = {row.subject: cases.sla_state(row, now) for row in (late, close, fresh, answered)}
    assert states == {"late": "breached", "close": "at_risk", "fresh": None, "answered": None}
    for wanted in ("breached", "at_risk"):
        found = db.session.scalars(
            cases.queue_query(cases.QueueCriteria(sla=wanted), actor=world["manager"], now=now)
        ).all()
        assert {row.subject for row in found} == {subject for subject, state in states.items() if state == wanted}
    ordered = db.session.scalars(cases.queue_query(cases.QueueCriteria(), actor=world["manager"], now=now)).all()
    assert [row.subject for row in ordered][0] == "late"  # the next target first
    assert cases.breach_counts(now) == (1, 1)


def test_a_partner_user_never_sees_another_partners_cases(app, db, world, as_user):
    mine = make_case(world["clerk"])
    theirs = make_case(world["other"])
    as_user(world["colleague"])
    seen = db.session.scalars(select(SupportCase)).all()
    assert [row.id for row in seen] == [mine.id] and theirs.id not in {row.id for row in seen}


def test_the_home_counts_hold_the_cases_in_the_actors_scope_only(db, world, as_user):
    make_case(world["clerk"], now=beijing(2026, 9, 14, 9, 0))  # long past its first-response time
    as_user(world["elsewhere"])
    assert cases.home_summary(actor=world["elsewhere"]) == cases.HomeSummary(0, 0, 0, 0, [], [])
    as_user(world["manager"])
    summary = cases.home_summary(actor=world["manager"])
    assert (summary.open_count, summary.breached, summary.unassigned) == (1, 1, 1)


def test_an_admin_deletes_a_case_with_its_history_and_files_and_its_complaint_awaits_action_again(world):
    from service import complaints
    from service.models import CaseAttachment, CaseEntry, ComplaintStatus
    from tests.builders import make_complaint

    complaint = make_complaint(world["clerk"], make_customer(world["partner"], code="C-DEL"))
    escalated = complaints.escalate_complaint(complaint, actor=world["clerk"])
    row = make_case(world["clerk"])  # with a file and a note
    for case in (row, escalated):
        with pytest.raises(PermissionDenied):
            cases.delete_case(case, actor=world["manager"], reason="Opened by mistake")
        with pytest.raises(RuleViolation):
            cases.delete_case(case, actor=world["admin"], reason=" ")
        cases.delete_case(case, actor=world["admin"], reason="Opened by mistake")
    assert [db.session.scalars(select(model)).all() for model in (SupportCase, CaseEntry, CaseAttachment)] == [
        [],
        [],
        [],
    ]
    assert (complaint.status, complaint.case_id) == (ComplaintStatus.OPEN, None)
    deleted = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).all()
    assert len(deleted) == 2 and {entry.reason for entry in deleted} == {"Opened by mistake"}
